package dev.kiln.example.bad;

/** Deliberately bad (test only): loads a native library. */
public final class LoadsLibrary {
  public static void load() {
    System.loadLibrary("kiln");
  }
}

package dev.kiln.example.bad;

/** Deliberately bad (test only): class loaders. */
public final class UsesClassLoader {
  public static Object loader() {
    return Thread.currentThread().getContextClassLoader();
  }
}

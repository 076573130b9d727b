package dev.kiln.example.bad;

/** Deliberately bad (test only): a JNI method. */
public final class HasNativeMethod {
  public static native int add(int a, int b);
}

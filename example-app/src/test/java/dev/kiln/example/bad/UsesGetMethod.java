package dev.kiln.example.bad;

/** Deliberately bad (test only): reflective method lookup. */
public final class UsesGetMethod {
  public static Object find(Object o) throws Exception {
    return o.getClass().getMethod("toString");
  }
}

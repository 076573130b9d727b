package dev.kiln.example.bad;

import java.lang.invoke.MethodHandles;

/** Deliberately bad (test only): explicit java.lang.invoke use. */
public final class UsesMethodHandles {
  public static Object lookup() {
    return MethodHandles.lookup();
  }
}

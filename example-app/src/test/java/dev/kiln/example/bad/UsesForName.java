package dev.kiln.example.bad;

/** Deliberately bad (test only): loads a class by name. The deployment rules must reject it. */
public final class UsesForName {
  public static Object load(String name) throws Exception {
    return Class.forName(name);
  }
}

package dev.kiln.example.bad;

import java.util.ServiceLoader;

/** Deliberately bad (test only): service discovery. */
public final class UsesServiceLoader {
  public static Object load() {
    return ServiceLoader.load(Runnable.class);
  }
}

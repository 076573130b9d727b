package dev.kiln.example.bad;

import java.util.function.Supplier;

/** Fine (test only): lambdas and method references compile to invokedynamic, which the rules allow. */
public final class UsesLambda {
  public static Supplier<String> supplier(Object o) {
    Supplier<String> s = o::toString;
    Supplier<String> t = () -> "x" + s.get();
    return t;
  }
}

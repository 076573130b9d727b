package dev.kiln.processor.frontend;

/** Interpreter values that are not Java objects. */
enum Special {
  /** Java {@code null}. */
  NULL,
  /** The value of an expression that already failed with a reported error; uses of it stay silent. */
  ERROR,
  /** A variable declared without a value. */
  UNASSIGNED
}

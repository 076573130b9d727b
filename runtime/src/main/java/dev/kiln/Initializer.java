package dev.kiln;

/**
 * Produces the initial values of a weight (Keras initializers). Instances come from {@link Initializers}.
 * {@link #spec()} is a compact text form that {@link Initializers#parse(String)} turns back into an equal
 * initializer; generated sessions store it in the graph so {@code initialized(seed)} needs no reflection.
 */
public interface Initializer {
  /**
   * Values for a weight of shape {@code shape}, in row-major order. An initializer created with its own seed
   * uses it; one without uses {@code seed}.
   */
  float[] generate(int[] shape, long seed);

  /** A text form such as {@code glorot_uniform} or {@code constant(0.5)}. */
  String spec();
}

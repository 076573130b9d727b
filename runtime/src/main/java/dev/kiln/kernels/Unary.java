package dev.kiln.kernels;

/**
 * Scalar math of the elementwise ops ({@code Exp}, {@code Log}, ...): the eager loops and the loops the code
 * generator fuses call these, so both compute the same floats.
 */
public final class Unary {
  private Unary() {}

  public static float exp(float x) {
    return (float) Math.exp(x);
  }

  public static float log(float x) {
    return (float) Math.log(x);
  }

  public static float sqrt(float x) {
    return (float) Math.sqrt(x);
  }

  public static float square(float x) {
    return x * x;
  }

  public static float abs(float x) {
    return Math.abs(x);
  }

  public static float neg(float x) {
    return -x;
  }

  /** {@code tf.clip_by_value}: {@code min(max(x, lo), hi)}. */
  public static float clip(float x, float lo, float hi) {
    return Math.min(Math.max(x, lo), hi);
  }
}

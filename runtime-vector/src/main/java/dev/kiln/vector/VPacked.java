package dev.kiln.vector;

import dev.kiln.kernels.PackedWeights;

/**
 * Weights packed by {@link VectorKernels}: a {@code [k, n]} matrix (a dense weight, or a convolution kernel with
 * {@code k = kh * kw * cPerGroup} and {@code n} filters) in {@link Sgemm}'s panel layout, followed by what
 * {@link Sgemm#packDense} and {@link VConv#pack} append (a transposed copy for the GEMV, Winograd-transformed weights).
 */
final class VPacked extends PackedWeights {
  final float[] data;
  final int k, n;

  VPacked(float[] data, int k, int n) {
    super("vector");
    this.data = data;
    this.k = k;
    this.n = n;
  }

  /**
   * The packed floats of {@code packed}, after checking that {@code op} multiplies a {@code [k, n]} weight with them:
   * else an {@link IllegalArgumentException} naming the op, the packed shape and the one called.
   */
  static float[] of(PackedWeights packed, int k, int n, String op) {
    if (!(packed instanceof VPacked)) throw PackedWeights.foreign(op, "vector", packed);
    VPacked v = (VPacked) packed;
    if (v.k != k || v.n != n) {
      throw new IllegalArgumentException(op + ": weights packed as " + v.k + "x" + v.n + ", called with " + k + "x" + n);
    }
    return v.data;
  }

  @Override
  public String toString() {
    return "VPacked[" + k + "x" + n + "]";
  }
}

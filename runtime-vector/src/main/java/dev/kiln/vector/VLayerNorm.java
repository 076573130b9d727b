package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.ADD;

import dev.kiln.kernels.Normalization;
import jdk.incubator.vector.FloatVector;

/**
 * The vector {@code layerNorm}: {@link Normalization#layerNorm}'s two passes per row (the mean, then the biased
 * variance about it) and its output formula, with the sums in float vector lanes (two chains) instead of one double
 * chain: each lane adds {@code normSize / 2VL} values, the first pass's shifted by the row's first value, so the sums
 * keep about the double chain's accuracy for the row widths layers use. Rows narrower than a vector keep
 * {@link Normalization#layerNorm}.
 */
final class VLayerNorm {
  private VLayerNorm() {}

  private static final int VL = Sgemm.VL;

  /** See {@code KernelSet.layerNorm}. */
  static void compute(float[] in, float[] out, int rows, int normSize, float[] gamma, float[] beta, float eps) {
    if (normSize < VL) {
      Normalization.layerNorm(in, out, rows, normSize, gamma, beta, eps);
      return;
    }
    int nv = Sgemm.S.loopBound(normSize);
    for (int o = 0; o < rows; o++) {
      int base = o * normSize;
      float shift = in[base];
      float mean = (float) (shift + (double) sum(in, base, normSize, nv, shift) / normSize);
      float inv = (float) (1.0 / Math.sqrt(squares(in, base, normSize, nv, mean) / normSize + eps));
      int j = 0;
      if (gamma != null && beta != null) { // else (no scale or no center: rare) all in the scalar loop
        for (; j < nv; j += VL) {
          FloatVector s = FloatVector.fromArray(Sgemm.S, gamma, j).mul(inv);
          FloatVector t = FloatVector.fromArray(Sgemm.S, beta, j).sub(s.mul(mean));
          FloatVector.fromArray(Sgemm.S, in, base + j).fma(s, t).intoArray(out, base + j);
        }
      }
      for (; j < normSize; j++) {
        float s = gamma != null ? inv * gamma[j] : inv;
        float t = beta != null ? beta[j] - mean * s : -mean * s;
        out[base + j] = in[base + j] * s + t;
      }
    }
  }

  /**
   * {@code sum_j (x[j] - shift)} over the row of {@code n} values at {@code in[base]}, the first {@code nv} in vectors.
   * Shifted by one of the row's values, the terms stay near the row's spread, so a row far from zero keeps its mean's
   * digits in float sums.
   */
  private static float sum(float[] in, int base, int n, int nv, float shift) {
    FloatVector a = FloatVector.zero(Sgemm.S), b = a;
    int j = 0;
    for (; j + 2 * VL <= nv; j += 2 * VL) {
      a = a.add(FloatVector.fromArray(Sgemm.S, in, base + j).sub(shift));
      b = b.add(FloatVector.fromArray(Sgemm.S, in, base + j + VL).sub(shift));
    }
    for (; j < nv; j += VL) a = a.add(FloatVector.fromArray(Sgemm.S, in, base + j).sub(shift));
    float s = a.add(b).reduceLanes(ADD);
    for (j = nv; j < n; j++) s += in[base + j] - shift;
    return s;
  }

  /** {@code sum_j (x[j] - mean)^2} over the row, as {@link #sum}. */
  private static float squares(float[] in, int base, int n, int nv, float mean) {
    FloatVector a = FloatVector.zero(Sgemm.S), b = a;
    int j = 0;
    for (; j + 2 * VL <= nv; j += 2 * VL) {
      FloatVector x = FloatVector.fromArray(Sgemm.S, in, base + j).sub(mean);
      FloatVector y = FloatVector.fromArray(Sgemm.S, in, base + j + VL).sub(mean);
      a = x.fma(x, a);
      b = y.fma(y, b);
    }
    for (; j < nv; j += VL) {
      FloatVector x = FloatVector.fromArray(Sgemm.S, in, base + j).sub(mean);
      a = x.fma(x, a);
    }
    float s = a.add(b).reduceLanes(ADD);
    for (j = nv; j < n; j++) {
      float d = in[base + j] - mean;
      s += d * d;
    }
    return s;
  }
}

package dev.kiln.kernels;

/** Numerically stable softmax over the middle axis of an {@code [outer, axisLen, inner]} view. */
public final class Softmax {
  private Softmax() {}

  /** {@code in} and {@code out} may be the same array. */
  public static void softmax(float[] in, float[] out, int outer, int axisLen, int inner) {
    if (inner == 1) {
      for (int o = 0; o < outer; o++) row(in, out, o * axisLen, axisLen);
      return;
    }
    for (int o = 0; o < outer; o++) {
      int base = o * axisLen * inner;
      for (int i = 0; i < inner; i++) {
        int p = base + i;
        float max = Float.NEGATIVE_INFINITY;
        for (int a = 0; a < axisLen; a++) max = Math.max(max, in[p + a * inner]);
        double sum = 0;
        for (int a = 0; a < axisLen; a++) {
          float e = (float) Math.exp(in[p + a * inner] - max);
          out[p + a * inner] = e;
          sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int a = 0; a < axisLen; a++) out[p + a * inner] *= inv;
      }
    }
  }

  /** Softmax of {@code in[off .. off+n)} into {@code out[off .. off+n)}. */
  public static void row(float[] in, float[] out, int off, int n) {
    if (n == 0) return;
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) max = Math.max(max, in[off + j]);
    double sum = 0;
    for (int j = 0; j < n; j++) {
      float e = (float) Math.exp(in[off + j] - max);
      out[off + j] = e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    for (int j = 0; j < n; j++) out[off + j] *= inv;
  }
}

package dev.kiln.kernels;

/** Reductions over the middle axis of an {@code [outer, axisLen, inner]} view; the output is {@code [outer, inner]}. */
public final class Reductions {
  private Reductions() {}

  public static final int SUM = 0;
  public static final int MEAN = 1;
  public static final int MAX = 2;

  public static void reduce(int op, float[] in, float[] out, int outer, int axisLen, int inner) {
    if (op != SUM && op != MEAN && op != MAX) throw new IllegalArgumentException("Reductions.reduce: unknown op " + op);
    for (int o = 0; o < outer; o++) {
      int base = o * axisLen * inner;
      int ob = o * inner;
      if (op == MAX) {
        for (int i = 0; i < inner; i++) {
          float m = Float.NEGATIVE_INFINITY;
          for (int a = 0; a < axisLen; a++) {
            float v = in[base + a * inner + i];
            if (v > m || v != v) m = v; // NaN propagates
          }
          out[ob + i] = m;
        }
      } else {
        for (int i = 0; i < inner; i++) {
          double s = 0;
          for (int a = 0; a < axisLen; a++) s += in[base + a * inner + i];
          out[ob + i] = (float) (op == MEAN ? s / axisLen : s);
        }
      }
    }
  }

  /** Index of the maximum along the axis; the first one wins on ties (as TensorFlow). */
  public static void argmax(float[] in, int[] out, int outer, int axisLen, int inner) {
    for (int o = 0; o < outer; o++) {
      int base = o * axisLen * inner;
      for (int i = 0; i < inner; i++) {
        int best = 0;
        float m = in[base + i];
        for (int a = 1; a < axisLen; a++) {
          float v = in[base + a * inner + i];
          if (v > m) {
            m = v;
            best = a;
          }
        }
        out[o * inner + i] = best;
      }
    }
  }
}

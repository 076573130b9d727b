package dev.kiln.kernels;

/**
 * Reductions: over the middle axis of an {@code [outer, axisLen, inner]} view (output {@code [outer, inner]}), which
 * also covers any contiguous run of axes, and over arbitrary axes with {@link #reduceAxes}.
 */
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
        int i = 0;
        for (; i + 8 <= inner; i += 8) sumEight(op == MEAN, in, base, axisLen, inner, i, out, ob + i);
        for (; i < inner; i++) {
          double s = 0;
          for (int a = 0; a < axisLen; a++) s += in[base + a * inner + i];
          out[ob + i] = (float) (op == MEAN ? s / axisLen : s);
        }
      }
    }
  }

  /**
   * Sums (or means) of eight neighbouring columns {@code i .. i+7} over the axis, each accumulated in double in axis
   * order exactly as one column alone (the same values), but as eight independent chains reading contiguous runs: a
   * global average pooling (7x7x1280 in MobileNetV2) is otherwise one serial chain of double additions per column,
   * each add a strided read.
   */
  private static void sumEight(boolean mean, float[] in, int base, int axisLen, int inner, int i, float[] out, int o) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (int a = 0, p = base + i; a < axisLen; a++, p += inner) {
      s0 += in[p];
      s1 += in[p + 1];
      s2 += in[p + 2];
      s3 += in[p + 3];
      s4 += in[p + 4];
      s5 += in[p + 5];
      s6 += in[p + 6];
      s7 += in[p + 7];
    }
    double d = mean ? axisLen : 1;
    out[o] = (float) (s0 / d);
    out[o + 1] = (float) (s1 / d);
    out[o + 2] = (float) (s2 / d);
    out[o + 3] = (float) (s3 / d);
    out[o + 4] = (float) (s4 / d);
    out[o + 5] = (float) (s5 / d);
    out[o + 6] = (float) (s6 / d);
    out[o + 7] = (float) (s7 / d);
  }

  /**
   * Reduces {@code in} (shape {@code inShape}, row-major) over {@code axes} (normalized, strictly increasing), for
   * axes that are not one contiguous run (use {@link #reduce} for those: it is faster). {@code out} holds the
   * kept dimensions in order, which is the same layout with or without keep_dims. Sums are accumulated in
   * double like {@link #reduce}, so both paths agree. Allocation-free: each output element decomposes its index
   * over the kept axes and each reduced position over the reduced axes (rank at most 63).
   */
  public static void reduceAxes(int op, float[] in, int[] inShape, int[] axes, float[] out) {
    if (op != SUM && op != MEAN && op != MAX) throw new IllegalArgumentException("Reductions.reduceAxes: unknown op " + op);
    int rank = inShape.length;
    if (rank > 63) throw new IllegalArgumentException("Reductions.reduceAxes: rank " + rank + " is above 63");
    long reduced = 0;
    for (int k = 0; k < axes.length; k++) {
      int a = axes[k];
      if (a < 0 || a >= rank || (k > 0 && a <= axes[k - 1])) {
        throw new IllegalArgumentException("Reductions.reduceAxes: axes must be increasing and below rank " + rank);
      }
      reduced |= 1L << a;
    }
    int outSize = 1;
    int redSize = 1;
    for (int d = 0; d < rank; d++) {
      if ((reduced >>> d & 1L) != 0) redSize *= inShape[d];
      else outSize *= inShape[d];
    }
    for (int o = 0; o < outSize; o++) {
      int rem = o;
      int base = 0;
      int stride = 1;
      for (int d = rank - 1; d >= 0; d--) {
        int n = inShape[d];
        if ((reduced >>> d & 1L) == 0) {
          base += (rem % n) * stride;
          rem /= n;
        }
        stride *= n;
      }
      double s = 0;
      float m = Float.NEGATIVE_INFINITY;
      for (int r = 0; r < redSize; r++) {
        int rr = r;
        int off = base;
        stride = 1;
        for (int d = rank - 1; d >= 0; d--) {
          int n = inShape[d];
          if ((reduced >>> d & 1L) != 0) {
            off += (rr % n) * stride;
            rr /= n;
          }
          stride *= n;
        }
        float v = in[off];
        if (op == MAX) {
          if (v > m || v != v) m = v; // NaN propagates
        } else {
          s += v;
        }
      }
      out[o] = op == MAX ? m : (float) (op == MEAN ? s / redSize : s);
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

package dev.kiln.kernels;

import java.util.Arrays;

/**
 * 2-D max and average pooling on NHWC float arrays with explicit padding: output {@code (oy, ox)} covers input
 * rows {@code oy * sh - padTop .. + kh} and columns {@code ox * sw - padLeft .. + kw}. Cells outside the input are
 * left out: max pooling behaves as if padded with -inf, average pooling divides by the number of cells inside
 * (TensorFlow's SAME semantics). An empty window (possible only with padding of a kernel's size) gives -inf / 0.
 *
 * <p>One output row at a time: the window's input rows are first reduced into a scratch row with whole-row loops
 * indexed from 0 (which C2 vectorizes; {@code arraycopy} brings each row in), then each output pixel reduces its
 * {@code kw} columns of that row. Measured on the small CNN's 26x26x16 pool (JDK 17): about 4x faster than
 * reducing pixel by pixel. No allocation per call.
 */
public final class Pooling {
  private Pooling() {}

  private static final ThreadLocal<float[][]> SCRATCH = new ThreadLocal<float[][]>() {
    @Override
    protected float[][] initialValue() {
      return new float[][] {new float[0], new float[0]};
    }
  };

  private static float[][] scratch(int len) {
    float[][] s = SCRATCH.get();
    if (s[0].length < len) {
      s[0] = new float[len];
      s[1] = new float[len];
    }
    return s;
  }

  public static void maxPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int padTop,
      int padLeft, int oh, int ow, float[] out) {
    pool2d(true, in, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, out);
  }

  public static void avgPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int padTop,
      int padLeft, int oh, int ow, float[] out) {
    pool2d(false, in, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, out);
  }

  private static void pool2d(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw,
      int padTop, int padLeft, int oh, int ow, float[] out) {
    int rowLen = w * c;
    float[][] s = scratch(rowLen);
    float[] acc = s[0];
    float[] row = s[1];
    for (int img = 0; img < n; img++) {
      for (int oy = 0; oy < oh; oy++) {
        int y0 = Math.max(oy * sh - padTop, 0);
        int y1 = Math.min(oy * sh - padTop + kh, h);
        int ob = (img * oh + oy) * ow * c;
        if (y1 <= y0) {
          Arrays.fill(out, ob, ob + ow * c, max ? Float.NEGATIVE_INFINITY : 0f);
          continue;
        }
        System.arraycopy(in, (img * h + y0) * rowLen, acc, 0, rowLen);
        for (int y = y0 + 1; y < y1; y++) {
          System.arraycopy(in, (img * h + y) * rowLen, row, 0, rowLen);
          if (max) maxRows(acc, row, rowLen);
          else addRows(acc, row, rowLen);
        }
        for (int ox = 0; ox < ow; ox++) {
          int x0 = Math.max(ox * sw - padLeft, 0);
          int x1 = Math.min(ox * sw - padLeft + kw, w);
          int o = ob + ox * c;
          if (x1 <= x0) {
            Arrays.fill(out, o, o + c, max ? Float.NEGATIVE_INFINITY : 0f);
            continue;
          }
          System.arraycopy(acc, x0 * c, out, o, c);
          for (int x = x0 + 1; x < x1; x++) {
            if (max) maxInto(out, o, acc, x * c, c);
            else addInto(out, o, acc, x * c, c);
          }
          if (!max) scale(out, o, c, 1f / ((y1 - y0) * (x1 - x0)));
        }
      }
    }
  }

  private static void maxRows(float[] acc, float[] row, int n) {
    for (int j = 0; j < n; j++) acc[j] = Math.max(acc[j], row[j]);
  }

  private static void addRows(float[] acc, float[] row, int n) {
    for (int j = 0; j < n; j++) acc[j] += row[j];
  }

  private static void maxInto(float[] out, int o, float[] src, int i, int c) {
    for (int j = 0; j < c; j++) out[o + j] = Math.max(out[o + j], src[i + j]);
  }

  private static void addInto(float[] out, int o, float[] src, int i, int c) {
    for (int j = 0; j < c; j++) out[o + j] += src[i + j];
  }

  private static void scale(float[] out, int o, int c, float v) {
    for (int j = 0; j < c; j++) out[o + j] *= v;
  }
}

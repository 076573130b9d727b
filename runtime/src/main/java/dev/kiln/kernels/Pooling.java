package dev.kiln.kernels;

/**
 * 2-D max and average pooling on NHWC float arrays with explicit padding: output {@code (oy, ox)} covers input
 * rows {@code oy * sh - padTop .. + kh} and columns {@code ox * sw - padLeft .. + kw}. Cells outside the input are
 * left out: max pooling behaves as if padded with -inf, average pooling divides by the number of cells inside
 * (TensorFlow's SAME semantics). The channel loop is innermost; no allocation per call.
 */
public final class Pooling {
  private Pooling() {}

  private static final ThreadLocal<float[][]> SCRATCH = new ThreadLocal<float[][]>() {
    @Override
    protected float[][] initialValue() {
      return new float[][] {new float[0], new float[0]};
    }
  };

  private static float[][] scratch(int c) {
    float[][] s = SCRATCH.get();
    if (s[0].length < c) {
      s[0] = new float[c];
      s[1] = new float[c];
    }
    return s;
  }

  public static void maxPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int padTop,
      int padLeft, int oh, int ow, float[] out) {
    float[][] s = scratch(c);
    float[] acc = s[0];
    float[] row = s[1];
    for (int img = 0; img < n; img++) {
      for (int oy = 0; oy < oh; oy++) {
        int y0 = Math.max(oy * sh - padTop, 0);
        int y1 = Math.min(oy * sh - padTop + kh, h);
        for (int ox = 0; ox < ow; ox++) {
          int x0 = Math.max(ox * sw - padLeft, 0);
          int x1 = Math.min(ox * sw - padLeft + kw, w);
          for (int j = 0; j < c; j++) acc[j] = Float.NEGATIVE_INFINITY;
          for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
              System.arraycopy(in, ((img * h + y) * w + x) * c, row, 0, c);
              for (int j = 0; j < c; j++) acc[j] = Math.max(acc[j], row[j]);
            }
          }
          System.arraycopy(acc, 0, out, ((img * oh + oy) * ow + ox) * c, c);
        }
      }
    }
  }

  public static void avgPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int padTop,
      int padLeft, int oh, int ow, float[] out) {
    float[][] s = scratch(c);
    float[] acc = s[0];
    float[] row = s[1];
    for (int img = 0; img < n; img++) {
      for (int oy = 0; oy < oh; oy++) {
        int y0 = Math.max(oy * sh - padTop, 0);
        int y1 = Math.min(oy * sh - padTop + kh, h);
        for (int ox = 0; ox < ow; ox++) {
          int x0 = Math.max(ox * sw - padLeft, 0);
          int x1 = Math.min(ox * sw - padLeft + kw, w);
          for (int j = 0; j < c; j++) acc[j] = 0f;
          for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
              System.arraycopy(in, ((img * h + y) * w + x) * c, row, 0, c);
              for (int j = 0; j < c; j++) acc[j] += row[j];
            }
          }
          int count = Math.max(y1 - y0, 0) * Math.max(x1 - x0, 0);
          float inv = count == 0 ? 0f : 1f / count;
          for (int j = 0; j < c; j++) acc[j] *= inv;
          System.arraycopy(acc, 0, out, ((img * oh + oy) * ow + ox) * c, c);
        }
      }
    }
  }
}

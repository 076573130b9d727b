package dev.kiln.kernels;

import java.util.Arrays;

/**
 * 2-D max and average pooling on NHWC float arrays with explicit padding: output {@code (oy, ox)} covers input
 * rows {@code oy * sh - padTop .. + kh} and columns {@code ox * sw - padLeft .. + kw}. Cells outside the input are
 * left out: max pooling behaves as if padded with -inf, average pooling divides by the number of cells inside
 * (TensorFlow's SAME semantics). An empty window (possible only with padding of a kernel's size) gives -inf / 0.
 *
 * <p>One output row at a time, with whole-row loops indexed from 0 (which C2 vectorizes): the window's input rows
 * are reduced into a scratch row, then for each kernel column the values the output pixels read are copied into a
 * second row and reduced into the result. Scalar {@code Math.max} costs about 6 cycles per float here and short
 * per-pixel loops their set-up, which is why nothing is reduced pixel by pixel. No allocation per call.
 */
public final class Pooling {
  private Pooling() {}

  private static final ThreadLocal<float[][]> SCRATCH = new ThreadLocal<float[][]>() {
    @Override
    protected float[][] initialValue() {
      return new float[][] {new float[0], new float[0], new float[0], new float[0]};
    }
  };

  private static float[][] scratch(int rowLen, int outLen) {
    float[][] s = SCRATCH.get();
    if (s[0].length < rowLen) {
      s[0] = new float[rowLen];
      s[1] = new float[rowLen];
    }
    if (s[2].length < outLen) {
      s[2] = new float[outLen];
      s[3] = new float[outLen];
    }
    return s;
  }

  public static void maxPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int padTop,
      int padLeft, int oh, int ow, float[] out) {
    pool2dRows(true, in, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, out, 0, n * oh);
  }

  public static void avgPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int padTop,
      int padLeft, int oh, int ow, float[] out) {
    pool2dRows(false, in, n, h, w, c, kh, kw, sh, sw, padTop, padLeft, oh, ow, out, 0, n * oh);
  }

  /**
   * Whether splitting a pooling of these sizes over threads pays for the hand-over (about 0.2 M window reads;
   * the small CNN's first pool is 0.01 M at batch 1, 0.7 M at batch 64).
   */
  public static boolean worthSplitting(int n, int oh, int ow, int c, int kh, int kw) {
    return (long) n * oh * ow * c * kh * kw >= 200_000L && n * oh >= 2;
  }

  /**
   * The arguments of one pooling call, held so that a kernel set can hand a range of its output rows to each of its
   * threads ({@link #runRows}) without allocating: one instance per kernel set, reused. A kernel set with its own
   * pooling kernels overrides {@link #pool}.
   */
  public static class Call {
    private boolean max;
    private float[] in, out;
    private int n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow;

    public void set(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int padTop,
        int padLeft, int oh, int ow, float[] out) {
      this.max = max;
      this.in = in;
      this.n = n;
      this.h = h;
      this.w = w;
      this.c = c;
      this.kh = kh;
      this.kw = kw;
      this.sh = sh;
      this.sw = sw;
      this.pt = padTop;
      this.pl = padLeft;
      this.oh = oh;
      this.ow = ow;
      this.out = out;
    }

    /** Output rows over batch and rows: the units {@link #runRows} takes. */
    public int rows() {
      return n * oh;
    }

    /** Rows {@code [rows() * part / parts, rows() * (part + 1) / parts)}. */
    public void runPart(int part, int parts) {
      int rows = rows();
      runRows((int) ((long) rows * part / parts), (int) ((long) rows * (part + 1) / parts));
    }

    public void runRows(int u0, int u1) {
      pool(max, in, n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, out, u0, u1);
    }

    /** Output rows {@code [u0, u1)} of the pooling held: {@link #pool2dRows} unless overridden. */
    protected void pool(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int pt,
        int pl, int oh, int ow, float[] out, int u0, int u1) {
      pool2dRows(max, in, n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, out, u0, u1);
    }

    /** Drops the arrays, so a kernel set does not keep a session's buffers alive. */
    public void clear() {
      in = out = null;
    }
  }

  /**
   * Output rows {@code [u0, u1)} (counted over batch and rows, {@code u = img * oh + oy}) of max ({@code max}) or
   * average pooling: the unit a kernel set splits over its threads.
   */
  public static void pool2dRows(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw,
      int padTop, int padLeft, int oh, int ow, float[] out, int u0, int u1) {
    int rowLen = w * c;
    int outLen = ow * c;
    float identity = max ? Float.NEGATIVE_INFINITY : 0f;
    float[][] s = scratch(rowLen, outLen);
    float[] acc = s[0];
    float[] row = s[1];
    float[] res = s[2];
    float[] col = s[3];
    for (int u = u0; u < u1; u++) {
      int img = u / oh;
      int oy = u - img * oh;
      int y0 = Math.max(oy * sh - padTop, 0);
      int y1 = Math.min(oy * sh - padTop + kh, h);
      int ob = (img * oh + oy) * outLen;
      if (y1 <= y0) {
        Arrays.fill(out, ob, ob + outLen, identity);
        continue;
      }
      // the window's input rows, reduced into acc
      System.arraycopy(in, (img * h + y0) * rowLen, acc, 0, rowLen);
      for (int y = y0 + 1; y < y1; y++) {
        System.arraycopy(in, (img * h + y) * rowLen, row, 0, rowLen);
        if (max) maxRows(acc, row, rowLen);
        else addRows(acc, row, rowLen);
      }
      // then per kernel column kx: the acc column each output pixel reads, gathered into a row and reduced
      for (int kx = 0; kx < kw; kx++) {
        float[] t = kx == 0 ? res : col;
        for (int ox = 0; ox < ow; ox++) {
          int x = ox * sw - padLeft + kx;
          if (x >= 0 && x < w) copy(acc, x * c, t, ox * c, c);
          else Arrays.fill(t, ox * c, ox * c + c, identity);
        }
        if (kx > 0) {
          if (max) maxRows(res, col, outLen);
          else addRows(res, col, outLen);
        }
      }
      if (!max) {
        for (int ox = 0; ox < ow; ox++) {
          int x0 = Math.max(ox * sw - padLeft, 0);
          int x1 = Math.min(ox * sw - padLeft + kw, w);
          int count = (y1 - y0) * Math.max(x1 - x0, 0);
          scale(res, ox * c, c, count == 0 ? 0f : 1f / count);
        }
      }
      System.arraycopy(res, 0, out, ob, outLen);
    }
  }

  /** {@code arraycopy} for runs of a vector or more; below that, its call costs more than a loop. */
  private static void copy(float[] src, int from, float[] dst, int to, int len) {
    if (len >= 8) {
      System.arraycopy(src, from, dst, to, len);
    } else {
      for (int j = 0; j < len; j++) dst[to + j] = src[from + j];
    }
  }

  private static void maxRows(float[] acc, float[] row, int n) {
    for (int j = 0; j < n; j++) acc[j] = Math.max(acc[j], row[j]);
  }

  private static void addRows(float[] acc, float[] row, int n) {
    for (int j = 0; j < n; j++) acc[j] += row[j];
  }



  private static void scale(float[] out, int o, int c, float v) {
    for (int j = 0; j < c; j++) out[o + j] *= v;
  }
}

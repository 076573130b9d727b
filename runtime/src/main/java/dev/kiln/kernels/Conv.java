package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * 2-D convolutions on NHWC float arrays, written for C2 auto-vectorization (see KERNELS.md).
 *
 * <p>{@link #conv2d} is an implicit GEMM in the orientation output channels x spatial positions: for a tile of
 * {@link #TILE} output positions (flattened over batch, rows and columns) and a block of at most
 * {@link #K_BLOCK} reduction indices {@code k = (ky, kx, ci)}, the input patch values are gathered into
 * per-thread scratch rows {@code B[k][p]} (a small im2col of the tile, never of the whole image), and each output
 * channel row {@code C[f][p] += W[f][k] B[k][p]} is accumulated four {@code k} at a time with every array index
 * equal to the loop variable. The epilogue (bias, residual, activation) transposes the tile back to NHWC.
 * 1x1 stride-1 unpadded convolutions with one group are a plain {@link Gemm#dense} over {@code [n*h*w, c]}.
 *
 * <p>No allocation per call: scratch rows are thread-local and grow to the largest size seen.
 */
public final class Conv {
  private Conv() {}

  /** Output positions per tile (columns of the C tile). */
  static final int TILE = 128;
  /** Reduction indices gathered at a time (rows of the B tile). */
  static final int K_BLOCK = 256;
  /** Output-channel rows that share one pass over four B rows. */
  private static final int ROW_BLOCK = 8;

  private static final class Scratch {
    float[][] b = new float[0][];
    float[][] c = new float[0][];
    float[] tmp = new float[0];

    float[][] bRows(int rows) {
      if (b.length < rows) b = grow(b, rows);
      return b;
    }

    float[][] cRows(int rows) {
      if (c.length < rows) c = grow(c, rows);
      return c;
    }

    float[] tmp(int n) {
      if (tmp.length < n) tmp = new float[n];
      return tmp;
    }

    private static float[][] grow(float[][] old, int rows) {
      float[][] r = new float[rows][];
      System.arraycopy(old, 0, r, 0, old.length);
      for (int i = old.length; i < rows; i++) r[i] = new float[TILE];
      return r;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<Scratch>() {
    @Override
    protected Scratch initialValue() {
      return new Scratch();
    }
  };

  // ---- packing -----------------------------------------------------------------------------------------

  /** True when {@link #packKernel} also stores a {@link Gemm} panel layout (1x1, one group). */
  private static boolean hasGemmLayout(int kh, int kw, int groups) {
    return kh == 1 && kw == 1 && groups == 1;
  }

  /**
   * Packs a Keras kernel {@code [kh, kw, cPerGroup, f]} once (at session open) for {@link #conv2d}. Layout:
   * output-channel-major {@code W[f][k]}, {@code k = (ky * kw + kx) * cPerGroup + ci} (groups are contiguous
   * ranges of {@code f}); for 1x1 kernels with one group it is preceded by {@link Gemm#packWeights} of the
   * {@code [c, f]} matrix. Allocates.
   */
  public static float[] packKernel(float[] kernel, int kh, int kw, int cPerGroup, int f, int groups) {
    int kk = kh * kw * cPerGroup;
    if (kernel.length < kk * f) {
      throw new IllegalArgumentException("Conv.packKernel: kernel has " + kernel.length + " values, expected "
          + kh + "x" + kw + "x" + cPerGroup + "x" + f + " = " + kk * f);
    }
    boolean gemm = hasGemmLayout(kh, kw, groups);
    int off = gemm ? kk * f : 0;
    float[] packed = new float[off + kk * f];
    if (gemm) System.arraycopy(Gemm.packWeights(kernel, kk, f), 0, packed, 0, kk * f);
    for (int fo = 0; fo < f; fo++) {
      for (int k = 0; k < kk; k++) packed[off + fo * kk + k] = kernel[k * f + fo];
    }
    return packed;
  }

  // ---- conv2d ------------------------------------------------------------------------------------------

  /**
   * {@code out[n, oh, ow, f] = act(conv(in, kernel) + bias + residual)} with explicit padding: output position
   * {@code (oy, ox)} reads input {@code (oy * strideH + ky * dilH - padTop, ox * strideW + kx * dilW - padLeft)},
   * zero outside. {@code packed} comes from {@link #packKernel}; {@code bias} ({@code [f]}), {@code residual}
   * ({@code [n, oh, ow, f]}, added after the bias) and {@code act} (LINEAR when null; not SOFTMAX) are optional.
   */
  public static void conv2d(float[] in, int n, int h, int w, int c, float[] packed, int kh, int kw, int f,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups,
      float[] bias, float[] residual, Activation act, float[] out) {
    if (act == null) act = Activation.LINEAR;
    if (act == Activation.SOFTMAX) throw new IllegalArgumentException("Conv.conv2d: SOFTMAX cannot be fused");
    int cg = c / groups;
    int fg = f / groups;
    int kk = kh * kw * cg;
    boolean gemm = hasGemmLayout(kh, kw, groups);
    if (gemm && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w) {
      int m = n * h * w;
      Gemm.dense(in, m, c, packed, f, bias, residual == null ? act : Activation.LINEAR, out);
      if (residual != null) {
        int total = m * f;
        for (int i = 0; i < total; i++) out[i] += residual[i];
        if (act != Activation.LINEAR) Activations.apply(act, out, out, total);
      }
      return;
    }
    int wOff = gemm ? kk * f : 0;
    Scratch s = SCRATCH.get();
    int kBlock = kk <= K_BLOCK + K_BLOCK / 4 ? kk : K_BLOCK;
    float[][] bt = s.bRows(kBlock);
    float[][] ct = s.cRows(fg);
    float[] tmp = s.tmp(fg);
    int spatial = oh * ow;
    int total = n * spatial;
    for (int p0 = 0; p0 < total; p0 += TILE) {
      int np = Math.min(TILE, total - p0);
      for (int g = 0; g < groups; g++) {
        for (int r = 0; r < fg; r++) zero(ct[r], np);
        for (int k0 = 0; k0 < kk; k0 += kBlock) {
          int k1 = Math.min(kk, k0 + kBlock);
          gather(in, h, w, c, kw, cg, g * cg, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, p0, np, k0, k1, bt);
          multiply(packed, wOff + g * fg * kk, kk, fg, k0, k1, bt, ct, np);
        }
        epilogue(ct, fg, g * fg, f, np, p0, bias, residual, act, tmp, out);
      }
    }
  }

  /** {@code B[k - k0][p] = in[img, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, cOff + ci]} for the tile's positions. */
  private static void gather(float[] in, int h, int w, int c, int kw, int cg, int cOff, int sh, int sw, int dh, int dw,
      int pt, int pl, int oh, int ow, int p0, int np, int k0, int k1, float[][] bt) {
    int spatial = oh * ow;
    int img = p0 / spatial;
    int rem = p0 - img * spatial;
    int oy = rem / ow;
    int ox = rem - oy * ow;
    for (int p = 0; p < np; p++) {
      int iy0 = oy * sh - pt;
      int ix0 = ox * sw - pl;
      int imgBase = img * h;
      int k = k0;
      while (k < k1) {
        int tap = k / cg;
        int ci = k - tap * cg;
        int ky = tap / kw;
        int kx = tap - ky * kw;
        int len = Math.min(cg - ci, k1 - k);
        int iy = iy0 + ky * dh;
        int ix = ix0 + kx * dw;
        int r = k - k0;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
          int base = ((imgBase + iy) * w + ix) * c + cOff + ci;
          for (int t = 0; t < len; t++) bt[r + t][p] = in[base + t];
        } else {
          for (int t = 0; t < len; t++) bt[r + t][p] = 0f;
        }
        k += len;
      }
      if (++ox == ow) {
        ox = 0;
        if (++oy == oh) {
          oy = 0;
          img++;
        }
      }
    }
  }

  /** {@code C[r][p] += sum_{k0 <= k < k1} W[wOff + r * kk + k] B[k - k0][p]} for {@code r < fg}. */
  private static void multiply(float[] wt, int wOff, int kk, int fg, int k0, int k1, float[][] bt, float[][] ct, int np) {
    for (int r0 = 0; r0 < fg; r0 += ROW_BLOCK) {
      int rows = Math.min(ROW_BLOCK, fg - r0);
      int k = k0;
      for (; k + 4 <= k1; k += 4) {
        float[] b0 = bt[k - k0], b1 = bt[k - k0 + 1], b2 = bt[k - k0 + 2], b3 = bt[k - k0 + 3];
        for (int r = r0; r < r0 + rows; r++) {
          int a = wOff + r * kk + k;
          kernel1x4(ct[r], b0, b1, b2, b3, wt[a], wt[a + 1], wt[a + 2], wt[a + 3], np);
        }
      }
      for (; k < k1; k++) {
        float[] b0 = bt[k - k0];
        for (int r = r0; r < r0 + rows; r++) kernel1x1(ct[r], b0, wt[wOff + r * kk + k], np);
      }
    }
  }

  private static void kernel1x4(float[] c0, float[] b0, float[] b1, float[] b2, float[] b3,
      float a0, float a1, float a2, float a3, int n) {
    for (int j = 0; j < n; j++) c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
  }

  private static void kernel1x1(float[] c0, float[] b0, float a0, int n) {
    for (int j = 0; j < n; j++) c0[j] += a0 * b0[j];
  }

  private static void zero(float[] x, int n) {
    for (int j = 0; j < n; j++) x[j] = 0f;
  }

  /** Transposes the C tile (channels {@code fOff .. fOff+fg}) into NHWC with bias, residual and activation. */
  private static void epilogue(float[][] ct, int fg, int fOff, int f, int np, int p0, float[] bias, float[] residual,
      Activation act, float[] tmp, float[] out) {
    for (int p = 0; p < np; p++) {
      int o = (p0 + p) * f + fOff;
      for (int r = 0; r < fg; r++) tmp[r] = ct[r][p];
      if (bias != null) for (int r = 0; r < fg; r++) tmp[r] += bias[fOff + r];
      if (residual != null) for (int r = 0; r < fg; r++) tmp[r] += residual[o + r];
      if (act != Activation.LINEAR) Activations.apply(act, tmp, tmp, fg);
      System.arraycopy(tmp, 0, out, o, fg);
    }
  }

  // ---- depthwise ---------------------------------------------------------------------------------------

  /**
   * Depthwise convolution: {@code kernel [kh, kw, c, m]} as stored; output channel {@code ci * m + mi} of
   * {@code out [n, oh, ow, c * m]} is input channel {@code ci} convolved with {@code kernel[.., .., ci, mi]}, then
   * {@code bias} (nullable, {@code [c * m]}) and {@code act} (nullable = LINEAR; not SOFTMAX).
   */
  public static void depthwise2d(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int m,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] bias,
      Activation act, float[] out) {
    if (act == null) act = Activation.LINEAR;
    if (act == Activation.SOFTMAX) throw new IllegalArgumentException("Conv.depthwise2d: SOFTMAX cannot be fused");
    if (m == 1) {
      depthwiseM1(in, n, h, w, c, kernel, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, bias, act, out);
      return;
    }
    int cm = c * m;
    float[] acc = SCRATCH.get().tmp(cm);
    for (int img = 0; img < n; img++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          for (int j = 0; j < cm; j++) acc[j] = bias == null ? 0f : bias[j];
          for (int ky = 0; ky < kh; ky++) {
            int iy = oy * strideH + ky * dilH - padTop;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < kw; kx++) {
              int ix = ox * strideW + kx * dilW - padLeft;
              if (ix < 0 || ix >= w) continue;
              int ib = ((img * h + iy) * w + ix) * c;
              int kb = (ky * kw + kx) * cm;
              for (int ci = 0; ci < c; ci++) {
                float v = in[ib + ci];
                int j = ci * m;
                for (int mi = 0; mi < m; mi++) acc[j + mi] += v * kernel[kb + j + mi];
              }
            }
          }
          if (act != Activation.LINEAR) Activations.apply(act, acc, acc, cm);
          System.arraycopy(acc, 0, out, ((img * oh + oy) * ow + ox) * cm, cm);
        }
      }
    }
  }

  /**
   * Multiplier 1: one output row at a time. The row accumulator ({@code ow * c}, from index 0) gets, for every
   * tap, the input row's values times the tap's weights repeated along the row; the input values the tap reads (zero outside
   * the image) are first copied to a scratch row, so the hot loop indexes every array from 0.
   */
  private static void depthwiseM1(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw,
      int sh, int sw, int dh, int dw, int pt, int pl, int oh, int ow, float[] bias, Activation act, float[] out) {
    int rowLen = ow * c;
    int taps = kh * kw;
    // scratch rows: 0 = accumulator, 1 = input run, 2 + tap = the tap's weights repeated along the row
    float[] accRow = depthScratch(0, rowLen);
    float[] run = depthScratch(1, rowLen);
    for (int t = 0; t < taps; t++) {
      float[] kr = depthScratch(2 + t, rowLen);
      for (int ox = 0; ox < ow; ox++) System.arraycopy(kernel, t * c, kr, ox * c, c);
    }
    float[][] rows = DEPTH.get();
    for (int img = 0; img < n; img++) {
      for (int oy = 0; oy < oh; oy++) {
        if (bias != null) {
          for (int ox = 0; ox < ow; ox++) System.arraycopy(bias, 0, accRow, ox * c, c);
        } else {
          zero(accRow, rowLen);
        }
        for (int ky = 0; ky < kh; ky++) {
          int iy = oy * sh + ky * dh - pt;
          if (iy < 0 || iy >= h) continue;
          int rowBase = (img * h + iy) * w;
          for (int kx = 0; kx < kw; kx++) {
            // valid output columns: 0 <= ox*sw + kx*dw - pl < w
            int off = kx * dw - pl;
            int oxLo = off >= 0 ? 0 : (-off + sw - 1) / sw;
            int oxHi = w - 1 - off < 0 ? -1 : Math.min(ow - 1, (w - 1 - off) / sw);
            if (oxLo > oxHi) continue;
            int lo = oxLo * c;
            int hi = (oxHi + 1) * c;
            float[] kr = rows[2 + ky * kw + kx];
            for (int j = 0; j < lo; j++) run[j] = 0f;
            if (sw == 1) {
              System.arraycopy(in, (rowBase + oxLo + off) * c, run, lo, hi - lo);
            } else {
              for (int ox = oxLo; ox <= oxHi; ox++) System.arraycopy(in, (rowBase + ox * sw + off) * c, run, ox * c, c);
            }
            for (int j = hi; j < rowLen; j++) run[j] = 0f;
            madd(accRow, run, kr, rowLen);
          }
        }
        if (act != Activation.LINEAR) Activations.apply(act, accRow, accRow, rowLen);
        System.arraycopy(accRow, 0, out, ((img * oh + oy) * ow) * c, rowLen);
      }
    }
  }

  /** {@code acc[j] += run[j] * k[j]}. */
  private static void madd(float[] acc, float[] run, float[] k, int n) {
    for (int j = 0; j < n; j++) acc[j] += run[j] * k[j];
  }

  private static final ThreadLocal<float[][]> DEPTH = new ThreadLocal<float[][]>() {
    @Override
    protected float[][] initialValue() {
      return new float[2][0];
    }
  };

  private static float[] depthScratch(int i, int len) {
    float[][] d = DEPTH.get();
    if (i >= d.length) {
      float[][] g = new float[Math.max(i + 1, 2 * d.length)][];
      System.arraycopy(d, 0, g, 0, d.length);
      for (int j = d.length; j < g.length; j++) g[j] = new float[0];
      DEPTH.set(d = g);
    }
    if (d[i].length < len) d[i] = new float[len];
    return d[i];
  }

  // ---- transposed ----------------------------------------------------------------------------------------

  /**
   * Transposed convolution ({@code conv2d_backprop_input}) with explicit padding: input {@code (iy, ix)} adds
   * {@code in[iy, ix, :] . kernel[ky, kx, fo, :]} to output {@code (iy * strideH + ky - padTop,
   * ix * strideW + kx - padLeft)} when inside {@code [oh, ow]}; then {@code bias} (nullable) and {@code act}
   * (nullable = LINEAR; not SOFTMAX). {@code kernel [kh, kw, f, c]} is the Keras layout.
   */
  public static void conv2dTranspose(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int f,
      int strideH, int strideW, int padTop, int padLeft, int oh, int ow, float[] bias, Activation act, float[] out) {
    if (act == null) act = Activation.LINEAR;
    if (act == Activation.SOFTMAX) throw new IllegalArgumentException("Conv.conv2dTranspose: SOFTMAX cannot be fused");
    int total = n * oh * ow * f;
    for (int i = 0; i < total; i++) out[i] = 0f;
    for (int img = 0; img < n; img++) {
      for (int iy = 0; iy < h; iy++) {
        for (int ix = 0; ix < w; ix++) {
          int ib = ((img * h + iy) * w + ix) * c;
          for (int ky = 0; ky < kh; ky++) {
            int oy = iy * strideH + ky - padTop;
            if (oy < 0 || oy >= oh) continue;
            for (int kx = 0; kx < kw; kx++) {
              int ox = ix * strideW + kx - padLeft;
              if (ox < 0 || ox >= ow) continue;
              int ob = ((img * oh + oy) * ow + ox) * f;
              int kb = (ky * kw + kx) * f * c;
              for (int fo = 0; fo < f; fo++) {
                float sum = 0f;
                int kr = kb + fo * c;
                for (int ci = 0; ci < c; ci++) sum += in[ib + ci] * kernel[kr + ci];
                out[ob + fo] += sum;
              }
            }
          }
        }
      }
    }
    if (bias != null || act != Activation.LINEAR) {
      float[] tmp = SCRATCH.get().tmp(f);
      int pos = n * oh * ow;
      for (int p = 0; p < pos; p++) {
        System.arraycopy(out, p * f, tmp, 0, f);
        if (bias != null) for (int fo = 0; fo < f; fo++) tmp[fo] += bias[fo];
        if (act != Activation.LINEAR) Activations.apply(act, tmp, tmp, f);
        System.arraycopy(tmp, 0, out, p * f, f);
      }
    }
  }
}

package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * 2-D convolutions on NHWC float arrays, written for C2 auto-vectorization (see KERNELS.md).
 *
 * <p>{@link #conv2d} is an implicit GEMM in the orientation output channels x spatial positions: for a tile of
 * output positions and a block of at most {@link #K_BLOCK} reduction indices {@code k = (ky, kx, ci)}, the input
 * patch values are copied into per-thread scratch rows {@code B[k][p]} (a small im2col of the tile, never of the
 * whole image), and each output channel row {@code C[f][p] += W[f][k] B[k][p]} is accumulated four {@code k} at a
 * time with every array index equal to the loop variable. Stride-1 convolutions copy each B row with one
 * {@code arraycopy} from a planar copy of the input (see {@link Job}); others gather it with strided loops. The
 * epilogue applies bias and activation to the C rows (vectorized) and transposes the tile back to NHWC, adding the
 * residual. 1x1 stride-1 unpadded convolutions with one group are a plain {@link Gemm#dense} over
 * {@code [n*h*w, c]}.
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
    float[] planar = new float[0];
    final Job job = new Job();

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
      for (int i = old.length; i < rows; i++) r[i] = new float[WIDE_TILE];
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
   * A kernel packed by {@link #packKernel}: output-channel-major {@code W[f][k]},
   * {@code k = (ky * kw + kx) * cPerGroup + ci} (groups are contiguous ranges of {@code f}), and for 1x1 kernels with
   * one group also {@link Gemm#packWeights} of the {@code [c, f]} matrix.
   */
  public static final class Packed extends PackedWeights {
    final float[] w;
    /** Null unless 1x1 with one group. */
    final Gemm.Packed gemm;
    final int kh, kw, cPerGroup, f, groups;

    private Packed(float[] w, Gemm.Packed gemm, int kh, int kw, int cPerGroup, int f, int groups) {
      super("java");
      this.w = w;
      this.gemm = gemm;
      this.kh = kh;
      this.kw = kw;
      this.cPerGroup = cPerGroup;
      this.f = f;
      this.groups = groups;
    }

    /** Checks that {@code op} convolves with the kernel these weights were packed from. */
    void check(int kh, int kw, int c, int f, int groups, String op) {
      if (kh != this.kh || kw != this.kw || groups != this.groups || c / groups != cPerGroup || f != this.f) {
        throw new IllegalArgumentException(op + ": kernel packed as " + this + ", called with " + kh + "x" + kw + "x"
            + (groups > 0 ? c / groups : c) + "x" + f + " in " + groups + " group(s)");
      }
    }

    @Override
    public String toString() {
      return kh + "x" + kw + "x" + cPerGroup + "x" + f + " in " + groups + " group(s)";
    }
  }

  /** Packs a Keras kernel {@code [kh, kw, cPerGroup, f]} once (at session open) for {@link #conv2d}. Allocates. */
  public static Packed packKernel(float[] kernel, int kh, int kw, int cPerGroup, int f, int groups) {
    int kk = kh * kw * cPerGroup;
    if (kernel.length < kk * f) {
      throw new IllegalArgumentException("Conv.packKernel: kernel has " + kernel.length + " values, expected "
          + kh + "x" + kw + "x" + cPerGroup + "x" + f + " = " + kk * f);
    }
    if (groups < 1 || f % groups != 0) {
      throw new IllegalArgumentException("Conv.packKernel: " + f + " filters in " + groups + " groups");
    }
    float[] w = new float[kk * f];
    for (int fo = 0; fo < f; fo++) {
      for (int k = 0; k < kk; k++) w[fo * kk + k] = kernel[k * f + fo];
    }
    Gemm.Packed gemm = hasGemmLayout(kh, kw, groups) ? Gemm.packWeights(kernel, kk, f) : null;
    return new Packed(w, gemm, kh, kw, cPerGroup, f, groups);
  }

  // ---- conv2d ------------------------------------------------------------------------------------------

  /**
   * {@code out[n, oh, ow, f] = act(conv(in, kernel) + bias + residual)} with explicit padding: output position
   * {@code (oy, ox)} reads input {@code (oy * strideH + ky * dilH - padTop, ox * strideW + kx * dilW - padLeft)},
   * zero outside. {@code packed} comes from {@link #packKernel}; {@code bias} ({@code [f]}), {@code residual}
   * ({@code [n, oh, ow, f]}, added after the bias) and {@code act} (LINEAR when null; not SOFTMAX) are optional.
   */
  public static void conv2d(float[] in, int n, int h, int w, int c, Packed packed, int kh, int kw, int f,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups,
      float[] bias, float[] residual, Activation act, float[] out) {
    conv2d(in, n, h, w, c, packed, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias,
        residual, act, out, null);
  }

  /**
   * {@link #conv2d} with the tiles of output positions spread over {@code pool} (null: the calling thread only).
   * Every output element is computed by one thread in the same order, so results do not depend on the pool.
   */
  public static void conv2d(float[] in, int n, int h, int w, int c, Packed packed, int kh, int kw, int f,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups,
      float[] bias, float[] residual, Activation act, float[] out, WorkerPool pool) {
    packed.check(kh, kw, c, f, groups, "Conv.conv2d");
    if (act == null) act = Activation.LINEAR;
    if (act == Activation.SOFTMAX) throw new IllegalArgumentException("Conv.conv2d: SOFTMAX cannot be fused");
    if (hasGemmLayout(kh, kw, groups) && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w) {
      int m = n * h * w;
      Activation gemmAct = residual == null ? act : Activation.LINEAR;
      if (pool == null) Gemm.dense(in, m, c, packed.gemm, f, bias, gemmAct, out);
      else Gemm.dense(in, m, c, packed.gemm, f, bias, gemmAct, out, pool);
      if (residual != null) {
        int total = m * f;
        for (int i = 0; i < total; i++) out[i] += residual[i];
        if (act != Activation.LINEAR) Activations.apply(act, out, out, total);
      }
      return;
    }
    Job job = SCRATCH.get().job; // the caller's: workers only read it while the caller waits for them
    job.set(in, n, h, w, c, packed.w, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias,
        residual, act, out);
    job.prepare();
    try {
      int units = job.units();
      int threads = pool == null ? 1 : Math.min(pool.threads(), units);
      // below about 0.5 MFLOP per extra thread the hand-over costs more than it saves
      if (threads > 1 && (long) units * job.unitMacs() >= 250_000L * threads && pool.tryAcquire()) {
        try {
          pool.run(job, Math.min(units, CHUNKS_PER_THREAD * threads), threads - 1);
        } finally {
          pool.release();
        }
      } else {
        job.run(0, 1);
      }
    } finally {
      job.clear();
    }
  }

  /** Chunks per thread of a split convolution: a thread that is late leaves its chunks to the others. */
  static final int CHUNKS_PER_THREAD = 4;

  /**
   * Positions per tile of the wide path (see {@link Job}); rows of the scratch tiles are this long. */
  static final int WIDE_TILE = 256;

  /**
   * One convolution call, as units of work (tiles of output positions) for a {@link WorkerPool}. One per calling
   * thread, reused (no allocation per call).
   *
   * <p>Two ways to fill the B tile: stride 1, dilation 1 and one group take the <em>wide</em> path. The input is
   * first copied (once per call) to planar {@code [c][n][hp][wp]} with the padding as zeros; a tile is then a run
   * of positions over the padded width ({@code q = oy * wp + ox} of one image, including the {@code wp - ow}
   * columns past the output's edge, which are computed and dropped), so that every B row is one
   * {@code arraycopy} from the planar copy. Other convolutions gather tiles of {@link #TILE} real positions.
   */
  static final class Job extends ConvCall implements WorkerPool.Task {

    boolean wide;
    int hp, wp, wideLen, tilesPerImage, tileLen;
    float[] planar;

    /** After {@link #set}: the packed kernel's offset, and the choice of path (copying the input if wide). */
    void prepare() {
      hp = Math.max(h + pt, (oh - 1) + kh - 1 + 1);
      wp = Math.max(w + pl, (ow - 1) + kw - 1 + 1);
      long planarLen = (long) c * n * hp * wp;
      wide = sh == 1 && sw == 1 && dh == 1 && dw == 1 && groups == 1 && oh > 0 && ow > 0 && pt >= 0 && pl >= 0
          && planarLen <= (1 << 24);
      if (wide) {
        wideLen = (oh - 1) * wp + ow;
        tilesPerImage = (wideLen + WIDE_TILE - 1) / WIDE_TILE;
        tileLen = (wideLen + tilesPerImage - 1) / tilesPerImage;
        planar = toPlanar(this, (int) planarLen);
      }
    }

    @Override
    public void clear() {
      super.clear();
      planar = null;
    }

    int units() {
      return wide ? n * tilesPerImage : (n * oh * ow + TILE - 1) / TILE;
    }

    long unitMacs() {
      return (long) (wide ? tileLen : TILE) * kh * kw * (c / groups) * f / groups;
    }

    @Override
    public void run(int chunk, int chunks) {
      int units = units();
      int u0 = (int) ((long) units * chunk / chunks), u1 = (int) ((long) units * (chunk + 1) / chunks);
      if (wide) wideTiles(this, u0, u1);
      else tiles(this, u0, u1);
    }
  }

  /** The job's input as planar {@code [c][n * hp * wp]}, zero padded (per-thread scratch of the calling thread). */
  private static float[] toPlanar(Job j, int len) {
    Scratch s = SCRATCH.get();
    if (s.planar.length < len) s.planar = new float[len];
    float[] pl = s.planar;
    for (int i = 0; i < len; i++) pl[i] = 0f;
    int plane = j.n * j.hp * j.wp;
    int c = j.c;
    for (int img = 0; img < j.n; img++) {
      for (int y = 0; y < j.h; y++) {
        int src = (img * j.h + y) * j.w * c;
        int dst = (img * j.hp + y + j.pt) * j.wp + j.pl;
        if (c == 1) {
          System.arraycopy(j.in, src, pl, dst, j.w);
        } else {
          for (int ci = 0; ci < c; ci++) stride(j.in, src + ci, c, pl, dst + ci * plane, j.w);
        }
      }
    }
    return pl;
  }

  /** {@code dst[d + x] = src[s + x * step]} for {@code x < len}. */
  private static void stride(float[] src, int s, int step, float[] dst, int d, int len) {
    for (int x = 0; x < len; x++, s += step) dst[d + x] = src[s];
  }

  /** Units {@code [u0, u1)} of the wide path: tile {@code u % tilesPerImage} of image {@code u / tilesPerImage}. */
  private static void wideTiles(Job j, int u0, int u1) {
    int kk = j.kh * j.kw * j.c;
    int kBlock = kk <= K_BLOCK + K_BLOCK / 4 ? kk : K_BLOCK;
    Scratch s = SCRATCH.get();
    float[][] bt = s.bRows(kBlock);
    float[][] ct = s.cRows(j.f);
    float[] tmp = s.tmp(Math.max(j.f, 64));
    int plane = j.n * j.hp * j.wp;
    for (int u = u0; u < u1; u++) {
      int img = u / j.tilesPerImage;
      int q0 = (u - img * j.tilesPerImage) * j.tileLen;
      int np = Math.min(j.tileLen, j.wideLen - q0);
      if (np <= 0) continue;
      int base = img * j.hp * j.wp + q0;
      for (int r = 0; r < j.f; r++) zero(ct[r], np);
      for (int k0 = 0; k0 < kk; k0 += kBlock) {
        int k1 = Math.min(kk, k0 + kBlock);
        // k = (ky * kw + kx) * c + ci reads the plane of ci shifted by (ky, kx)
        int tap = k0 / j.c, ci = k0 - tap * j.c;
        int ky = tap / j.kw, kx = tap - ky * j.kw;
        for (int k = k0; k < k1; k++) {
          System.arraycopy(j.planar, ci * plane + base + ky * j.wp + kx, bt[k - k0], 0, np);
          if (++ci == j.c) {
            ci = 0;
            if (++kx == j.kw) {
              kx = 0;
              ky++;
            }
          }
        }
        multiply(j.packed, 0, kk, j.f, k0, k1, bt, ct, np);
      }
      // the runs of real output columns: q = oy * wp + ox with ox < ow
      int oy = q0 / j.wp, ox = q0 - oy * j.wp;
      boolean rowsDone = false;
      for (int q = 0; q < np; ) {
        int run = Math.min(np - q, j.wp - ox);
        int real = Math.min(run, Math.max(0, j.ow - ox));
        if (real > 0) {
          int p = (img * j.oh + oy) * j.ow + ox;
          epilogue(ct, q, real, j.f, 0, j.f, p, j.bias, j.residual, j.act, tmp, j.out, np, rowsDone);
          rowsDone = true;
        }
        q += run;
        ox = 0;
        oy++;
      }
    }
  }

  /** Units {@code [u0, u1)} of the gathering path: tiles of {@link #TILE} positions over batch, rows and columns. */
  private static void tiles(Job j, int u0, int u1) {
    int cg = j.c / j.groups;
    int fg = j.f / j.groups;
    int kk = j.kh * j.kw * cg;
    int kBlock = kk <= K_BLOCK + K_BLOCK / 4 ? kk : K_BLOCK;
    Scratch s = SCRATCH.get();
    float[][] bt = s.bRows(kBlock);
    float[][] ct = s.cRows(fg);
    float[] tmp = s.tmp(Math.max(fg, 64));
    int total = j.n * j.oh * j.ow;
    for (int u = u0; u < u1; u++) {
      int p0 = u * TILE;
      int np = Math.min(TILE, total - p0);
      for (int g = 0; g < j.groups; g++) {
        for (int r = 0; r < fg; r++) zero(ct[r], np);
        for (int k0 = 0; k0 < kk; k0 += kBlock) {
          int k1 = Math.min(kk, k0 + kBlock);
          gather(j.in, j.h, j.w, j.c, j.kw, cg, g * cg, j.sh, j.sw, j.dh, j.dw, j.pt, j.pl, j.oh, j.ow, p0, np, k0, k1,
              bt);
          multiply(j.packed, g * fg * kk, kk, fg, k0, k1, bt, ct, np);
        }
        epilogue(ct, 0, np, j.f, g * fg, fg, p0, j.bias, j.residual, j.act, tmp, j.out, np, false);
      }
    }
  }

  /**
   * {@code B[k - k0][p] = in[img, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, cOff + ci]} for the tile's positions, zero
   * outside the image. The tile is walked in runs along one output row; for each {@code k} a run is one strided
   * copy (a plain {@code arraycopy} when the stride is 1), so there is no division or bounds test per element.
   */
  private static void gather(float[] in, int h, int w, int c, int kw, int cg, int cOff, int sh, int sw, int dh, int dw,
      int pt, int pl, int oh, int ow, int p0, int np, int k0, int k1, float[][] bt) {
    int spatial = oh * ow;
    int img = p0 / spatial;
    int rem = p0 - img * spatial;
    int oy = rem / ow;
    int ox = rem - oy * ow;
    int tap0 = k0 / cg;
    int step = sw * c;
    for (int p = 0; p < np; ) {
      int run = Math.min(ow - ox, np - p);
      int ci = k0 - tap0 * cg;
      int ky = tap0 / kw;
      int kx = tap0 - ky * kw;
      for (int k = k0; k < k1; k++) {
        float[] row = bt[k - k0];
        int iy = oy * sh + ky * dh - pt;
        if (iy < 0 || iy >= h) {
          zero(row, p, p + run);
        } else {
          // input column ox*sw + off must lie in [0, w): the valid part of the run is [lo, hi)
          int off = kx * dw - pl;
          int lo = off >= 0 ? ox : Math.max(ox, (-off + sw - 1) / sw);
          int hi = w - 1 - off < 0 ? ox : Math.min(ox + run, (w - 1 - off) / sw + 1);
          if (hi < lo) hi = lo;
          zero(row, p, p + lo - ox);
          int src = ((img * h + iy) * w + off) * c + cOff + ci + lo * step;
          int dst = p + lo - ox;
          if (step == 1) {
            System.arraycopy(in, src, row, dst, hi - lo);
          } else {
            for (int q = 0, len = hi - lo; q < len; q++) row[dst + q] = in[src + q * step];
          }
          zero(row, p + hi - ox, p + run);
        }
        if (++ci == cg) {
          ci = 0;
          if (++kx == kw) {
            kx = 0;
            ky++;
          }
        }
      }
      p += run;
      ox += run;
      if (ox == ow) {
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

  private static void zero(float[] x, int from, int to) {
    for (int j = from; j < to; j++) x[j] = 0f;
  }

  /**
   * Bias, residual and activation, and columns {@code [src, src + np)} of the C tile (channels
   * {@code fOff .. fOff+fg}) transposed back into NHWC at output position {@code p0}. Bias and activation run on
   * the tile's whole rows, indexed from 0 so that they vectorize, once per tile ({@code rowsDone} says it was
   * done for an earlier run of the same tile); only the transposition (and the residual, read in NHWC order) is
   * scalar.
   */
  private static void epilogue(float[][] ct, int src, int np, int f, int fOff, int fg, int p0, float[] bias,
      float[] residual, Activation act, float[] tmp, float[] out, int tileLen, boolean rowsDone) {
    int rowLen = src + np;
    if (residual == null) {
      if (!rowsDone) {
        for (int r = 0; r < fg; r++) {
          float[] cr = ct[r];
          if (bias != null) addScalar(cr, bias[fOff + r], tileLen);
          if (act != Activation.LINEAR) Activations.apply(act, cr, cr, tileLen);
        }
      }
      int r = 0;
      for (; r + 4 <= fg; r += 4) {
        transpose4(ct[r], ct[r + 1], ct[r + 2], ct[r + 3], src, rowLen, out, p0 * f + fOff + r, f);
      }
      for (; r < fg; r++) transpose1(ct[r], src, rowLen, out, p0 * f + fOff + r, f);
      return;
    }
    if (!rowsDone && bias != null) for (int r = 0; r < fg; r++) addScalar(ct[r], bias[fOff + r], tileLen);
    for (int r = 0; r < fg; r++) transposeAdd(ct[r], src, rowLen, residual, out, p0 * f + fOff + r, f);
    if (act == Activation.LINEAR) return;
    if (fg == f) {
      Activations.applyInPlace(act, out, p0 * f, (p0 + np) * f, tmp);
    } else {
      for (int p = 0; p < np; p++) {
        int o = (p0 + p) * f + fOff;
        Activations.applyInPlace(act, out, o, o + fg, tmp);
      }
    }
  }

  /** {@code out[o + p * f + i] = ci[p]} for four rows: four neighbouring stores per position, not one row at a time. */
  private static void transpose4(float[] c0, float[] c1, float[] c2, float[] c3, int from, int to, float[] out, int o,
      int f) {
    for (int p = from; p < to; p++, o += f) {
      out[o] = c0[p];
      out[o + 1] = c1[p];
      out[o + 2] = c2[p];
      out[o + 3] = c3[p];
    }
  }

  private static void transpose1(float[] c0, int from, int to, float[] out, int o, int f) {
    for (int p = from; p < to; p++, o += f) out[o] = c0[p];
  }

  private static void transposeAdd(float[] c0, int from, int to, float[] residual, float[] out, int o, int f) {
    for (int p = from; p < to; p++, o += f) out[o] = c0[p] + residual[o];
  }

  /** {@code x[j] += v} for {@code j < n}. */
  private static void addScalar(float[] x, float v, int n) {
    for (int j = 0; j < n; j++) x[j] += v;
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
      depthwiseM1(in, n, h, w, c, kernel, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, bias, act, out,
          0, n * oh);
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
   * {@link #depthwise2d} with the output rows spread over {@code pool} (null: the calling thread only); results do
   * not depend on the pool.
   */
  public static void depthwise2d(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int m,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] bias,
      Activation act, float[] out, WorkerPool pool) {
    long macs = (long) n * oh * ow * c * m * kh * kw;
    if (pool == null || m != 1 || macs < 500_000L || n * oh < 2) {
      depthwise2d(in, n, h, w, c, kernel, kh, kw, m, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, bias, act,
          out);
      return;
    }
    if (act == null) act = Activation.LINEAR;
    if (act == Activation.SOFTMAX) throw new IllegalArgumentException("Conv.depthwise2d: SOFTMAX cannot be fused");
    DepthJob job = DEPTH_JOBS.get();
    job.set(in, n, h, w, c, kernel, kh, kw, c, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, c, bias, null,
        act, out);
    try {
      pool.parallelFor(Math.min(n * oh, CHUNKS_PER_THREAD * pool.threads()), job);
    } finally {
      job.clear();
    }
  }

  /** The calling thread's depthwise task (the workers only read it while the caller waits for them). */
  private static final ThreadLocal<DepthJob> DEPTH_JOBS = new ThreadLocal<DepthJob>() {
    @Override
    protected DepthJob initialValue() {
      return new DepthJob();
    }
  };

  /**
   * One pooled depthwise call (multiplier 1), held as the grouped convolution it is (one group per channel, the
   * kernel in {@code packed}): output rows split evenly over the chunks. One per calling thread.
   */
  static final class DepthJob extends ConvCall implements WorkerPool.Task {
    @Override
    public void run(int chunk, int chunks) {
      int rows = n * oh;
      int u0 = (int) ((long) rows * chunk / chunks), u1 = (int) ((long) rows * (chunk + 1) / chunks);
      depthwiseM1(in, n, h, w, c, packed, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, bias, act, out, u0, u1);
    }
  }

  /**
   * Output rows {@code [u0, u1)} (over batch and rows) of the multiplier-1 depthwise convolution, one row at a time.
   * The row accumulator ({@code ow * c}, from index 0) gets, for every tap, the input row's values times the tap's
   * weights repeated along the row; the input values the tap reads (zero outside the image) are first copied to a
   * scratch row, so the hot loop indexes every array from 0.
   */
  private static void depthwiseM1(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw,
      int sh, int sw, int dh, int dw, int pt, int pl, int oh, int ow, float[] bias, Activation act, float[] out,
      int u0, int u1) {
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
    for (int u = u0; u < u1; u++) {
      int img = u / oh;
      int oy = u - img * oh;
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

package dev.kiln.vector;

import dev.kiln.Activation;
import dev.kiln.kernels.Attention;
import dev.kiln.kernels.Conv;
import dev.kiln.kernels.ConvCall;
import dev.kiln.kernels.ConvPoolCall;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.kernels.Pooling;
import dev.kiln.kernels.RecurrentCell;
import dev.kiln.kernels.Softmax;
import dev.kiln.kernels.WorkerPool;

/**
 * Kernels on the Vector API ({@code jdk.incubator.vector}, Java 17+; run with
 * {@code --add-modules jdk.incubator.vector}). Select them per session:
 *
 * <pre>{@code
 * SessionOptions.defaults().kernels(VectorKernels.FACTORY)
 * }</pre>
 *
 * <p>Computes what {@link dev.kiln.kernels.Gemm#dense}, {@link Conv#conv2d} and {@link Conv#depthwise2d} compute, up
 * to float rounding (fused multiply-adds, another summation order). Dense layers are a packed, register-blocked SGEMM
 * (a streaming GEMV for one row); convolutions an implicit GEMM over output positions x output channels (1x1
 * stride-1 ones a plain GEMM; padded ones on a copy of the input with the padding made real); depthwise convolutions
 * with multiplier 1 are vectorized over channels (other multipliers run {@link Conv#depthwise2d}). With
 * {@code threads > 1} an op big enough to pay for the hand-over is split over a fixed pool of {@code threads - 1}
 * daemon workers created here, which {@link #close} stops.
 */
public final class VectorKernels implements KernelSet {
  /** Creates a Vector API kernel set. */
  public static final KernelSet.Factory FACTORY = VectorKernels::new;

  /**
   * Multiply-adds per thread below which an op stays on the calling thread: a hand-over costs more than the few
   * microseconds a second thread could save (the MLP's 1x784x128 GEMV stays; the small CNN's 64x800x10 dense splits).
   */
  static final long MIN_MACS_PER_THREAD = 128 * 1024;
  /**
   * The same for {@link #conv2d} and {@link #conv2dMaxPool}: low, because they split into tiles, bands or filter
   * panels, so that even the small CNN's batch-1 convolutions (97K and 557K multiply-adds) use both threads.
   */
  static final long MIN_CONV_MACS_PER_THREAD = 32 * 1024;
  /**
   * Chunks per thread: late or slow threads leave their chunks to the others, and the last chunk, which one thread
   * finishes while the other waits, is short.
   */
  private static final int CHUNKS_PER_THREAD = 16;

  private final int threads;
  private final WorkerPool pool;
  private final DenseTask denseTask = new DenseTask();
  private final AttentionTask attentionTask = new AttentionTask();
  private final RecurrentTask recurrentTask = new RecurrentTask();
  private final ConvTask convTask = new ConvTask();
  private final DepthwiseTask depthwiseTask = new DepthwiseTask();
  private final PoolingTask poolingTask = new PoolingTask();
  private final FusedBands fusedBands = new FusedBands();
  private final Winograd.PooledTask winogradTask = new Winograd.PooledTask();
  private final VDepthwisePointwise dwPwTask = new VDepthwisePointwise();
  /**
   * The argument holders of calls that run on the calling thread only: per thread, as two threads may run one
   * session (the pool's holders belong to whoever acquired it).
   */
  private final ThreadLocal<ConvTask> callerConv = ThreadLocal.withInitial(ConvTask::new);
  private final ThreadLocal<FusedBands> callerBands = ThreadLocal.withInitial(FusedBands::new);
  private final ThreadLocal<Winograd.PooledTask> callerWinograd = ThreadLocal.withInitial(Winograd.PooledTask::new);
  private final ThreadLocal<VDepthwisePointwise> callerDwPw = ThreadLocal.withInitial(VDepthwisePointwise::new);

  private VectorKernels(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    this.threads = threads;
    this.pool = threads > 1 ? WorkerPool.create(threads, "kiln-vector") : null;
  }

  /** How many threads this kernel set may use. */
  public int threads() {
    return threads;
  }

  @Override
  public String name() {
    return "vector";
  }

  /** Threads to use for {@code macs} multiply-adds over {@code units} independent units (1 = stay on the caller). */
  private int parts(long macs, int units) {
    return parts(macs, units, MIN_MACS_PER_THREAD);
  }

  private int parts(long macs, int units, long minMacsPerThread) {
    if (pool == null) return 1;
    long byWork = macs / minMacsPerThread;
    return (int) Math.max(1, Math.min(Math.min(threads, units), byWork));
  }

  /**
   * Runs a convolution's task on the pool ({@code split}: acquired by the caller) or on the calling thread, then
   * drops its arrays and releases the pool.
   */
  private <T extends ConvCall & WorkerPool.Task> void runAndClear(T t, boolean split, int parts, int units) {
    try {
      if (split) runParallel(t, parts, units);
      else t.run(0, 1);
    } finally {
      t.clear();
      if (split) pool.release();
    }
  }

  /** Runs {@code t} on {@code parts > 1} threads in about {@link #CHUNKS_PER_THREAD} chunks each. */
  private void runParallel(WorkerPool.Task t, int parts, int units) {
    pool.run(t, Math.min(units, parts * CHUNKS_PER_THREAD), parts - 1);
  }

  // ---- dense ---------------------------------------------------------------------------------------------

  @Override
  public PackedWeights packDenseWeights(float[] b, int k, int n) {
    if (b.length < k * n) {
      throw new IllegalArgumentException("VectorKernels.packDenseWeights: " + b.length + " values, expected " + k
          + "x" + n);
    }
    return new VPacked(Sgemm.packDense(b, k, n), k, n);
  }

  @Override
  public void dense(float[] a, int m, int k, PackedWeights packedB, int n, float[] bias, Activation act, float[] c) {
    float[] b = VPacked.of(packedB, k, n, "VectorKernels.dense");
    if (act == null) act = Activation.LINEAR;
    Activation tileAct = act == Activation.SOFTMAX ? Activation.LINEAR : act;
    gemm(a, m, k, b, n, bias, null, tileAct, c);
    if (act == Activation.SOFTMAX) {
      for (int i = 0; i < m; i++) Softmax.row(c, c, i * n, n);
    }
  }

  @Override
  public void denseRows(float[] a, int m, int k, PackedWeights packedB, int n, float[] bias, Activation act,
      float[] c, int[] rowMask) {
    float[] b = VPacked.of(packedB, k, n, "VectorKernels.denseRows");
    // a part of the rows per thread, each running its runs alone: split run by run, each run's few rows made chunks
    // too small for the second thread to arrive in time
    int parts = parts((long) m * k * n, (m + Sgemm.MR - 1) / Sgemm.MR);
    if (parts > 1 && pool.tryAcquire()) {
      DenseTask t = denseTask;
      t.set(a, m, k, b, n, bias, null, act, c);
      t.rowMask = rowMask;
      try {
        pool.run(t, parts, parts - 1);
      } finally {
        t.clear();
        pool.release();
      }
    } else {
      denseRuns(a, 0, m, k, b, n, bias, act, c, rowMask);
    }
  }

  /** {@link #denseRows} for rows {@code [r0, r1)}, on the calling thread. */
  private static void denseRuns(float[] a, int r0, int r1, int k, float[] b, int n, float[] bias, Activation act,
      float[] c, int[] rowMask) {
    if (act == null) act = Activation.LINEAR;
    Activation tileAct = act == Activation.SOFTMAX ? Activation.LINEAR : act;
    for (int i0 = KernelSet.rowRunStart(rowMask, r0, r1); i0 < r1; ) {
      int i1 = KernelSet.rowRunEnd(rowMask, i0, r1);
      Sgemm.dense(a, i0 * k, i1 - i0, k, b, n, bias, null, tileAct, c, i0 * n, 0, 1);
      if (act == Activation.SOFTMAX) {
        for (int i = i0; i < i1; i++) Softmax.row(c, c, i * n, n);
      }
      i0 = KernelSet.rowRunStart(rowMask, i1, r1);
    }
  }

  private void gemm(float[] a, int m, int k, float[] packedB, int n, float[] bias, float[] residual, Activation act,
      float[] c) {
    if (m <= 0 || n <= 0) return;
    int panels = Sgemm.panels(n);
    int units = m == 1 ? panels : Math.max(panels, (m + Sgemm.MR - 1) / Sgemm.MR);
    int parts = parts((long) m * n * k, units);
    if (parts > 1 && pool.tryAcquire()) {
      DenseTask t = denseTask;
      t.set(a, m, k, packedB, n, bias, residual, act, c);
      try {
        runParallel(t, parts, units);
      } finally {
        t.clear();
        pool.release();
      }
    } else {
      Sgemm.dense(a, m, k, packedB, n, bias, residual, act, c, 0, 1);
    }
  }

  /** A GEMM's parts ({@link Sgemm#dense}), or with {@link #rowMask} a part of {@link #denseRows}' rows each. */
  private static final class DenseTask implements WorkerPool.Task {
    float[] a, packed, bias, residual, c;
    int[] rowMask;
    int m, k, n;
    Activation act;

    void set(float[] a, int m, int k, float[] packed, int n, float[] bias, float[] residual, Activation act,
        float[] c) {
      this.a = a;
      this.m = m;
      this.k = k;
      this.packed = packed;
      this.n = n;
      this.bias = bias;
      this.residual = residual;
      this.act = act;
      this.c = c;
    }

    void clear() {
      a = packed = bias = residual = c = null;
      rowMask = null;
    }

    @Override
    public void run(int part, int parts) {
      if (rowMask != null) {
        denseRuns(a, Sgemm.split(m, part, parts), Sgemm.split(m, part + 1, parts), k, packed, n, bias, act, c,
            rowMask);
      } else {
        Sgemm.dense(a, m, k, packed, n, bias, residual, act, c, part, parts);
      }
    }
  }

  // ---- conv2d --------------------------------------------------------------------------------------------

  @Override
  public PackedWeights packConvKernel(float[] kernel, int kh, int kw, int cPerGroup, int f, int groups) {
    return new VPacked(VConv.pack(kernel, kh, kw, cPerGroup, f, groups), kh * kw * cPerGroup, f);
  }

  /** The packed floats of a convolution kernel, checked against the call's shape. */
  private static float[] conv(PackedWeights packed, int kh, int kw, int c, int f, int groups, String op) {
    return VPacked.of(packed, kh * kw * (groups > 0 ? c / groups : c), f, op);
  }

  @Override
  public void conv2d(float[] in, int n, int h, int w, int c, PackedWeights kernel, int kh, int kw, int f, int strideH,
      int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias,
      float[] residual, Activation act, float[] out) {
    float[] packed = conv(kernel, kh, kw, c, f, groups, "VectorKernels.conv2d");
    if (act == null) act = Activation.LINEAR;
    if (act == Activation.SOFTMAX) throw new IllegalArgumentException("VectorKernels.conv2d: SOFTMAX cannot be fused");
    if (kh == 1 && kw == 1 && groups == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && oh == h
        && ow == w) {
      gemm(in, n * h * w, c, packed, f, bias, residual, act, out);
      return;
    }
    int total = n * oh * ow;
    if (total <= 0 || f <= 0) return;
    int tiles = VConv.units(total);
    int parts = parts((long) total * f * kh * kw * (c / groups), tiles, MIN_CONV_MACS_PER_THREAD);
    boolean split = parts > 1 && pool.tryAcquire();
    ConvTask t = split ? convTask : callerConv.get();
    t.set(in, n, h, w, c, packed, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias,
        residual, act, out);
    padForDirect(t);
    runAndClear(t, split, parts, tiles);
  }

  /**
   * Makes the padding of a convolution whose tiles take the direct kernel real ({@link VConv#pad}, into the calling
   * thread's scratch): then every tile is interior.
   */
  private static void padForDirect(ConvCall t) {
    if (!VConv.direct(t.f / t.groups) || t.pt < 0 || t.pl < 0) return;
    if (VConv.byBlockedRows(t.c, t.f, t.sw, t.dw, t.pt, t.pl, t.groups)) return; // its blocked copy pads
    // rows and columns the output reaches, from -pt and -pl
    int hp = Math.max(t.h + t.pt, (t.oh - 1) * t.sh + (t.kh - 1) * t.dh + 1);
    int wp = Math.max(t.w + t.pl, (t.ow - 1) * t.sw + (t.kw - 1) * t.dw + 1);
    if (hp > t.h || wp > t.w) {
      t.in = VConv.pad(t.in, t.n, t.h, t.w, t.c, t.pt, t.pl, hp, wp, Sgemm.SCRATCH.get());
      t.h = hp;
      t.w = wp;
      t.pt = t.pl = 0;
    }
  }

  private static final class ConvTask extends ConvCall implements WorkerPool.Task {
    @Override
    public void run(int part, int parts) {
      VConv.conv2d(in, n, h, w, c, packed, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, groups, bias, residual, act, out,
          part, parts);
    }
  }

  /**
   * The convolution a band of rows at a time, each band max-pooled while it is in cache: the convolution's result
   * never goes through memory (at batch 64 the small CNN's first one is 2.7 MB, past L2). A band is
   * {@link FusedBands#poolRows} pooled rows of one image and the convolution rows their windows reach (overlapping
   * windows recompute the rows two bands share). Bands are split over the threads. Falls back to the default (convolve
   * into {@code convOut}, then pool) where the band kernels do not apply: residual adds, channels below a vector.
   */
  @Override
  public void conv2dMaxPool(float[] in, int n, int h, int w, int c, PackedWeights kernel, int kh, int kw, int f,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias,
      float[] residual, Activation act, float[] convOut, int poolH, int poolW, int poolStrideH, int poolStrideW,
      int poolPadTop, int poolPadLeft, int poolOh, int poolOw, float[] out) {
    float[] packed = conv(kernel, kh, kw, c, f, groups, "VectorKernels.conv2dMaxPool");
    if (act == null) act = Activation.LINEAR;
    if (residual != null || !VPool.takes(f) || act == Activation.SOFTMAX || padTop < 0 || padLeft < 0) {
      KernelSet.super.conv2dMaxPool(in, n, h, w, c, kernel, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft,
          oh, ow, groups, bias, residual, act, convOut, poolH, poolW, poolStrideH, poolStrideW, poolPadTop,
          poolPadLeft, poolOh, poolOw, out);
      return;
    }
    if (n <= 0 || poolOh <= 0 || poolOw <= 0) return;
    if (Winograd.applies(packed, kh, kw, c, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, act,
        poolH, poolW, poolStrideH, poolStrideW, poolPadTop, poolPadLeft, poolOh, poolOw)) {
      winogradPooled(in, n, h, w, c, packed, f, padTop, padLeft, oh, ow, bias, act, poolOh, poolOw, out);
      return;
    }
    // units: pooled rows, so that a small batch still splits
    int parts = parts((long) n * oh * ow * f * kh * kw * (c / groups), n * poolOh, MIN_CONV_MACS_PER_THREAD);
    boolean split = parts > 1 && pool.tryAcquire();
    FusedBands t = split ? fusedBands : callerBands.get();
    t.set(in, n, h, w, c, packed, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias, null,
        act, out);
    padForDirect(t);
    t.pool(poolH, poolW, poolStrideH, poolStrideW, poolPadTop, poolPadLeft, poolOh, poolOw, split ? parts : 1);
    runAndClear(t, split, parts, t.units());
  }

  /** {@link #conv2dMaxPool} by {@link Winograd}; the caller checked {@link Winograd#applies}. */
  private void winogradPooled(float[] in, int n, int h, int w, int c, float[] packed, int f, int padTop, int padLeft,
      int oh, int ow, float[] bias, Activation act, int poolOh, int poolOw, float[] out) {
    int tiles = n * poolOh * poolOw;
    int parts = parts((long) tiles * 16 * c * f, (tiles + Winograd.TILES - 1) / Winograd.TILES,
        MIN_CONV_MACS_PER_THREAD);
    boolean split = parts > 1 && pool.tryAcquire();
    Winograd.PooledTask t = split ? winogradTask : callerWinograd.get();
    t.set(in, n, h, w, c, packed, 3, 3, f, 1, 1, 1, 1, padTop, padLeft, oh, ow, 1, bias, null, act, out);
    t.pool(poolOh, poolOw, split ? parts : 1);
    runAndClear(t, split, parts, t.units());
  }

  /**
   * The units of a {@link #conv2dMaxPool} its threads take: bands of rows, and when there are too few images for
   * every thread to get two bands, ranges of filter panels of whole images instead (the small CNN's conv2 at batch 1,
   * 5 pooled rows of 32 filters: bands of one pooled row split 3:2 and copy two input rows per output row; two
   * panels split 1:1).
   */
  private static final class FusedBands extends ConvPoolCall implements WorkerPool.Task {
    /**
     * Floats of convolution output a band aims at: 16 KB, half of a 32 KB L1, whose rest holds the band's input,
     * filters and pooled rows.
     */
    private static final int BAND_FLOATS = 4096;
    private int poolRows;
    /** Filter ranges per band: 1, or panels split between the threads. */
    private int fParts;

    /** The pooling; units are made small enough that {@code parts} threads get two or more each, where they can. */
    void pool(int ph, int pw, int psh, int psw, int ppt, int ppl, int poh, int pow, int parts) {
      setPool(ph, pw, psh, psw, ppt, ppl, poh, pow);
      poolRows = Math.max(1, Math.min(poh, BAND_FLOATS / Math.max(1, ph * ow * f)));
      int panels = VConv.direct(f) ? f / Sgemm.NR : 1;
      fParts = 1;
      if (parts > 1 && n < 2 * parts && panels > 1
          && VConv.byPanels(h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, groups)) {
        fParts = Math.min(panels, parts);
        return;
      }
      int perImage = (2 * parts + n - 1) / n; // bands per image for two per thread
      if (perImage > 1) poolRows = Math.max(1, Math.min(poolRows, poh / perImage));
    }

    int units() {
      return n * ((poh + poolRows - 1) / poolRows) * fParts;
    }

    @Override
    public void run(int part, int parts) {
      int perImage = (poh + poolRows - 1) / poolRows;
      int total = units();
      int u0 = Sgemm.split(total, part, parts), u1 = Sgemm.split(total, part + 1, parts);
      int spanRows = Math.min(oh, (poolRows - 1) * psh + ph);
      boolean inRegisters = VConv.byPooledRows(h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, act, ph, pw, psh,
          psw, ppt, ppl, poh, pow);
      float[] band = inRegisters ? null : Sgemm.SCRATCH.get().band(spanRows * ow * f);
      int panels = f / Sgemm.NR;
      for (int u = u0; u < u1; u++) {
        int b = u / fParts, fp = u - b * fParts;
        int f0 = fParts == 1 ? 0 : Sgemm.split(panels, fp, fParts) * Sgemm.NR;
        int f1 = fParts == 1 ? f : Sgemm.split(panels, fp + 1, fParts) * Sgemm.NR;
        int img = b / perImage;
        int r0 = (b - img * perImage) * poolRows, r1 = Math.min(poh, r0 + poolRows);
        // the convolution rows the windows of pooled rows r0 .. r1 reach
        int cy0 = Math.max(r0 * psh - ppt, 0), cy1 = Math.min((r1 - 1) * psh - ppt + ph, oh);
        int outOff = (img * poh + r0) * pow * f;
        if (inRegisters) {
          VConv.rowsPooled(in, h, w, packed, kh, kw, f, bias, act, poh, pow, out, img, r0, r1, f0, f1);
          continue;
        }
        if (cy1 <= cy0) {
          for (int px = 0; px < (r1 - r0) * pow; px++) {
            java.util.Arrays.fill(out, outOff + px * f + f0, outOff + px * f + f1, Float.NEGATIVE_INFINITY);
          }
          continue;
        }
        int p0 = (img * oh + cy0) * ow;
        VConv.conv2dPositions(in, n, h, w, c, packed, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, groups, bias, act,
            band, p0, p0 + (cy1 - cy0) * ow, f0, f1);
        // the band as an image of cy1 - cy0 rows: its pooled row 0 is row r0, whose window starts at row
        // r0 * psh - ppt of the convolution, row r0 * psh - ppt - cy0 of the band
        VPool.maxRows(band, cy1 - cy0, ow, f, ph, pw, psh, psw, ppt + cy0 - r0 * psh, ppl, r1 - r0, pow, out, outOff,
            0, r1 - r0, f0, f1);
      }
    }
  }

  // ---- depthwise -------------------------------------------------------------------------------------------

  @Override
  public void depthwise2d(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int m, int strideH,
      int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] bias, Activation act,
      float[] out) {
    if (act == null) act = Activation.LINEAR;
    if (act == Activation.SOFTMAX) {
      throw new IllegalArgumentException("VectorKernels.depthwise2d: SOFTMAX cannot be fused");
    }
    if (m != 1) {
      Conv.depthwise2d(in, n, h, w, c, kernel, kh, kw, m, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, bias,
          act, out);
      return;
    }
    int rows = n * oh;
    if (rows <= 0 || ow <= 0 || c <= 0) return;
    int parts = parts((long) rows * ow * c * kh * kw, rows);
    if (parts > 1 && pool.tryAcquire()) {
      DepthwiseTask t = depthwiseTask;
      t.set(in, n, h, w, c, kernel, kh, kw, c, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, c, bias, null, act,
          out);
      try {
        runParallel(t, parts, rows);
      } finally {
        t.clear();
        pool.release();
      }
    } else {
      VConv.depthwise(in, n, h, w, c, kernel, kh, kw, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, bias, act,
          out, 0, 1);
    }
  }

  /**
   * Fused tile by tile ({@link VDepthwisePointwise}) where the multiplier is 1 and no activation is SOFTMAX; else the
   * two calls.
   */
  @Override
  public void depthwisePointwise(float[] in, int n, int h, int w, int c, float[] dwKernel, int kh, int kw, int m,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] dwBias,
      Activation dwAct, float[] dwOut, PackedWeights pwPacked, int f, float[] pwBias, float[] residual,
      Activation pwAct, float[] out) {
    float[] pw = conv(pwPacked, 1, 1, c * m, f, 1, "VectorKernels.depthwisePointwise");
    if (dwAct == null) dwAct = Activation.LINEAR;
    if (pwAct == null) pwAct = Activation.LINEAR;
    if (m != 1 || dwAct == Activation.SOFTMAX || pwAct == Activation.SOFTMAX) {
      KernelSet.super.depthwisePointwise(in, n, h, w, c, dwKernel, kh, kw, m, strideH, strideW, dilH, dilW, padTop,
          padLeft, oh, ow, dwBias, dwAct, dwOut, pwPacked, f, pwBias, residual, pwAct, out);
      return;
    }
    if (n <= 0 || oh <= 0 || ow <= 0 || f <= 0) return;
    long positions = (long) n * oh * ow;
    int units = (int) ((positions + Sgemm.MR - 1) / Sgemm.MR); // the smallest tiles
    int parts = parts(positions * c * (kh * kw + f), units, MIN_CONV_MACS_PER_THREAD);
    boolean split = parts > 1 && pool.tryAcquire();
    VDepthwisePointwise t = split ? dwPwTask : callerDwPw.get();
    t.set(in, n, h, w, c, dwKernel, kh, kw, c, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, c, dwBias, null,
        dwAct, null);
    t.pointwise(pw, f, pwBias, residual, pwAct, out);
    t.tiles(split ? parts : 1);
    runAndClear(t, split, parts, t.units());
  }

  // ---- pooling -------------------------------------------------------------------------------------------

  @Override
  public void pool2d(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int strideH, int strideW,
      int padTop, int padLeft, int oh, int ow, float[] out) {
    int rows = n * oh;
    if (pool != null && Pooling.worthSplitting(n, oh, ow, c, kh, kw) && pool.tryAcquire()) {
      PoolingTask t = poolingTask;
      t.set(max, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out);
      try {
        runParallel(t, Math.min(threads, rows), rows);
      } finally {
        t.clear();
        pool.release();
      }
    } else {
      poolRows(max, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out, 0, rows);
    }
  }

  /** Output rows {@code [u0, u1)}: max pooling over a vector of channels or more by {@link VPool}, else Pooling's. */
  private static void poolRows(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw,
      int pt, int pl, int oh, int ow, float[] out, int u0, int u1) {
    if (max && VPool.takes(c)) {
      VPool.maxRows(in, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, out, 0, u0, u1);
    } else {
      Pooling.pool2dRows(max, in, n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, out, u0, u1);
    }
  }

  /** A pooling split by output rows. */
  private static final class PoolingTask extends Pooling.Call implements WorkerPool.Task {
    @Override
    public void run(int chunk, int chunks) {
      runPart(chunk, chunks);
    }

    @Override
    protected void pool(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int sh, int sw, int pt,
        int pl, int oh, int ow, float[] out, int u0, int u1) {
      poolRows(max, in, n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, out, u0, u1);
    }
  }

  /** A depthwise convolution (multiplier 1) held as the grouped convolution it is: one group per channel. */
  private static final class DepthwiseTask extends ConvCall implements WorkerPool.Task {
    @Override
    public void run(int part, int parts) {
      VConv.depthwise(in, n, h, w, c, packed, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, bias, act, out, part, parts);
    }
  }

  // ---- recurrent steps (VRecurrent) ----------------------------------------------------------------------

  /** Vector panels for the cells {@link VRecurrent#supports}, else the pure-Java step's packing. */
  @Override
  public PackedWeights packRecurrentKernel(float[] recurrentKernel, RecurrentCell cell) {
    return VRecurrent.supports(cell) ? VRecurrent.pack(recurrentKernel, cell)
        : KernelSet.super.packRecurrentKernel(recurrentKernel, cell);
  }

  @Override
  public void recurrentStep(RecurrentCell cell, PackedWeights recurrentKernel, int rows, float[] xw, int xwOffset,
      int xwStride, int[] mask, int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int work) {
    if (!(recurrentKernel instanceof VRecurrent.Packed)) {
      KernelSet.super.recurrentStep(cell, recurrentKernel, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s,
          hIn, hOut, c, work);
      return;
    }
    VRecurrent.Packed packed = (VRecurrent.Packed) recurrentKernel;
    VRecurrent.check(cell, packed);
    int u = cell.units();
    // a part per thread, of whole rows: each reads the whole kernel, which each core's L2 holds
    int parts = rows < 2 * Sgemm.MR ? 1 : parts((long) rows * u * cell.gates() * u, rows / Sgemm.MR);
    if (parts > 1 && pool.tryAcquire()) {
      RecurrentTask t = recurrentTask;
      t.set(cell, packed, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn, hOut, c, work);
      try {
        pool.run(t, parts, parts - 1);
      } finally {
        t.clear();
        pool.release();
      }
    } else {
      VRecurrent.stepRows(cell, packed, rows, 0, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn,
          hOut, c, work, Sgemm.SCRATCH.get());
    }
  }

  private static final class RecurrentTask implements WorkerPool.Task {
    RecurrentCell cell;
    VRecurrent.Packed packed;
    float[] xw, s;
    int[] mask;
    int rows, xwOffset, xwStride, maskOffset, maskStride, hIn, hOut, c, work;

    void set(RecurrentCell cell, VRecurrent.Packed packed, int rows, float[] xw, int xwOffset, int xwStride,
        int[] mask, int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int work) {
      this.cell = cell;
      this.packed = packed;
      this.rows = rows;
      this.xw = xw;
      this.xwOffset = xwOffset;
      this.xwStride = xwStride;
      this.mask = mask;
      this.maskOffset = maskOffset;
      this.maskStride = maskStride;
      this.s = s;
      this.hIn = hIn;
      this.hOut = hOut;
      this.c = c;
      this.work = work;
    }

    void clear() {
      cell = null;
      packed = null;
      xw = s = null;
      mask = null;
    }

    @Override
    public void run(int part, int parts) {
      VRecurrent.stepRows(cell, packed, rows, Sgemm.split(rows, part, parts), Sgemm.split(rows, part + 1, parts), xw,
          xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn, hOut, c, work, Sgemm.SCRATCH.get());
    }
  }

  // ---- attention (VAttention) ------------------------------------------------------------------------------

  /** Vector kernels for the shapes {@link VAttention#supports}, else the pure-Java {@code Attention}. */
  @Override
  public void attention(float[] q, float[] k, float[] v, int batch, int tq, int tk, int heads, int dk, int dv,
      float scale, int[] mask, int maskBatchStride, int maskRowStride, int maskKeyStride, boolean causal,
      boolean subtractMasked, float[] out, float[] work) {
    if (VAttention.supports(tq, tk, dv)) {
      int pairs = batch * heads;
      int parts = parts((long) pairs * tq * tk * (dk + dv), pairs);
      if (parts > 1 && pool.tryAcquire()) {
        AttentionTask t = attentionTask;
        t.set(q, k, v, pairs, tq, tk, heads, dk, dv, scale, mask, maskBatchStride, maskRowStride, maskKeyStride,
            causal, subtractMasked, out, work);
        try {
          runParallel(t, parts, pairs);
        } finally {
          t.clear();
          pool.release();
        }
      } else {
        VAttention.compute(q, k, v, batch, tq, tk, heads, dk, dv, scale, mask, maskBatchStride, maskRowStride,
            maskKeyStride, causal, subtractMasked, out, work);
      }
    } else {
      KernelSet.super.attention(q, k, v, batch, tq, tk, heads, dk, dv, scale, mask, maskBatchStride, maskRowStride,
          maskKeyStride, causal, subtractMasked, out, work);
    }
  }

  /**
   * Attention's (batch row, head) pairs split between the threads; the caller's chunks use the call's working space,
   * the workers' their own.
   */
  private static final class AttentionTask implements WorkerPool.Task {
    float[] q, k, v, out, work;
    int[] mask;
    int tq, tk, heads, dk, dv, maskBatchStride, maskRowStride, maskKeyStride;
    float scale;
    boolean causal, subtractMasked;
    /** Batch rows times heads. */
    int total;
    Thread caller;
    final ThreadLocal<float[]> workerWork = ThreadLocal.withInitial(() -> new float[0]);

    void set(float[] q, float[] k, float[] v, int total, int tq, int tk, int heads, int dk, int dv, float scale,
        int[] mask, int maskBatchStride, int maskRowStride, int maskKeyStride, boolean causal, boolean subtractMasked,
        float[] out, float[] work) {
      this.q = q;
      this.total = total;
      this.k = k;
      this.v = v;
      this.tq = tq;
      this.tk = tk;
      this.heads = heads;
      this.dk = dk;
      this.dv = dv;
      this.scale = scale;
      this.mask = mask;
      this.maskBatchStride = maskBatchStride;
      this.maskRowStride = maskRowStride;
      this.maskKeyStride = maskKeyStride;
      this.causal = causal;
      this.subtractMasked = subtractMasked;
      this.out = out;
      this.work = work;
      this.caller = Thread.currentThread();
    }

    void clear() {
      q = k = v = out = work = null;
      mask = null;
      caller = null;
    }

    @Override
    public void run(int part, int parts) {
      float[] w = work;
      if (Thread.currentThread() != caller) {
        w = workerWork.get();
        int size = (int) Attention.workSize(tq, tk, dk, dv);
        if (w.length < size) {
          w = new float[size]; // once per worker and size
          workerWork.set(w);
        }
      }
      VAttention.compute(q, k, v, tq, tk, heads, dk, dv, scale, mask, maskBatchStride, maskRowStride, maskKeyStride,
          causal, subtractMasked, out, w, Sgemm.split(total, part, parts), Sgemm.split(total, part + 1, parts));
    }
  }

  // ---- layer normalization (VLayerNorm) ---------------------------------------------------------------------

  @Override
  public void layerNorm(float[] in, float[] out, int rows, int normSize, float[] gamma, float[] beta, float epsilon) {
    VLayerNorm.compute(in, out, rows, normSize, gamma, beta, epsilon);
  }

  @Override
  public void close() {
    if (pool != null) pool.close();
  }

  @Override
  public String toString() {
    return "VectorKernels{threads=" + threads + ", lanes=" + Sgemm.VL + "}";
  }
}

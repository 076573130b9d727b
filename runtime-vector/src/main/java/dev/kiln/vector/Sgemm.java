package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.MAX;

import dev.kiln.Activation;
import dev.kiln.kernels.Activations;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked SGEMM on the Vector API, row-major, C row {@code i} = A row {@code i} times B.
 *
 * <p>Packed B ({@link #pack}): column panels of {@link #NR} = two vectors of columns, each panel {@code k} rows of
 * {@code NR} contiguous floats (the last panel zero-padded), panel {@code q} at {@code q * k * NR}. The micro-kernel
 * keeps an {@link #MR} x {@code NR} tile of C in registers ({@code MR * 2} accumulators), loads two B vectors and
 * broadcasts {@code MR} A values per step of k. k is blocked by {@link #KC} so a panel block stays in L1. A is
 * packed k-major per MR-row block ({@link #packA}) when at least {@link #PACK_PANELS} panels reuse it, else read in
 * place through row offsets ({@link #direct6}). m = 1 (GEMV) streams each panel once with eight accumulators (k
 * unrolled by four).
 */
final class Sgemm {
  private Sgemm() {}

  /**
   * The species of every kernel, and the only one they use: a second vector class in the JVM makes the receiver
   * profiles inside {@code FloatVector} bimorphic, and C2 then boxes the vectors of every kernel. 256 bits where the
   * machine has them (AVX2, and AVX-512 through AVX-512VL), else the machine's preferred one. 512 bits is opt-in
   * ({@code -Dkiln.vector.bits=512}): allocation-free on AVX-512 ({@code AllocationTest}), but no faster as a whole
   * where the 512-bit units are two 256-bit halves (Zen 4; see the module README). The
   * property ({@code 128}, {@code 256} or {@code 512}) also lets the tests run the 512-bit code paths on an AVX2
   * machine (emulated, slowly).
   */
  static final VectorSpecies<Float> S = species(Integer.getInteger("kiln.vector.bits", 0));

  static VectorSpecies<Float> species(int bits) {
    if (bits == 0) {
      VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
      return preferred.vectorBitSize() > 256 ? FloatVector.SPECIES_256 : preferred;
    }
    return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
  }
  static final int VL = S.length();
  /** Panel width: two vectors. */
  static final int NR = 2 * VL;
  /**
   * Rows of the register tile: 8 (16 accumulators) with 512-bit vectors and 32 registers, 6 (12 accumulators) with
   * 256-bit AVX2 and its 16 registers.
   */
  static final int MR = VL >= 16 ? 8 : 6;
  /** Depth of a k block. */
  static final int KC = 256;

  static int panels(int n) {
    return (n + NR - 1) / NR;
  }

  static int packedLength(int k, int n) {
    return panels(n) * k * NR;
  }

  /**
   * Dense weights up to this many values (1 MB) also get a transposed copy for the m = 1 path, doubling their memory;
   * bigger ones use the panel GEMV.
   */
  static final int MAX_TRANSPOSED = 1 << 18;

  /**
   * Length of {@link #packDense}: the panels, then the {@code [n, k]} transpose when {@code n} is a multiple of 8 and
   * {@code k * n <= MAX_TRANSPOSED} ({@link #dotColumns} has no column tail: a tail loop boxed its accumulator).
   */
  static int denseLength(int k, int n) {
    return packedLength(k, n) + (n % 8 == 0 && (long) k * n <= MAX_TRANSPOSED ? k * n : 0);
  }

  /** Where the {@code [n, k]} transpose starts in a dense packing, or -1 (too big, or a convolution's packing). */
  static int transposedOffset(float[] packed, int k, int n) {
    int p = packedLength(k, n);
    return n % 8 == 0 && (long) k * n <= MAX_TRANSPOSED && packed.length >= p + k * n ? p : -1;
  }

  /** Packs a dense {@code [k, n]} weight: panels for the GEMM, plus the transpose for the GEMV when small enough. */
  static float[] packDense(float[] b, int k, int n) {
    float[] packed = new float[denseLength(k, n)];
    pack(b, 0, n, k, n, packed, 0);
    if (packed.length > packedLength(k, n)) {
      int t = packedLength(k, n);
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) packed[t + j * k + p] = b[p * n + j];
      }
    }
    return packed;
  }

  /** Rows of {@link #direct6}. */
  static final int DR = 6;

  /** Packs {@code src[srcOff + p * ld + j]} ({@code p < k}, {@code j < n}) into {@code dst} from {@code dstOff}. */
  static void pack(float[] src, int srcOff, int ld, int k, int n, float[] dst, int dstOff) {
    for (int q = 0; q * NR < n; q++) {
      int j0 = q * NR;
      int w = Math.min(NR, n - j0);
      int base = dstOff + q * k * NR;
      for (int p = 0; p < k; p++) System.arraycopy(src, srcOff + p * ld + j0, dst, base + p * NR, w);
    }
  }

  /** Per-thread scratch: the C tile of a partial panel, activation rows, packed A (a GEMM block, a conv tile). */
  static final class Scratch {
    final float[] tile = new float[8 * NR];
    /** The output positions of a convolution tile. */
    final VConv.Walk walk = new VConv.Walk();
    /** A partial panel's bias, zero-padded to {@code NR}. */
    final float[] bias = new float[NR];
    float[] tmp = new float[NR];
    private float[] packedA = new float[0];

    float[] tmp(int n) {
      if (tmp.length < n) tmp = new float[n];
      return tmp;
    }

    private int[] identity = new int[0];

    /** {@code 0, 1, .., n-1} (read-only): the offsets with which {@link #direct6} reads plain rows. */
    int[] identity(int n) {
      if (identity.length < n) {
        identity = new int[n];
        for (int i = 0; i < n; i++) identity[i] = i;
      }
      return identity;
    }

    private float[] zeros = new float[0];
    private final int[][] ints = new int[4][0];

    /** Integer scratch row {@code i} of at least {@code n} values. */
    int[] ints(int i, int n) {
      if (ints[i].length < n) ints[i] = new int[n];
      return ints[i];
    }

    /** At least {@code n} zeros (read-only). */
    float[] zeros(int n) {
      if (zeros.length < n) zeros = new float[n];
      return zeros;
    }

    private float[] band = new float[0];

    /** A band of a convolution's output rows, pooled while it is in cache ({@code VectorKernels.conv2dMaxPool}). */
    float[] band(int n) {
      if (band.length < n) band = new float[n];
      return band;
    }

    private float[] partial = new float[0];

    /** The rows of a partial column panel ({@link Sgemm#partialPanel}). */
    float[] partial(int n) {
      if (partial.length < n) partial = new float[n];
      return partial;
    }

    private float[] blocked = new float[0];

    /** A channel-blocked copy of a convolution's input rows ({@code VConv.blockedRows}). */
    float[] blocked(int n) {
      if (blocked.length < n) blocked = new float[n];
      return blocked;
    }

    private float[] dwTile = new float[0];

    /** A tile of depthwise results, multiplied while it is in L1 ({@link VDepthwisePointwise}). */
    float[] dwTile(int n) {
      if (dwTile.length < n) dwTile = new float[n];
      return dwTile;
    }

    private float[] padded = new float[0];

    /** A convolution's padded input ({@link VConv#pad}). */
    float[] padded(int n) {
      if (padded.length < n) padded = new float[n];
      return padded;
    }

    /** Packed A ({@link #packA}): a GEMM's row block, or a convolution's tile of positions. */
    float[] packedA(int n) {
      if (packedA.length < n) packedA = new float[n];
      return packedA;
    }
  }

  static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Start of part {@code part} of {@code units} units split into {@code parts} contiguous ranges. */
  static int split(int units, int part, int parts) {
    return (int) ((long) units * part / parts);
  }

  // ---- driver ------------------------------------------------------------------------------------------

  /**
   * Part {@code part} of {@code c[i*n + j] = act(a[i*k + p] b[p, j] + bias[j] + residual[i*n + j])}; bias and
   * residual nullable; act elementwise (not SOFTMAX, not null).
   */
  static void dense(float[] a, int m, int k, float[] packed, int n, float[] bias, float[] residual, Activation act,
      float[] c, int part, int parts) {
    dense(a, 0, m, k, packed, n, bias, residual, act, c, 0, part, parts);
  }

  /**
   * {@link #dense} from {@code a[aOff + i*k + p]}, into {@code c} and from {@code residual} from index {@code cOff}:
   * {@code c[cOff + i*n + j]}.
   */
  static void dense(float[] a, int aOff, int m, int k, float[] packed, int n, float[] bias, float[] residual,
      Activation act, float[] c, int cOff, int part, int parts) {
    int np = panels(n);
    Scratch s = SCRATCH.get();
    if (m == 1) {
      int q0 = split(np, part, parts), q1 = split(np, part + 1, parts);
      int tOff = transposedOffset(packed, k, n);
      if (tOff >= 0) {
        int j0 = q0 * NR, j1 = Math.min(n, q1 * NR);
        if (j0 >= j1) return;
        dotColumns(a, aOff, k, packed, tOff, j0, j1, c, cOff);
        epilogue(c, cOff + j0, n, 1, j1 - j0, bias, j0, residual, act, s);
        return;
      }
      int chunk = kChunk(k, q1 - q0);
      for (int q = q0; q < q1; q++) {
        int j0 = q * NR;
        int w = Math.min(NR, n - j0);
        gemv(a, aOff, k, chunk, packed, q * k * NR, c, cOff + j0, w, s.tile);
        epilogue(c, cOff + j0, n, 1, w, bias, j0, residual, act, s);
      }
      return;
    }
    int rowBlocks = (m + MR - 1) / MR;
    int r0 = 0, r1 = rowBlocks, q0 = 0, q1 = np;
    if (parts > 1) {
      if (rowBlocks >= np || rowBlocks >= 2 * parts) {
        r0 = split(rowBlocks, part, parts);
        r1 = split(rowBlocks, part + 1, parts);
      } else {
        q0 = split(np, part, parts);
        q1 = split(np, part + 1, parts);
      }
    }
    int i0 = r0 * MR, i1 = Math.min(m, r1 * MR);
    if (k == 0) {
      for (int i = i0; i < i1; i++) {
        for (int j = q0 * NR; j < Math.min(n, q1 * NR); j++) c[cOff + i * n + j] = 0f;
      }
      for (int q = q0; q < q1; q++) {
        int j0 = q * NR;
        epilogue(c, cOff + i0 * n + j0, n, i1 - i0, Math.min(NR, n - j0), bias, j0, residual, act, s);
      }
      return;
    }
    boolean fused = fusesAct(act, residual);
    if (q1 - q0 < PACK_PANELS) { // A read in place through row offsets, each panel over all rows
      int rows = i1 - i0;
      int[] base = s.ints(0, rows + DR);
      for (int r = 0; r < rows; r++) base[r] = aOff + (i0 + r) * k;
      for (int r = rows; r % DR != 0; r++) base[r] = base[rows - 1]; // padding rows: computed, dropped
      int[] koff = s.identity(k);
      int wholeEnd = Math.min(q1, n / NR); // panels [q0, wholeEnd) are whole
      if (wholeEnd < q1 && rows > DR) { // a partial panel runs whole, all its rows in a scratch tile
        int j0 = wholeEnd * NR;
        partialPanel(a, base, rows, koff, k, packed, wholeEnd * k * NR, bias, j0, fused ? lo(act) : NO_RELU,
            fused ? hi(act) : NO_CLAMP, c, cOff + i0 * n + j0, n, n - j0, s);
        if (!fused) epilogue(c, cOff + i0 * n + j0, n, rows, n - j0, null, 0, residual, act, s);
        q1 = wholeEnd;
      }
      for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = Math.min(KC, k - k0);
        boolean last = k0 + kc == k;
        for (int q = q0; q < q1; q++) {
          int j0 = q * NR;
          int w = Math.min(NR, n - j0);
          blockDirect(a, base, rows, 0, koff, k0, packed, q * k * NR + k0 * NR, kc, k0 > 0, bias, j0,
              last && fused ? lo(act) : NO_RELU, last && fused ? hi(act) : NO_CLAMP, c, cOff + i0 * n + j0, n, w, s);
          if (last && !fused) epilogue(c, cOff + i0 * n + j0, n, rows, w, null, 0, residual, act, s);
        }
      }
      return;
    }
    float[] ap = s.packedA(MR * Math.min(KC, k));
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      boolean last = k0 + kc == k;
      float lo = last && fused ? lo(act) : NO_RELU, hi = last && fused ? hi(act) : NO_CLAMP;
      for (int i = i0; i < i1; i += MR) {
        int rows = Math.min(MR, i1 - i);
        packA(a, aOff + i * k + k0, k, rows, kc, ap, 0);
        for (int q = q0; q < q1; q++) { // the packed block is reused by every panel
          int j0 = q * NR;
          int w = Math.min(NR, n - j0);
          block(ap, 0, rows, packed, q * k * NR + k0 * NR, kc, k0 > 0, bias, j0, lo, hi, c, cOff + i * n + j0, n, w, s);
          if (last && !fused) epilogue(c, cOff + i * n + j0, n, rows, w, null, 0, residual, act, s);
        }
      }
    }
  }

  /**
   * The {@code w < NR} columns of a partial panel for {@code rows} rows of A (read through {@code base} and the
   * identity {@code koff}, as in {@link #blockDirect}), accumulated over all k blocks in a scratch tile of {@code NR}
   * columns and then copied to C. Through {@link #blockDirect}, each group of six rows and each k block would be its
   * own call with its own tile copies.
   */
  private static void partialPanel(float[] a, int[] base, int rows, int[] koff, int k, float[] b, int bOff,
      float[] bias, int biasOff, float lo, float hi, float[] c, int cOff, int ldc, int w, Scratch s) {
    int padded = (rows + DR - 1) / DR * DR; // base is readable that far
    float[] t = s.partial(padded * NR);
    float[] start = tileFrom(c, cOff, ldc, 0, w, false, bias, biasOff, s); // the bias padded to NR, or zeros
    int chunk = Math.min(KC, kChunk(k, padded / DR));
    for (int r = 0; r < padded; r += DR) { // a call per group and k chunk: see MIN_KERNEL_CALLS
      for (int k0 = 0; k0 < k; k0 += chunk) {
        int kc = Math.min(chunk, k - k0);
        boolean last = k0 + kc == k;
        direct6(a, base, r, r + DR, 0, koff, k0, b, bOff + k0 * NR, kc, k0 > 0 ? t : start, k0 > 0 ? r * NR : 0,
            k0 > 0 ? NR : 0, last ? lo : NO_RELU, last ? hi : NO_CLAMP, t, r * NR, NR);
      }
    }
    tileStore(t, rows, w, c, cOff, ldc);
  }

  /**
   * Fewest column panels (of a thread's part) for which {@link #dense} packs A: packing costs about as much per value
   * as the multiply-adds of one panel, so with one or two panels {@link #direct6} on the unpacked rows is faster.
   */
  static final int PACK_PANELS = 3;

  /**
   * Fewest kernel calls per layer call for the kernels a layer calls a few times only ({@link #partialPanel}, the
   * single-panel {@link #gemv}): HotSpot compiles a method with C2 only after some 600 to 5000 calls (an on-stack
   * replacement does not serve the next call), and until then runs C1's code, which allocates every vector. A layer
   * that called its kernel once ran C1's code, a megabyte a call, for its first hundreds of calls; split into this
   * many calls over row groups and k ranges (the accumulators carried through memory: the same sums), it reaches C2
   * within a few dozen.
   */
  static final int MIN_KERNEL_CALLS = 48;

  /**
   * The k values per kernel call (all of k, or a multiple of 4) such that {@code calls} calls, each over all of k,
   * become at least about {@link #MIN_KERNEL_CALLS}.
   */
  static int kChunk(int k, int calls) {
    if (calls >= MIN_KERNEL_CALLS) return Math.max(k, 1);
    int parts = (MIN_KERNEL_CALLS + calls - 1) / Math.max(calls, 1);
    return Math.max(4, ((k + parts - 1) / parts + 3) / 4 * 4);
  }

  /**
   * Packs {@code rows <= MR} rows of A, row {@code r} at {@code a[aOff + r * lda]}, {@code kc} deep, k-major into
   * {@code ap[apOff + p * MR + r]}; rows {@code rows .. MR} are zeros, so a tail runs the full-height kernel. The
   * micro-kernel then reads its MR values per k at one index with constant offsets, which C2 schedules far better
   * than MR row pointers.
   */
  static void packA(float[] a, int aOff, int lda, int rows, int kc, float[] ap, int apOff) {
    // k outer, the rows unrolled: twice as fast as a row at a time (strided stores)
    if (rows == 8 && MR == 8) {
      int s0 = aOff, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda, s6 = s5 + lda,
          s7 = s6 + lda;
      for (int p = 0, d = apOff; p < kc; p++, d += 8) {
        ap[d] = a[s0 + p];
        ap[d + 1] = a[s1 + p];
        ap[d + 2] = a[s2 + p];
        ap[d + 3] = a[s3 + p];
        ap[d + 4] = a[s4 + p];
        ap[d + 5] = a[s5 + p];
        ap[d + 6] = a[s6 + p];
        ap[d + 7] = a[s7 + p];
      }
      return;
    }
    if (rows == 6 && MR == 6) {
      int s0 = aOff, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
      for (int p = 0, d = apOff; p < kc; p++, d += 6) {
        ap[d] = a[s0 + p];
        ap[d + 1] = a[s1 + p];
        ap[d + 2] = a[s2 + p];
        ap[d + 3] = a[s3 + p];
        ap[d + 4] = a[s4 + p];
        ap[d + 5] = a[s5 + p];
      }
      return;
    }
    for (int r = 0; r < rows; r++) {
      int src = aOff + r * lda, dst = apOff + r;
      for (int p = 0; p < kc; p++) ap[dst + p * MR] = a[src + p];
    }
    for (int r = rows; r < MR; r++) {
      for (int p = 0, dst = apOff + r; p < kc; p++) ap[dst + p * MR] = 0f;
    }
  }

  /**
   * {@code C[rows, w] (+)= A[rows, kc] B[kc, NR]}: A packed ({@link #packA}) in groups of MR rows, group {@code g} at
   * {@code ap[apOff + g * MR * kc]} (the last group zero-padded to MR rows), the packed B block at {@code b[bOff]}, C
   * row {@code r} at {@code c[cOff + r * ldc]}, only {@code w <= NR} columns written. Without {@code acc} the tile
   * starts from {@code bias[biasOff + j]} (nullable: zeros), so the first k block adds the bias for free;
   * the kernels store {@code min(max(x, lo), hi)} (a fused RELU or RELU6 for the last k block). Fusing both into the micro-kernel
   * saves a pass over C, which costs as much as the multiply-adds when k is small (a 3x3x1 conv: k = 9). Only the
   * MR-row kernel runs: a partial group or panel goes through the scratch tile (a rarely called smaller kernel would
   * stay in C1 long after warm-up, and C1 allocates every vector).
   */
  static void block(float[] ap, int apOff, int rows, float[] b, int bOff, int kc, boolean acc, float[] bias,
      int biasOff, float lo, float hi, float[] c, int cOff, int ldc, int w, Scratch s) {
    // initial C row r: from[fOff + r * fld] (the bias row repeats: fld = 0)
    float[] from = acc ? c : bias != null ? bias : ZEROS;
    int fOff = acc ? cOff : bias != null ? biasOff : 0;
    int fld = acc ? ldc : 0;
    int r = 0;
    if (w == NR) {
      for (; r + MR <= rows; r += MR) {
        kernel(ap, apOff + r * kc, b, bOff, kc, from, fOff + r * fld, fld, lo, hi, c, cOff + r * ldc, ldc);
      }
    }
    for (; r < rows; r += MR) {
      int rr = Math.min(MR, rows - r), o = cOff + r * ldc;
      float[] t = tileFrom(c, o, ldc, rr, w, acc, bias, biasOff, s);
      kernel(ap, apOff + r * kc, b, bOff, kc, t, 0, acc ? NR : 0, lo, hi, s.tile, 0, NR);
      tileStore(s.tile, rr, w, c, o, ldc);
    }
  }

  /**
   * {@link #block} with A read in place by {@link #direct6} ({@code rows} rows: A row {@code r} at
   * {@code a[base[r] + off + koff[k]]}, {@code base} readable up to the next multiple of {@link #DR}). Groups of DR
   * rows of whole panels are stored directly, the rest through the scratch tile.
   */
  static void blockDirect(float[] a, int[] base, int rows, int off, int[] koff, int k0, float[] b, int bOff, int kc,
      boolean acc, float[] bias, int biasOff, float lo, float hi, float[] c, int cOff, int ldc, int w, Scratch s) {
    int full = w == NR ? rows / DR * DR : 0;
    if (full > 0) {
      float[] from = acc ? c : bias != null ? bias : ZEROS;
      int fOff = acc ? cOff : bias != null ? biasOff : 0;
      direct6(a, base, 0, full, off, koff, k0, b, bOff, kc, from, fOff, acc ? ldc : 0, lo, hi, c, cOff, ldc);
    }
    for (int r = full; r < rows; r += DR) {
      int rr = Math.min(DR, rows - r), o = cOff + r * ldc;
      float[] from = tileFrom(c, o, ldc, rr, w, acc, bias, biasOff, s);
      direct6(a, base, r, r + DR, off, koff, k0, b, bOff, kc, from, 0, acc ? NR : 0, lo, hi, s.tile, 0, NR);
      tileStore(s.tile, rr, w, c, o, ldc);
    }
  }

  /**
   * Start values for a group computed into the scratch tile (a partial group or panel): the {@code rows x w} values of
   * C copied into the tile (then read with row stride NR), else the bias padded to NR (the kernels read NR), or zeros.
   */
  private static float[] tileFrom(float[] c, int cOff, int ldc, int rows, int w, boolean acc, float[] bias,
      int biasOff, Scratch s) {
    if (acc) {
      for (int r = 0; r < rows; r++) System.arraycopy(c, cOff + r * ldc, s.tile, r * NR, w);
      return s.tile;
    }
    if (bias == null) return ZEROS;
    System.arraycopy(bias, biasOff, s.bias, 0, w);
    java.util.Arrays.fill(s.bias, w, NR, 0f);
    return s.bias;
  }

  /** Copies the {@code rows x w} values kept from the scratch tile {@code t} to C. */
  private static void tileStore(float[] t, int rows, int w, float[] c, int cOff, int ldc) {
    for (int r = 0; r < rows; r++) System.arraycopy(t, r * NR, c, cOff + r * ldc, w);
  }

  /**
   * {@link #blockDirect} for {@code xs} consecutive output positions of one row of a stride-1 convolution whose
   * positions lie a constant {@code step} apart in the input: 1 for an input of one channel, {@link #BLOCK} for the
   * channel-blocked copy of {@code VConv.blockedRows}. Position {@code x}'s value at k is
   * {@code in[base + x * step + koff[k]]}: see {@link #directRow6} and {@link #directBlock6}. Whole groups of six go
   * straight to C. A last partial group is recomputed overlapping the one before it when the tile starts from the
   * bias (the overlap is written twice with the same values), else (and for partial panels or rows under six) it goes
   * through the scratch tile, reading up to five positions past the segment: the caller keeps those inside the array.
   */
  static void blockRow(float[] in, int base, int step, int xs, int[] koff, int k0, float[] b, int bOff, int kc,
      boolean acc, float[] bias, int biasOff, float lo, float hi, float[] c, int cOff, int ldc, int w, Scratch s) {
    int full = w == NR ? xs / DR : 0;
    if (full > 0) {
      float[] from = acc ? c : bias != null ? bias : ZEROS;
      int fOff = acc ? cOff : bias != null ? biasOff : 0;
      directRow(in, base, step, full, koff, k0, b, bOff, kc, from, fOff, acc ? ldc : 0, lo, hi, c, cOff, ldc);
    }
    if (!acc && full > 0 && full * DR < xs) { // the last partial group, overlapping the one before it
      directRow(in, base + (xs - DR) * step, step, 1, koff, k0, b, bOff, kc, bias != null ? bias : ZEROS,
          bias != null ? biasOff : 0, 0, lo, hi, c, cOff + (xs - DR) * ldc, ldc);
      return;
    }
    for (int r = full * DR; r < xs; r += DR) {
      int rr = Math.min(DR, xs - r), o = cOff + r * ldc;
      float[] from = tileFrom(c, o, ldc, rr, w, acc, bias, biasOff, s);
      directRow(in, base + r * step, step, 1, koff, k0, b, bOff, kc, from, 0, acc ? NR : 0, lo, hi, s.tile, 0, NR);
      tileStore(s.tile, rr, w, c, o, ldc);
    }
  }

  /** Channels per block of a channel-blocked input: a row's positions are this many floats apart. */
  static final int BLOCK = 8;

  /** {@link #directRow6} or {@link #directBlock6}, by the (constant) distance of consecutive positions. */
  private static void directRow(float[] in, int base, int step, int groups, int[] koff, int k0, float[] b, int bOff,
      int kc, float[] from, int fOff, int fld, float lo, float hi, float[] c, int cOff, int ldc) {
    if (step == 1) {
      directRow6(in, base, groups, koff, k0, b, bOff, kc, from, fOff, fld, lo, hi, c, cOff, ldc);
    } else if (step == BLOCK) {
      for (int g = 0; g < groups; g++) { // a loop in the kernel, around its k loop, costs it 8-10% (C2 on JDK 17)
        directBlock6(in, base + g * DR * BLOCK, koff, k0, b, bOff, kc, from, fOff + g * DR * fld, fld, lo, hi, c,
            cOff + g * DR * ldc, ldc);
      }
    } else {
      throw new IllegalArgumentException("Sgemm.blockRow: positions " + step + " floats apart");
    }
  }

  /**
   * The 6-row micro-kernel for six consecutive positions of an input row, {@code groups} groups six positions apart
   * (C row {@code r} of group {@code g} at {@code c[cOff + (6g + r) * ldc]}): at k, position {@code r} reads
   * {@code in[o + r]} with {@code o = base + 6g + koff[k0 + p]}. One index per k and constant offsets, whose bounds
   * checks C2 merges, where {@link #direct6} checks six indexes per k. (With more channels see
   * {@link #directBlock6}.)
   */
  static void directRow6(float[] in, int base, int groups, int[] koff, int k0, float[] b, int bOff, int kc,
      float[] from, int fOff, int fld, float lo, float hi, float[] c, int cOff, int ldc) {
    for (int g = 0; g < groups; g++) {
      int o0 = cOff + g * DR * ldc, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
      int f0 = fOff + g * DR * fld, f1 = f0 + fld, f2 = f1 + fld, f3 = f2 + fld, f4 = f3 + fld, f5 = f4 + fld;
      FloatVector c00 = FloatVector.fromArray(S, from, f0), c01 = FloatVector.fromArray(S, from, f0 + VL);
      FloatVector c10 = FloatVector.fromArray(S, from, f1), c11 = FloatVector.fromArray(S, from, f1 + VL);
      FloatVector c20 = FloatVector.fromArray(S, from, f2), c21 = FloatVector.fromArray(S, from, f2 + VL);
      FloatVector c30 = FloatVector.fromArray(S, from, f3), c31 = FloatVector.fromArray(S, from, f3 + VL);
      FloatVector c40 = FloatVector.fromArray(S, from, f4), c41 = FloatVector.fromArray(S, from, f4 + VL);
      FloatVector c50 = FloatVector.fromArray(S, from, f5), c51 = FloatVector.fromArray(S, from, f5 + VL);
      int a = base + g * DR;
      for (int p = 0; p < kc; p++) {
        int bi = bOff + p * NR;
        int o = a + koff[k0 + p];
        FloatVector b0 = FloatVector.fromArray(S, b, bi);
        FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
        FloatVector x = FloatVector.broadcast(S, in[o]);
        c00 = x.fma(b0, c00);
        c01 = x.fma(b1, c01);
        x = FloatVector.broadcast(S, in[o + 1]);
        c10 = x.fma(b0, c10);
        c11 = x.fma(b1, c11);
        x = FloatVector.broadcast(S, in[o + 2]);
        c20 = x.fma(b0, c20);
        c21 = x.fma(b1, c21);
        x = FloatVector.broadcast(S, in[o + 3]);
        c30 = x.fma(b0, c30);
        c31 = x.fma(b1, c31);
        x = FloatVector.broadcast(S, in[o + 4]);
        c40 = x.fma(b0, c40);
        c41 = x.fma(b1, c41);
        x = FloatVector.broadcast(S, in[o + 5]);
        c50 = x.fma(b0, c50);
        c51 = x.fma(b1, c51);
      }
      c00 = c00.blend(lo, c00.compare(LE, lo));
      c00.blend(hi, c00.compare(GE, hi)).intoArray(c, o0);
      c01 = c01.blend(lo, c01.compare(LE, lo));
      c01.blend(hi, c01.compare(GE, hi)).intoArray(c, o0 + VL);
      c10 = c10.blend(lo, c10.compare(LE, lo));
      c10.blend(hi, c10.compare(GE, hi)).intoArray(c, o1);
      c11 = c11.blend(lo, c11.compare(LE, lo));
      c11.blend(hi, c11.compare(GE, hi)).intoArray(c, o1 + VL);
      c20 = c20.blend(lo, c20.compare(LE, lo));
      c20.blend(hi, c20.compare(GE, hi)).intoArray(c, o2);
      c21 = c21.blend(lo, c21.compare(LE, lo));
      c21.blend(hi, c21.compare(GE, hi)).intoArray(c, o2 + VL);
      c30 = c30.blend(lo, c30.compare(LE, lo));
      c30.blend(hi, c30.compare(GE, hi)).intoArray(c, o3);
      c31 = c31.blend(lo, c31.compare(LE, lo));
      c31.blend(hi, c31.compare(GE, hi)).intoArray(c, o3 + VL);
      c40 = c40.blend(lo, c40.compare(LE, lo));
      c40.blend(hi, c40.compare(GE, hi)).intoArray(c, o4);
      c41 = c41.blend(lo, c41.compare(LE, lo));
      c41.blend(hi, c41.compare(GE, hi)).intoArray(c, o4 + VL);
      c50 = c50.blend(lo, c50.compare(LE, lo));
      c50.blend(hi, c50.compare(GE, hi)).intoArray(c, o5);
      c51 = c51.blend(lo, c51.compare(LE, lo));
      c51.blend(hi, c51.compare(GE, hi)).intoArray(c, o5 + VL);
    }
  }
  /**
   * A convolution of one input channel at the four positions of a 2x2 pooling window, reduced in registers: the
   * maximum over the positions {@code (0, 0), (0, 1), (1, 0), (1, 1)} of one panel's {@code NR} channels, each
   * accumulated from {@code bias} over k as {@link #directRow6} does (position {@code (dy, dx)} reads
   * {@code in[base + dy * w + dx + koff[p]]}), then {@code lo} (RELU: 0) as a floor, stored at {@code out[o]}; and
   * so for {@code pixels} windows along the row ({@code base} 2 further, {@code o} {@code outStride} further each).
   * The same values as convolving, storing and pooling, bit for bit, without storing the convolution: for the first
   * layer of an image CNN, whose 3x3 taps leave too few multiply-adds per tile to hide its stores. The loop over the
   * row's windows is here, not in the caller: at k = 9 a call per window costs too much.
   */
  static void directPool2x2(float[] in, int base, int w, int[] koff, int kc, float[] b, int bOff, float[] bias,
      int biasOff, float lo, float[] out, int o, int pixels, int outStride) {
    for (int px = 0; px < pixels; px++, base += 2, o += outStride) {
      FloatVector c00 = FloatVector.fromArray(S, bias, biasOff), c01 = FloatVector.fromArray(S, bias, biasOff + VL);
      FloatVector c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
      for (int p = 0; p < kc; p++) {
        int bi = bOff + p * NR;
        int t = base + koff[p], u = t + w;
        FloatVector b0 = FloatVector.fromArray(S, b, bi);
        FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
        FloatVector x = FloatVector.broadcast(S, in[t]);
        c00 = x.fma(b0, c00);
        c01 = x.fma(b1, c01);
        x = FloatVector.broadcast(S, in[t + 1]);
        c10 = x.fma(b0, c10);
        c11 = x.fma(b1, c11);
        x = FloatVector.broadcast(S, in[u]);
        c20 = x.fma(b0, c20);
        c21 = x.fma(b1, c21);
        x = FloatVector.broadcast(S, in[u + 1]);
        c30 = x.fma(b0, c30);
        c31 = x.fma(b1, c31);
      }
      FloatVector m0 = c00.lanewise(MAX, c10).lanewise(MAX, c20.lanewise(MAX, c30));
      FloatVector m1 = c01.lanewise(MAX, c11).lanewise(MAX, c21.lanewise(MAX, c31));
      m0.blend(lo, m0.compare(LE, lo)).intoArray(out, o);
      m1.blend(lo, m1.compare(LE, lo)).intoArray(out, o + VL);
    }
  }

  /**
   * {@link #directPool2x2} for a 3x3 window ({@code kc} = 9, taps {@code ky * 3 + kx} at {@code in[base + ky * w + kx]}
   * for position (0, 0)), its tap loop unrolled along kx: each row pair of the window's 4x4 input patch is loaded once
   * per ky as eight scalars at constant offsets (24 loads for the window, where the tap list needs 36 and nine offset
   * reads), and the taps run in the same order, so the sums are the same, bit for bit.
   */
  static void directPool2x2k3(float[] in, int base, int w, float[] b, int bOff, float[] bias, int biasOff, float lo,
      float[] out, int o, int pixels, int outStride) {
    for (int px = 0; px < pixels; px++, base += 2, o += outStride) {
      FloatVector c00 = FloatVector.fromArray(S, bias, biasOff), c01 = FloatVector.fromArray(S, bias, biasOff + VL);
      FloatVector c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
      for (int ky = 0, t = base, bi = bOff; ky < 3; ky++, t += w, bi += 3 * NR) {
        int u = t + w;
        float t0 = in[t], t1 = in[t + 1], t2 = in[t + 2], t3 = in[t + 3];
        float u0 = in[u], u1 = in[u + 1], u2 = in[u + 2], u3 = in[u + 3];
        FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + VL);
        FloatVector x = FloatVector.broadcast(S, t0);
        c00 = x.fma(b0, c00);
        c01 = x.fma(b1, c01);
        x = FloatVector.broadcast(S, t1);
        c10 = x.fma(b0, c10);
        c11 = x.fma(b1, c11);
        x = FloatVector.broadcast(S, u0);
        c20 = x.fma(b0, c20);
        c21 = x.fma(b1, c21);
        x = FloatVector.broadcast(S, u1);
        c30 = x.fma(b0, c30);
        c31 = x.fma(b1, c31);
        b0 = FloatVector.fromArray(S, b, bi + NR);
        b1 = FloatVector.fromArray(S, b, bi + NR + VL);
        x = FloatVector.broadcast(S, t1);
        c00 = x.fma(b0, c00);
        c01 = x.fma(b1, c01);
        x = FloatVector.broadcast(S, t2);
        c10 = x.fma(b0, c10);
        c11 = x.fma(b1, c11);
        x = FloatVector.broadcast(S, u1);
        c20 = x.fma(b0, c20);
        c21 = x.fma(b1, c21);
        x = FloatVector.broadcast(S, u2);
        c30 = x.fma(b0, c30);
        c31 = x.fma(b1, c31);
        b0 = FloatVector.fromArray(S, b, bi + 2 * NR);
        b1 = FloatVector.fromArray(S, b, bi + 2 * NR + VL);
        x = FloatVector.broadcast(S, t2);
        c00 = x.fma(b0, c00);
        c01 = x.fma(b1, c01);
        x = FloatVector.broadcast(S, t3);
        c10 = x.fma(b0, c10);
        c11 = x.fma(b1, c11);
        x = FloatVector.broadcast(S, u2);
        c20 = x.fma(b0, c20);
        c21 = x.fma(b1, c21);
        x = FloatVector.broadcast(S, u3);
        c30 = x.fma(b0, c30);
        c31 = x.fma(b1, c31);
      }
      FloatVector m0 = c00.lanewise(MAX, c10).lanewise(MAX, c20.lanewise(MAX, c30));
      FloatVector m1 = c01.lanewise(MAX, c11).lanewise(MAX, c21.lanewise(MAX, c31));
      m0.blend(lo, m0.compare(LE, lo)).intoArray(out, o);
      m1.blend(lo, m1.compare(LE, lo)).intoArray(out, o + VL);
    }
  }

  /**
   * {@link #directRow6} for positions {@link #BLOCK} floats apart (a channel-blocked input): six positions read
   * {@code in[o]}, {@code in[o + 8]}, .., {@code in[o + 40]} at k. Constant offsets, so C2 merges their bounds
   * checks, which it does not for {@link #direct6}'s six indexes per k nor for loop-invariant, non-constant offsets.
   */
  static void directBlock6(float[] in, int base, int[] koff, int k0, float[] b, int bOff, int kc, float[] from,
      int fOff, int fld, float lo, float hi, float[] c, int cOff, int ldc) {
    int o0 = cOff, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
    int f0 = fOff, f1 = f0 + fld, f2 = f1 + fld, f3 = f2 + fld, f4 = f3 + fld, f5 = f4 + fld;
    FloatVector c00 = FloatVector.fromArray(S, from, f0), c01 = FloatVector.fromArray(S, from, f0 + VL);
    FloatVector c10 = FloatVector.fromArray(S, from, f1), c11 = FloatVector.fromArray(S, from, f1 + VL);
    FloatVector c20 = FloatVector.fromArray(S, from, f2), c21 = FloatVector.fromArray(S, from, f2 + VL);
    FloatVector c30 = FloatVector.fromArray(S, from, f3), c31 = FloatVector.fromArray(S, from, f3 + VL);
    FloatVector c40 = FloatVector.fromArray(S, from, f4), c41 = FloatVector.fromArray(S, from, f4 + VL);
    FloatVector c50 = FloatVector.fromArray(S, from, f5), c51 = FloatVector.fromArray(S, from, f5 + VL);
    for (int p = 0; p < kc; p++) {
      int bi = bOff + p * NR;
      int o = base + koff[k0 + p];
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, in[o]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, in[o + 8]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, in[o + 16]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, in[o + 24]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, in[o + 32]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, in[o + 40]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00 = c00.blend(lo, c00.compare(LE, lo));
    c00.blend(hi, c00.compare(GE, hi)).intoArray(c, o0);
    c01 = c01.blend(lo, c01.compare(LE, lo));
    c01.blend(hi, c01.compare(GE, hi)).intoArray(c, o0 + VL);
    c10 = c10.blend(lo, c10.compare(LE, lo));
    c10.blend(hi, c10.compare(GE, hi)).intoArray(c, o1);
    c11 = c11.blend(lo, c11.compare(LE, lo));
    c11.blend(hi, c11.compare(GE, hi)).intoArray(c, o1 + VL);
    c20 = c20.blend(lo, c20.compare(LE, lo));
    c20.blend(hi, c20.compare(GE, hi)).intoArray(c, o2);
    c21 = c21.blend(lo, c21.compare(LE, lo));
    c21.blend(hi, c21.compare(GE, hi)).intoArray(c, o2 + VL);
    c30 = c30.blend(lo, c30.compare(LE, lo));
    c30.blend(hi, c30.compare(GE, hi)).intoArray(c, o3);
    c31 = c31.blend(lo, c31.compare(LE, lo));
    c31.blend(hi, c31.compare(GE, hi)).intoArray(c, o3 + VL);
    c40 = c40.blend(lo, c40.compare(LE, lo));
    c40.blend(hi, c40.compare(GE, hi)).intoArray(c, o4);
    c41 = c41.blend(lo, c41.compare(LE, lo));
    c41.blend(hi, c41.compare(GE, hi)).intoArray(c, o4 + VL);
    c50 = c50.blend(lo, c50.compare(LE, lo));
    c50.blend(hi, c50.compare(GE, hi)).intoArray(c, o5);
    c51 = c51.blend(lo, c51.compare(LE, lo));
    c51.blend(hi, c51.compare(GE, hi)).intoArray(c, o5 + VL);
  }

  /**
   * The 6-row micro-kernel with A read through offsets ({@link #blockDirect}): rows {@code r0 <= r < r1} (a
   * multiple of 6 apart; C row {@code r - r0} at {@code c[cOff + (r - r0) * ldc]}) have value
   * {@code in[base[r] + off + koff[k0 + p]]} at k. Looping over the row groups here rather than in the caller saves a
   * call per group, which counts when k is 9. Nothing is packed: a convolution reads its input (A) in place, a GEMM
   * with few panels its A rows (with {@code koff[p] = p}); the price is an index load per k and bounds checks C2
   * cannot hoist. Faster than packing A and running {@link #kernel6} where few panels reuse A (the pack, a strided
   * scalar copy, costs about as much per value as the multiply-adds of a panel), and, strangely, faster than the same
   * loop reading {@code a[rowStart + p]} directly (C2's code for that is slow).
   */
  static void direct6(float[] in, int[] base, int r0, int r1, int off, int[] koff, int k0, float[] b, int bOff,
      int kc, float[] from, int fOff, int fld, float lo, float hi, float[] c, int cOff, int ldc) {
    for (int r = r0; r < r1; r += DR) {
      int o0 = cOff + (r - r0) * ldc, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
      int f0 = fOff + (r - r0) * fld, f1 = f0 + fld, f2 = f1 + fld, f3 = f2 + fld, f4 = f3 + fld, f5 = f4 + fld;
      FloatVector c00 = FloatVector.fromArray(S, from, f0), c01 = FloatVector.fromArray(S, from, f0 + VL);
      FloatVector c10 = FloatVector.fromArray(S, from, f1), c11 = FloatVector.fromArray(S, from, f1 + VL);
      FloatVector c20 = FloatVector.fromArray(S, from, f2), c21 = FloatVector.fromArray(S, from, f2 + VL);
      FloatVector c30 = FloatVector.fromArray(S, from, f3), c31 = FloatVector.fromArray(S, from, f3 + VL);
      FloatVector c40 = FloatVector.fromArray(S, from, f4), c41 = FloatVector.fromArray(S, from, f4 + VL);
      FloatVector c50 = FloatVector.fromArray(S, from, f5), c51 = FloatVector.fromArray(S, from, f5 + VL);
      int a0 = base[r] + off, a1 = base[r + 1] + off, a2 = base[r + 2] + off, a3 = base[r + 3] + off,
          a4 = base[r + 4] + off, a5 = base[r + 5] + off;
      for (int p = 0; p < kc; p++) {
        int bi = bOff + p * NR;
        int o = koff[k0 + p];
        FloatVector b0 = FloatVector.fromArray(S, b, bi);
        FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
        FloatVector x = FloatVector.broadcast(S, in[a0 + o]);
        c00 = x.fma(b0, c00);
        c01 = x.fma(b1, c01);
        x = FloatVector.broadcast(S, in[a1 + o]);
        c10 = x.fma(b0, c10);
        c11 = x.fma(b1, c11);
        x = FloatVector.broadcast(S, in[a2 + o]);
        c20 = x.fma(b0, c20);
        c21 = x.fma(b1, c21);
        x = FloatVector.broadcast(S, in[a3 + o]);
        c30 = x.fma(b0, c30);
        c31 = x.fma(b1, c31);
        x = FloatVector.broadcast(S, in[a4 + o]);
        c40 = x.fma(b0, c40);
        c41 = x.fma(b1, c41);
        x = FloatVector.broadcast(S, in[a5 + o]);
        c50 = x.fma(b0, c50);
        c51 = x.fma(b1, c51);
      }
      c00 = c00.blend(lo, c00.compare(LE, lo));
      c00.blend(hi, c00.compare(GE, hi)).intoArray(c, o0);
      c01 = c01.blend(lo, c01.compare(LE, lo));
      c01.blend(hi, c01.compare(GE, hi)).intoArray(c, o0 + VL);
      c10 = c10.blend(lo, c10.compare(LE, lo));
      c10.blend(hi, c10.compare(GE, hi)).intoArray(c, o1);
      c11 = c11.blend(lo, c11.compare(LE, lo));
      c11.blend(hi, c11.compare(GE, hi)).intoArray(c, o1 + VL);
      c20 = c20.blend(lo, c20.compare(LE, lo));
      c20.blend(hi, c20.compare(GE, hi)).intoArray(c, o2);
      c21 = c21.blend(lo, c21.compare(LE, lo));
      c21.blend(hi, c21.compare(GE, hi)).intoArray(c, o2 + VL);
      c30 = c30.blend(lo, c30.compare(LE, lo));
      c30.blend(hi, c30.compare(GE, hi)).intoArray(c, o3);
      c31 = c31.blend(lo, c31.compare(LE, lo));
      c31.blend(hi, c31.compare(GE, hi)).intoArray(c, o3 + VL);
      c40 = c40.blend(lo, c40.compare(LE, lo));
      c40.blend(hi, c40.compare(GE, hi)).intoArray(c, o4);
      c41 = c41.blend(lo, c41.compare(LE, lo));
      c41.blend(hi, c41.compare(GE, hi)).intoArray(c, o4 + VL);
      c50 = c50.blend(lo, c50.compare(LE, lo));
      c50.blend(hi, c50.compare(GE, hi)).intoArray(c, o5);
      c51 = c51.blend(lo, c51.compare(LE, lo));
      c51.blend(hi, c51.compare(GE, hi)).intoArray(c, o5 + VL);
    }
  }

  /**
   * Whether {@link #block} does all the epilogue itself: no residual, and LINEAR, RELU or RELU6 ({@link #lo},
   * {@link #hi}). Otherwise
   * {@link #epilogue} adds the residual and applies {@code act} after the last k block.
   */
  static boolean fusesAct(Activation act, float[] residual) {
    return residual == null && (act == Activation.LINEAR || act == Activation.RELU || act == Activation.RELU6);
  }

  // ---- micro-kernels -----------------------------------------------------------------------------------

  /**
   * Zeros to start accumulators from. The kernels choose their start by a ternary over arrays, not over vectors (a
   * vector phi can defeat C2's unboxing).
   */
  static final float[] ZEROS = new float[NR];

  /**
   * The kernels store {@code max(x, lo)}: {@code lo} = 0 is a fused RELU, {@code -infinity} changes nothing. A branch
   * between two stores made C2 box the accumulators. Written as {@code x <= lo ? lo : x} (a compare and a blend), which
   * is {@code Math.max} for these two bounds (NaN stays, -0 becomes 0) and cheaper than the vector max, which has to
   * order NaN and signed zeros for any operands.
   */
  static final float NO_RELU = Float.NEGATIVE_INFINITY;

  /**
   * The kernels then store {@code min(.., hi)}: {@code hi} = 6 is the upper half of a fused RELU6, {@code +infinity}
   * changes nothing ({@code x >= hi ? hi : x}, NaN stays).
   */
  static final float NO_CLAMP = Float.POSITIVE_INFINITY;

  /** The {@code lo} the kernels store for a fused activation ({@link #fusesAct}): 0 for RELU and RELU6. */
  static float lo(Activation act) {
    return act == Activation.RELU || act == Activation.RELU6 ? 0f : NO_RELU;
  }

  /** The {@code hi} the kernels store for a fused activation: 6 for RELU6. */
  static float hi(Activation act) {
    return act == Activation.RELU6 ? 6f : NO_CLAMP;
  }

  /** The MR-row micro-kernel on packed A ({@link #block}). */
  private static void kernel(float[] a, int aOff, float[] b, int bOff, int kc, float[] from, int fOff, int fld,
      float lo, float hi, float[] c, int cOff, int ldc) {
    if (MR == 8) {
      kernel8(a, aOff, b, bOff, kc, from, fOff, fld, lo, hi, c, cOff, ldc);
    } else {
      kernel6(a, aOff, b, bOff, kc, from, fOff, fld, lo, hi, c, cOff, ldc);
    }
  }

  /** The 8-row micro-kernel: A packed, value (p, r) at {@code a[aOff + p * 8 + r]}; see {@link #block}. */
  static void kernel8(float[] a, int aOff, float[] b, int bOff, int kc, float[] from, int fOff, int fld,
      float lo, float hi, float[] c, int cOff, int ldc) {
    int o0 = cOff, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc, o6 = o5 + ldc,
        o7 = o6 + ldc;
    int f0 = fOff, f1 = f0 + fld, f2 = f1 + fld, f3 = f2 + fld, f4 = f3 + fld, f5 = f4 + fld, f6 = f5 + fld,
        f7 = f6 + fld;
    FloatVector c00 = FloatVector.fromArray(S, from, f0), c01 = FloatVector.fromArray(S, from, f0 + VL);
    FloatVector c10 = FloatVector.fromArray(S, from, f1), c11 = FloatVector.fromArray(S, from, f1 + VL);
    FloatVector c20 = FloatVector.fromArray(S, from, f2), c21 = FloatVector.fromArray(S, from, f2 + VL);
    FloatVector c30 = FloatVector.fromArray(S, from, f3), c31 = FloatVector.fromArray(S, from, f3 + VL);
    FloatVector c40 = FloatVector.fromArray(S, from, f4), c41 = FloatVector.fromArray(S, from, f4 + VL);
    FloatVector c50 = FloatVector.fromArray(S, from, f5), c51 = FloatVector.fromArray(S, from, f5 + VL);
    FloatVector c60 = FloatVector.fromArray(S, from, f6), c61 = FloatVector.fromArray(S, from, f6 + VL);
    FloatVector c70 = FloatVector.fromArray(S, from, f7), c71 = FloatVector.fromArray(S, from, f7 + VL);
    for (int ai = aOff, aEnd = aOff + 8 * kc, bi = bOff; ai < aEnd; ai += 8, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[ai + 6]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[ai + 7]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00 = c00.blend(lo, c00.compare(LE, lo));
    c00.blend(hi, c00.compare(GE, hi)).intoArray(c, o0);
    c01 = c01.blend(lo, c01.compare(LE, lo));
    c01.blend(hi, c01.compare(GE, hi)).intoArray(c, o0 + VL);
    c10 = c10.blend(lo, c10.compare(LE, lo));
    c10.blend(hi, c10.compare(GE, hi)).intoArray(c, o1);
    c11 = c11.blend(lo, c11.compare(LE, lo));
    c11.blend(hi, c11.compare(GE, hi)).intoArray(c, o1 + VL);
    c20 = c20.blend(lo, c20.compare(LE, lo));
    c20.blend(hi, c20.compare(GE, hi)).intoArray(c, o2);
    c21 = c21.blend(lo, c21.compare(LE, lo));
    c21.blend(hi, c21.compare(GE, hi)).intoArray(c, o2 + VL);
    c30 = c30.blend(lo, c30.compare(LE, lo));
    c30.blend(hi, c30.compare(GE, hi)).intoArray(c, o3);
    c31 = c31.blend(lo, c31.compare(LE, lo));
    c31.blend(hi, c31.compare(GE, hi)).intoArray(c, o3 + VL);
    c40 = c40.blend(lo, c40.compare(LE, lo));
    c40.blend(hi, c40.compare(GE, hi)).intoArray(c, o4);
    c41 = c41.blend(lo, c41.compare(LE, lo));
    c41.blend(hi, c41.compare(GE, hi)).intoArray(c, o4 + VL);
    c50 = c50.blend(lo, c50.compare(LE, lo));
    c50.blend(hi, c50.compare(GE, hi)).intoArray(c, o5);
    c51 = c51.blend(lo, c51.compare(LE, lo));
    c51.blend(hi, c51.compare(GE, hi)).intoArray(c, o5 + VL);
    c60 = c60.blend(lo, c60.compare(LE, lo));
    c60.blend(hi, c60.compare(GE, hi)).intoArray(c, o6);
    c61 = c61.blend(lo, c61.compare(LE, lo));
    c61.blend(hi, c61.compare(GE, hi)).intoArray(c, o6 + VL);
    c70 = c70.blend(lo, c70.compare(LE, lo));
    c70.blend(hi, c70.compare(GE, hi)).intoArray(c, o7);
    c71 = c71.blend(lo, c71.compare(LE, lo));
    c71.blend(hi, c71.compare(GE, hi)).intoArray(c, o7 + VL);
  }

  /**
   * The 6-row micro-kernel: A packed, value (p, r) at {@code a[aOff + p * 6 + r]}; see {@link #block}. The loop
   * counts A's index itself: C2 hoists the bounds checks of {@code a[ai]} .. {@code a[ai + 5]} out of the loop only
   * when the index is the loop variable plus constants ({@code aOff + p * 6} becomes two shifts and an add, which it
   * does not recognise, and the loop kept two compare-and-branch pairs and the index arithmetic per k).
   */
  static void kernel6(float[] a, int aOff, float[] b, int bOff, int kc, float[] from, int fOff, int fld,
      float lo, float hi, float[] c, int cOff, int ldc) {
    int o0 = cOff, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
    int f0 = fOff, f1 = f0 + fld, f2 = f1 + fld, f3 = f2 + fld, f4 = f3 + fld, f5 = f4 + fld;
    FloatVector c00 = FloatVector.fromArray(S, from, f0), c01 = FloatVector.fromArray(S, from, f0 + VL);
    FloatVector c10 = FloatVector.fromArray(S, from, f1), c11 = FloatVector.fromArray(S, from, f1 + VL);
    FloatVector c20 = FloatVector.fromArray(S, from, f2), c21 = FloatVector.fromArray(S, from, f2 + VL);
    FloatVector c30 = FloatVector.fromArray(S, from, f3), c31 = FloatVector.fromArray(S, from, f3 + VL);
    FloatVector c40 = FloatVector.fromArray(S, from, f4), c41 = FloatVector.fromArray(S, from, f4 + VL);
    FloatVector c50 = FloatVector.fromArray(S, from, f5), c51 = FloatVector.fromArray(S, from, f5 + VL);
    for (int ai = aOff, aEnd = aOff + 6 * kc, bi = bOff; ai < aEnd; ai += 6, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ai + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ai + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ai + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ai + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ai + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00 = c00.blend(lo, c00.compare(LE, lo));
    c00.blend(hi, c00.compare(GE, hi)).intoArray(c, o0);
    c01 = c01.blend(lo, c01.compare(LE, lo));
    c01.blend(hi, c01.compare(GE, hi)).intoArray(c, o0 + VL);
    c10 = c10.blend(lo, c10.compare(LE, lo));
    c10.blend(hi, c10.compare(GE, hi)).intoArray(c, o1);
    c11 = c11.blend(lo, c11.compare(LE, lo));
    c11.blend(hi, c11.compare(GE, hi)).intoArray(c, o1 + VL);
    c20 = c20.blend(lo, c20.compare(LE, lo));
    c20.blend(hi, c20.compare(GE, hi)).intoArray(c, o2);
    c21 = c21.blend(lo, c21.compare(LE, lo));
    c21.blend(hi, c21.compare(GE, hi)).intoArray(c, o2 + VL);
    c30 = c30.blend(lo, c30.compare(LE, lo));
    c30.blend(hi, c30.compare(GE, hi)).intoArray(c, o3);
    c31 = c31.blend(lo, c31.compare(LE, lo));
    c31.blend(hi, c31.compare(GE, hi)).intoArray(c, o3 + VL);
    c40 = c40.blend(lo, c40.compare(LE, lo));
    c40.blend(hi, c40.compare(GE, hi)).intoArray(c, o4);
    c41 = c41.blend(lo, c41.compare(LE, lo));
    c41.blend(hi, c41.compare(GE, hi)).intoArray(c, o4 + VL);
    c50 = c50.blend(lo, c50.compare(LE, lo));
    c50.blend(hi, c50.compare(GE, hi)).intoArray(c, o5);
    c51 = c51.blend(lo, c51.compare(LE, lo));
    c51.blend(hi, c51.compare(GE, hi)).intoArray(c, o5 + VL);
  }

  /**
   * {@code c[cOff + j] = sum_p a[aOff + p] B[p, j]} for {@code j < w} of one panel at {@code b[bOff]} (all k rows), in
   * calls of {@code chunk} k values (all of k, or a multiple of 4: {@link #kChunk}), the eight accumulators carried
   * in {@code tile} from one to the next.
   */
  static void gemv(float[] a, int aOff, int k, int chunk, float[] b, int bOff, float[] c, int cOff, int w,
      float[] tile) {
    for (int p0 = 0; p0 < k || p0 == 0; p0 += chunk) {
      int p1 = Math.min(k, p0 + chunk);
      gemvRange(a, aOff, p0, p1, b, bOff, p0 > 0 ? tile : GEMV_ZEROS, p1 == k, c, cOff, w, tile);
    }
  }

  /** Zeros for {@link #gemvRange}'s eight accumulators. */
  private static final float[] GEMV_ZEROS = new float[8 * VL];

  /**
   * Rows {@code p0 <= p < p1} of {@link #gemv}: eight accumulators started from {@code from}, k unrolled by four, the
   * panel read front to back; then, if {@code last}, the accumulators summed into C, else kept in {@code tile}.
   */
  private static void gemvRange(float[] a, int aOff, int p0, int p1, float[] b, int bOff, float[] from, boolean last,
      float[] c, int cOff, int w, float[] tile) {
    FloatVector c0 = FloatVector.fromArray(S, from, 0), c1 = FloatVector.fromArray(S, from, VL);
    FloatVector d0 = FloatVector.fromArray(S, from, 2 * VL), d1 = FloatVector.fromArray(S, from, 3 * VL);
    FloatVector e0 = FloatVector.fromArray(S, from, 4 * VL), e1 = FloatVector.fromArray(S, from, 5 * VL);
    FloatVector f0 = FloatVector.fromArray(S, from, 6 * VL), f1 = FloatVector.fromArray(S, from, 7 * VL);
    int p = p0;
    for (; p + 4 <= p1; p += 4) {
      int bi = bOff + p * NR;
      int ai = aOff + p;
      FloatVector x = FloatVector.broadcast(S, a[ai]);
      c0 = x.fma(FloatVector.fromArray(S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(S, b, bi + VL), c1);
      x = FloatVector.broadcast(S, a[ai + 1]);
      d0 = x.fma(FloatVector.fromArray(S, b, bi + NR), d0);
      d1 = x.fma(FloatVector.fromArray(S, b, bi + NR + VL), d1);
      x = FloatVector.broadcast(S, a[ai + 2]);
      e0 = x.fma(FloatVector.fromArray(S, b, bi + 2 * NR), e0);
      e1 = x.fma(FloatVector.fromArray(S, b, bi + 2 * NR + VL), e1);
      x = FloatVector.broadcast(S, a[ai + 3]);
      f0 = x.fma(FloatVector.fromArray(S, b, bi + 3 * NR), f0);
      f1 = x.fma(FloatVector.fromArray(S, b, bi + 3 * NR + VL), f1);
    }
    for (; p < p1; p++) { // only in the last range: the others are multiples of 4 long
      int bi = bOff + p * NR;
      FloatVector x = FloatVector.broadcast(S, a[aOff + p]);
      c0 = x.fma(FloatVector.fromArray(S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(S, b, bi + VL), c1);
    }
    if (!last) {
      c0.intoArray(tile, 0);
      c1.intoArray(tile, VL);
      d0.intoArray(tile, 2 * VL);
      d1.intoArray(tile, 3 * VL);
      e0.intoArray(tile, 4 * VL);
      e1.intoArray(tile, 5 * VL);
      f0.intoArray(tile, 6 * VL);
      f1.intoArray(tile, 7 * VL);
      return;
    }
    // lanewise from here, not add(..): see Winograd on JVM-wide profiles
    c0 = c0.lanewise(ADD, d0).lanewise(ADD, e0.lanewise(ADD, f0));
    c1 = c1.lanewise(ADD, d1).lanewise(ADD, e1.lanewise(ADD, f1));
    if (w == NR) {
      c0.intoArray(c, cOff);
      c1.intoArray(c, cOff + VL);
    } else {
      c0.intoArray(tile, 0);
      c1.intoArray(tile, VL);
      System.arraycopy(tile, 0, c, cOff, w);
    }
  }

  /**
   * GEMV as dot products, {@code c[j] = sum_p a[aOff + p] Bt[j, p]} for {@code j0 <= j < j1}, {@code Bt} row {@code j} at
   * {@code bt[tOff + j * k]}: eight columns at a time, one A vector load shared by eight B vector loads and eight FMA
   * chains (1.125 loads per FMA, against 1.5 for the panel GEMV's loads and broadcasts), lanes summed at the end.
   * {@code j1 - j0} must be a multiple of 8.
   */
  static void dotColumns(float[] a, int aOff, int k, float[] bt, int tOff, int j0, int j1, float[] c, int cOff) {
    int kv = S.loopBound(k);
    int j = j0;
    for (; j + 8 <= j1; j += 8) {
      FloatVector s0 = FloatVector.fromArray(S, ZEROS, 0), s1 = FloatVector.fromArray(S, ZEROS, 0);
      FloatVector s2 = FloatVector.fromArray(S, ZEROS, 0), s3 = FloatVector.fromArray(S, ZEROS, 0);
      FloatVector s4 = FloatVector.fromArray(S, ZEROS, 0), s5 = FloatVector.fromArray(S, ZEROS, 0);
      FloatVector s6 = FloatVector.fromArray(S, ZEROS, 0), s7 = FloatVector.fromArray(S, ZEROS, 0);
      int r0 = tOff + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k, r4 = r3 + k, r5 = r4 + k, r6 = r5 + k, r7 = r6 + k;
      for (int p = 0; p < kv; p += VL) {
        FloatVector av = FloatVector.fromArray(S, a, aOff + p);
        s0 = av.fma(FloatVector.fromArray(S, bt, r0 + p), s0);
        s1 = av.fma(FloatVector.fromArray(S, bt, r1 + p), s1);
        s2 = av.fma(FloatVector.fromArray(S, bt, r2 + p), s2);
        s3 = av.fma(FloatVector.fromArray(S, bt, r3 + p), s3);
        s4 = av.fma(FloatVector.fromArray(S, bt, r4 + p), s4);
        s5 = av.fma(FloatVector.fromArray(S, bt, r5 + p), s5);
        s6 = av.fma(FloatVector.fromArray(S, bt, r6 + p), s6);
        s7 = av.fma(FloatVector.fromArray(S, bt, r7 + p), s7);
      }
      float t0 = s0.reduceLanes(VectorOperators.ADD), t1 = s1.reduceLanes(VectorOperators.ADD);
      float t2 = s2.reduceLanes(VectorOperators.ADD), t3 = s3.reduceLanes(VectorOperators.ADD);
      float t4 = s4.reduceLanes(VectorOperators.ADD), t5 = s5.reduceLanes(VectorOperators.ADD);
      float t6 = s6.reduceLanes(VectorOperators.ADD), t7 = s7.reduceLanes(VectorOperators.ADD);
      for (int p = kv; p < k; p++) {
        float x = a[aOff + p];
        t0 = Math.fma(x, bt[r0 + p], t0);
        t1 = Math.fma(x, bt[r1 + p], t1);
        t2 = Math.fma(x, bt[r2 + p], t2);
        t3 = Math.fma(x, bt[r3 + p], t3);
        t4 = Math.fma(x, bt[r4 + p], t4);
        t5 = Math.fma(x, bt[r5 + p], t5);
        t6 = Math.fma(x, bt[r6 + p], t6);
        t7 = Math.fma(x, bt[r7 + p], t7);
      }
      c[cOff + j] = t0;
      c[cOff + j + 1] = t1;
      c[cOff + j + 2] = t2;
      c[cOff + j + 3] = t3;
      c[cOff + j + 4] = t4;
      c[cOff + j + 5] = t5;
      c[cOff + j + 6] = t6;
      c[cOff + j + 7] = t7;
    }
  }

  // ---- epilogue ----------------------------------------------------------------------------------------

  /**
   * In place on {@code rows} rows of {@code w} values at {@code c[off + r * ldc]}: adds {@code bias[biasOff + j]} and
   * {@code residual[off + r * ldc + j]} (either nullable), then applies {@code act} (elementwise, not null). Every loop
   * is free of vector-valued branches (merging two vectors in a branch makes C2 box them).
   */
  static void epilogue(float[] c, int off, int ldc, int rows, int w, float[] bias, int biasOff, float[] residual,
      Activation act, Scratch s) {
    for (int r = 0; r < rows; r++) {
      int o = off + r * ldc;
      if (bias != null) addBias(c, o, bias, biasOff, w);
      if (residual != null) addResidual(c, o, residual, w);
      if (act != Activation.LINEAR) activate(act, c, o, w, s);
    }
  }

  private static void addBias(float[] c, int o, float[] bias, int biasOff, int w) {
    int j = 0;
    for (int wv = S.loopBound(w); j < wv; j += VL) {
      FloatVector.fromArray(S, c, o + j).lanewise(ADD, FloatVector.fromArray(S, bias, biasOff + j)).intoArray(c, o + j);
    }
    for (; j < w; j++) c[o + j] += bias[biasOff + j];
  }

  private static void addResidual(float[] c, int o, float[] residual, int w) {
    int j = 0;
    for (int wv = S.loopBound(w); j < wv; j += VL) {
      FloatVector.fromArray(S, c, o + j).lanewise(ADD, FloatVector.fromArray(S, residual, o + j)).intoArray(c, o + j);
    }
    for (; j < w; j++) c[o + j] += residual[o + j];
  }

  /** {@code c[o .. o+w) = act(c[o .. o+w))} as {@link Activations#apply}, in vector registers where cheap. */
  static void activate(Activation act, float[] c, int o, int w, Scratch s) {
    int wv = S.loopBound(w);
    int j = 0;
    switch (act) {
      case LINEAR:
        return;
      case RELU:
        for (; j < wv; j += VL) FloatVector.fromArray(S, c, o + j).max(0f).intoArray(c, o + j);
        for (; j < w; j++) c[o + j] = Math.max(c[o + j], 0f);
        return;
      case RELU6:
        for (; j < wv; j += VL) FloatVector.fromArray(S, c, o + j).max(0f).min(6f).intoArray(c, o + j);
        for (; j < w; j++) c[o + j] = Math.min(Math.max(c[o + j], 0f), 6f);
        return;
      case HARD_SIGMOID:
        for (; j < wv; j += VL) FloatVector.fromArray(S, c, o + j).add(3f).max(0f).min(6f).div(6f).intoArray(c, o + j);
        for (; j < w; j++) c[o + j] = Math.min(Math.max(c[o + j] + 3f, 0f), 6f) / 6f;
        return;
      case HARD_SILU:
        for (; j < wv; j += VL) {
          FloatVector v = FloatVector.fromArray(S, c, o + j);
          v.mul(v.add(3f).max(0f).min(6f).div(6f)).intoArray(c, o + j);
        }
        for (; j < w; j++) {
          float x = c[o + j];
          c[o + j] = x * (Math.min(Math.max(x + 3f, 0f), 6f) / 6f);
        }
        return;
      default:
        float[] t = s.tmp(w);
        System.arraycopy(c, o, t, 0, w);
        Activations.apply(act, t, t, w);
        System.arraycopy(t, 0, c, o, w);
    }
  }
}

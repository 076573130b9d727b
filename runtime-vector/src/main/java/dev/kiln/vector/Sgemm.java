package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.LE;

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
 * broadcasts {@code MR} A values per step of k. k is blocked by {@link #KC} so a panel block stays in L1.
 * m = 1 (GEMV) streams each panel once with eight accumulators (k unrolled by four).
 */
final class Sgemm {
  private Sgemm() {}

  /**
   * The machine's preferred species; the system property {@code kiln.vector.bits} (128, 256 or 512) overrides it, so
   * the tests can run the 512-bit code paths on an AVX2 machine (emulated, slowly) and the 256-bit ones on AVX-512.
   */
  static final VectorSpecies<Float> S = species(Integer.getInteger("kiln.vector.bits", 0));

  private static VectorSpecies<Float> species(int bits) {
    if (bits == 0) return FloatVector.SPECIES_PREFERRED;
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

  /** Packs {@code src[srcOff + p * ld + j]} ({@code p < k}, {@code j < n}) into {@code dst} from {@code dstOff}. */
  static void pack(float[] src, int srcOff, int ld, int k, int n, float[] dst, int dstOff) {
    for (int q = 0; q * NR < n; q++) {
      int j0 = q * NR;
      int w = Math.min(NR, n - j0);
      int base = dstOff + q * k * NR;
      for (int p = 0; p < k; p++) System.arraycopy(src, srcOff + p * ld + j0, dst, base + p * NR, w);
    }
  }

  /** Per-thread scratch: the C tile of a partial panel, activation rows, the conv im2col tile. */
  static final class Scratch {
    final float[] tile = new float[8 * NR];
    /** The output positions of a convolution tile. */
    final VConv.Walk walk = new VConv.Walk();
    /** A partial panel's bias, zero-padded to {@code NR}. */
    final float[] bias = new float[NR];
    float[] tmp = new float[NR];
    float[] aTile = new float[0];

    float[] tmp(int n) {
      if (tmp.length < n) tmp = new float[n];
      return tmp;
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

    private float[] padded = new float[0];

    /** A convolution's padded input ({@link VConv#pad}). */
    float[] padded(int n) {
      if (padded.length < n) padded = new float[n];
      return padded;
    }

    float[] aTile(int n) {
      if (aTile.length < n) aTile = new float[n];
      return aTile;
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
    int np = panels(n);
    Scratch s = SCRATCH.get();
    if (m == 1) {
      int q0 = split(np, part, parts), q1 = split(np, part + 1, parts);
      int tOff = transposedOffset(packed, k, n);
      if (tOff >= 0) {
        int j0 = q0 * NR, j1 = Math.min(n, q1 * NR);
        if (j0 >= j1) return;
        dotColumns(a, k, packed, tOff, j0, j1, c);
        epilogue(c, j0, n, 1, j1 - j0, bias, j0, residual, act, s);
        return;
      }
      for (int q = q0; q < q1; q++) {
        int j0 = q * NR;
        int w = Math.min(NR, n - j0);
        gemv(a, 0, k, packed, q * k * NR, c, j0, w, s.tile);
        epilogue(c, j0, n, 1, w, bias, j0, residual, act, s);
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
        for (int j = q0 * NR; j < Math.min(n, q1 * NR); j++) c[i * n + j] = 0f;
      }
      for (int q = q0; q < q1; q++) {
        int j0 = q * NR;
        epilogue(c, i0 * n + j0, n, i1 - i0, Math.min(NR, n - j0), bias, j0, residual, act, s);
      }
      return;
    }
    boolean fused = fusesAct(act, residual);
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      boolean last = k0 + kc == k;
      for (int q = q0; q < q1; q++) {
        int j0 = q * NR;
        int w = Math.min(NR, n - j0);
        block(a, i0 * k + k0, k, i1 - i0, packed, q * k * NR + k0 * NR, kc, k0 > 0, bias, j0,
            last && fused && act == Activation.RELU, c, i0 * n + j0, n, w, s);
        if (last && !fused) epilogue(c, i0 * n + j0, n, i1 - i0, w, null, 0, residual, act, s);
      }
    }
  }

  /**
   * {@code C[rows, w] (+)= A[rows, kc] B[kc, NR]}: A row {@code r} at {@code a[aOff + r * lda]}, the packed B block
   * at {@code b[bOff]}, C row {@code r} at {@code c[cOff + r * ldc]}, only {@code w <= NR} columns written. Without
   * {@code acc} the tile starts from {@code bias[biasOff + j]} (nullable: zeros), so the first k block adds the bias
   * for free; {@code relu} applies max(x, 0) as the tile is stored (for the last k block). Fusing both into the
   * micro-kernel saves a pass over C, which costs as much as the multiply-adds when k is small (a 3x3x1 conv: k = 9).
   */
  static void block(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int kc, boolean acc, float[] bias,
      int biasOff, boolean relu, float[] c, int cOff, int ldc, int w, Scratch s) {
    if (w == NR) {
      // initial C row r: from[fOff + r * fld] (the bias row repeats: fld = 0)
      float[] from = acc ? c : bias != null ? bias : ZEROS;
      int fOff = acc ? cOff : bias != null ? biasOff : 0;
      int fld = acc ? ldc : 0;
      float lo = relu ? 0f : NO_RELU;
      int r = 0;
      if (MR == 8) {
        for (; r + 8 <= rows; r += 8) {
          kernel8(a, aOff + r * lda, lda, b, bOff, kc, from, fOff + r * fld, fld, lo, c, cOff + r * ldc, ldc);
        }
      } else {
        for (; r + 6 <= rows; r += 6) {
          kernel6(a, aOff + r * lda, lda, b, bOff, kc, from, fOff + r * fld, fld, lo, c, cOff + r * ldc, ldc);
        }
      }
      for (; r + 4 <= rows; r += 4) {
        kernel4(a, aOff + r * lda, lda, b, bOff, kc, from, fOff + r * fld, fld, lo, c, cOff + r * ldc, ldc);
      }
      for (; r < rows; r++) kernel1(a, aOff + r * lda, b, bOff, kc, from, fOff + r * fld, lo, c, cOff + r * ldc);
      return;
    }
    // partial panel: compute into the scratch tile, copy the w real columns
    for (int r0 = 0; r0 < rows; r0 += MR) {
      int rr = Math.min(MR, rows - r0);
      viaTile(a, aOff + r0 * lda, lda, rr, rr, b, bOff, kc, acc, bias, biasOff, relu, c, cOff + r0 * ldc, ldc, w, s);
    }
  }

  /**
   * {@link #block} for {@code rows < MR} rows whose A has {@code MR} readable rows (the extra ones are computed and
   * dropped): one full-height micro-kernel into the scratch tile. Convolution tiles end this way so that they only
   * ever run the MR-row kernel: a kernel4 or kernel1 called once per op stays in C1 long after warm-up, and C1
   * allocates every vector (tens of microseconds per call).
   */
  static void blockPadded(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int kc, boolean acc,
      float[] bias, int biasOff, boolean relu, float[] c, int cOff, int ldc, int w, Scratch s) {
    viaTile(a, aOff, lda, rows, MR, b, bOff, kc, acc, bias, biasOff, relu, c, cOff, ldc, w, s);
  }

  /** {@link #block} of {@code computed <= MR} rows into the scratch tile, of which the first {@code rows} are kept. */
  private static void viaTile(float[] a, int aOff, int lda, int rows, int computed, float[] b, int bOff, int kc,
      boolean acc, float[] bias, int biasOff, boolean relu, float[] c, int cOff, int ldc, int w, Scratch s) {
    float[] t = s.tile;
    if (acc) {
      for (int r = 0; r < rows; r++) System.arraycopy(c, cOff + r * ldc, t, r * NR, w);
    } else if (bias != null && w < NR) { // the kernels read NR bias values: pad with zeros
      float[] padded = s.bias;
      System.arraycopy(bias, biasOff, padded, 0, w);
      java.util.Arrays.fill(padded, w, NR, 0f);
      bias = padded;
      biasOff = 0;
    }
    block(a, aOff, lda, computed, b, bOff, kc, acc, bias, biasOff, relu, t, 0, NR, NR, s);
    for (int r = 0; r < rows; r++) System.arraycopy(t, r * NR, c, cOff + r * ldc, w);
  }

  /**
   * Whether {@link #block} does all the epilogue itself: no residual, and LINEAR or RELU ({@code relu}). Otherwise
   * {@link #epilogue} adds the residual and applies {@code act} after the last k block.
   */
  static boolean fusesAct(Activation act, float[] residual) {
    return residual == null && (act == Activation.LINEAR || act == Activation.RELU);
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
  private static final float NO_RELU = Float.NEGATIVE_INFINITY;

  static void kernel8(float[] a, int aOff, int lda, float[] b, int bOff, int kc, float[] from, int fOff,
      int fld, float lo, float[] c, int cOff, int ldc) {
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
    int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda,
        a7 = a6 + lda;
    int p = 0;
    for (; p + 2 <= kc; p += 2) { // unrolled by two: about 15% faster than one step per iteration (C2 does not unroll it)
      int bi = bOff + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + p]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[a6 + p]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[a7 + p]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
      int bi2 = bOff + (p + 1) * NR;
      b0 = FloatVector.fromArray(S, b, bi2);
      b1 = FloatVector.fromArray(S, b, bi2 + VL);
      x = FloatVector.broadcast(S, a[a0 + p + 1]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p + 1]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p + 1]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + p + 1]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + p + 1]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[a6 + p + 1]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[a7 + p + 1]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    for (; p < kc; p++) { // a loop, not an if: C2 unboxes vectors through loop phis, not through if-merges
      int bi = bOff + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + p]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[a6 + p]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[a7 + p]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00.blend(lo, c00.compare(LE, lo)).intoArray(c, o0);
    c01.blend(lo, c01.compare(LE, lo)).intoArray(c, o0 + VL);
    c10.blend(lo, c10.compare(LE, lo)).intoArray(c, o1);
    c11.blend(lo, c11.compare(LE, lo)).intoArray(c, o1 + VL);
    c20.blend(lo, c20.compare(LE, lo)).intoArray(c, o2);
    c21.blend(lo, c21.compare(LE, lo)).intoArray(c, o2 + VL);
    c30.blend(lo, c30.compare(LE, lo)).intoArray(c, o3);
    c31.blend(lo, c31.compare(LE, lo)).intoArray(c, o3 + VL);
    c40.blend(lo, c40.compare(LE, lo)).intoArray(c, o4);
    c41.blend(lo, c41.compare(LE, lo)).intoArray(c, o4 + VL);
    c50.blend(lo, c50.compare(LE, lo)).intoArray(c, o5);
    c51.blend(lo, c51.compare(LE, lo)).intoArray(c, o5 + VL);
    c60.blend(lo, c60.compare(LE, lo)).intoArray(c, o6);
    c61.blend(lo, c61.compare(LE, lo)).intoArray(c, o6 + VL);
    c70.blend(lo, c70.compare(LE, lo)).intoArray(c, o7);
    c71.blend(lo, c71.compare(LE, lo)).intoArray(c, o7 + VL);
  }

  static void kernel6(float[] a, int aOff, int lda, float[] b, int bOff, int kc, float[] from, int fOff,
      int fld, float lo, float[] c, int cOff, int ldc) {
    int o0 = cOff, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc, o4 = o3 + ldc, o5 = o4 + ldc;
    int f0 = fOff, f1 = f0 + fld, f2 = f1 + fld, f3 = f2 + fld, f4 = f3 + fld, f5 = f4 + fld;
    FloatVector c00 = FloatVector.fromArray(S, from, f0), c01 = FloatVector.fromArray(S, from, f0 + VL);
    FloatVector c10 = FloatVector.fromArray(S, from, f1), c11 = FloatVector.fromArray(S, from, f1 + VL);
    FloatVector c20 = FloatVector.fromArray(S, from, f2), c21 = FloatVector.fromArray(S, from, f2 + VL);
    FloatVector c30 = FloatVector.fromArray(S, from, f3), c31 = FloatVector.fromArray(S, from, f3 + VL);
    FloatVector c40 = FloatVector.fromArray(S, from, f4), c41 = FloatVector.fromArray(S, from, f4 + VL);
    FloatVector c50 = FloatVector.fromArray(S, from, f5), c51 = FloatVector.fromArray(S, from, f5 + VL);
    int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
    int p = 0;
    for (; p + 2 <= kc; p += 2) { // unrolled by two: about 15% faster than one step per iteration (C2 does not unroll it)
      int bi = bOff + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + p]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      int bi2 = bOff + (p + 1) * NR;
      b0 = FloatVector.fromArray(S, b, bi2);
      b1 = FloatVector.fromArray(S, b, bi2 + VL);
      x = FloatVector.broadcast(S, a[a0 + p + 1]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p + 1]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p + 1]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + p + 1]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + p + 1]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    for (; p < kc; p++) { // a loop, not an if: C2 unboxes vectors through loop phis, not through if-merges
      int bi = bOff + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + p]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.blend(lo, c00.compare(LE, lo)).intoArray(c, o0);
    c01.blend(lo, c01.compare(LE, lo)).intoArray(c, o0 + VL);
    c10.blend(lo, c10.compare(LE, lo)).intoArray(c, o1);
    c11.blend(lo, c11.compare(LE, lo)).intoArray(c, o1 + VL);
    c20.blend(lo, c20.compare(LE, lo)).intoArray(c, o2);
    c21.blend(lo, c21.compare(LE, lo)).intoArray(c, o2 + VL);
    c30.blend(lo, c30.compare(LE, lo)).intoArray(c, o3);
    c31.blend(lo, c31.compare(LE, lo)).intoArray(c, o3 + VL);
    c40.blend(lo, c40.compare(LE, lo)).intoArray(c, o4);
    c41.blend(lo, c41.compare(LE, lo)).intoArray(c, o4 + VL);
    c50.blend(lo, c50.compare(LE, lo)).intoArray(c, o5);
    c51.blend(lo, c51.compare(LE, lo)).intoArray(c, o5 + VL);
  }

  static void kernel4(float[] a, int aOff, int lda, float[] b, int bOff, int kc, float[] from, int fOff,
      int fld, float lo, float[] c, int cOff, int ldc) {
    int o0 = cOff, o1 = o0 + ldc, o2 = o1 + ldc, o3 = o2 + ldc;
    int f0 = fOff, f1 = f0 + fld, f2 = f1 + fld, f3 = f2 + fld;
    FloatVector c00 = FloatVector.fromArray(S, from, f0), c01 = FloatVector.fromArray(S, from, f0 + VL);
    FloatVector c10 = FloatVector.fromArray(S, from, f1), c11 = FloatVector.fromArray(S, from, f1 + VL);
    FloatVector c20 = FloatVector.fromArray(S, from, f2), c21 = FloatVector.fromArray(S, from, f2 + VL);
    FloatVector c30 = FloatVector.fromArray(S, from, f3), c31 = FloatVector.fromArray(S, from, f3 + VL);
    int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
    int p = 0;
    for (; p + 2 <= kc; p += 2) { // unrolled by two: about 15% faster than one step per iteration (C2 does not unroll it)
      int bi = bOff + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      int bi2 = bOff + (p + 1) * NR;
      b0 = FloatVector.fromArray(S, b, bi2);
      b1 = FloatVector.fromArray(S, b, bi2 + VL);
      x = FloatVector.broadcast(S, a[a0 + p + 1]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p + 1]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p + 1]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
    }
    for (; p < kc; p++) { // a loop, not an if: C2 unboxes vectors through loop phis, not through if-merges
      int bi = bOff + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bi);
      FloatVector b1 = FloatVector.fromArray(S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
    }
    c00.blend(lo, c00.compare(LE, lo)).intoArray(c, o0);
    c01.blend(lo, c01.compare(LE, lo)).intoArray(c, o0 + VL);
    c10.blend(lo, c10.compare(LE, lo)).intoArray(c, o1);
    c11.blend(lo, c11.compare(LE, lo)).intoArray(c, o1 + VL);
    c20.blend(lo, c20.compare(LE, lo)).intoArray(c, o2);
    c21.blend(lo, c21.compare(LE, lo)).intoArray(c, o2 + VL);
    c30.blend(lo, c30.compare(LE, lo)).intoArray(c, o3);
    c31.blend(lo, c31.compare(LE, lo)).intoArray(c, o3 + VL);
  }

  /** One row, k unrolled by two so that four FMA chains are in flight. */
  static void kernel1(float[] a, int aOff, float[] b, int bOff, int kc, float[] from, int fOff, float lo,
      float[] c, int cOff) {
    FloatVector c0 = FloatVector.fromArray(S, from, fOff), c1 = FloatVector.fromArray(S, from, fOff + VL);
    FloatVector d0 = FloatVector.zero(S), d1 = FloatVector.zero(S);
    int p = 0;
    for (; p + 2 <= kc; p += 2) {
      int bi = bOff + p * NR;
      FloatVector x = FloatVector.broadcast(S, a[aOff + p]);
      FloatVector y = FloatVector.broadcast(S, a[aOff + p + 1]);
      c0 = x.fma(FloatVector.fromArray(S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(S, b, bi + VL), c1);
      d0 = y.fma(FloatVector.fromArray(S, b, bi + NR), d0);
      d1 = y.fma(FloatVector.fromArray(S, b, bi + NR + VL), d1);
    }
    for (; p < kc; p++) { // a loop, not an if: C2 unboxes vectors through loop phis, not through if-merges
      int bi = bOff + p * NR;
      FloatVector x = FloatVector.broadcast(S, a[aOff + p]);
      c0 = x.fma(FloatVector.fromArray(S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(S, b, bi + VL), c1);
    }
    c0 = c0.add(d0);
    c1 = c1.add(d1);
    c0.blend(lo, c0.compare(LE, lo)).intoArray(c, cOff);
    c1.blend(lo, c1.compare(LE, lo)).intoArray(c, cOff + VL);
  }

  /**
   * {@code c[cOff + j] = sum_p a[aOff + p] B[p, j]} for {@code j < w} of one panel at {@code b[bOff]} (all k rows):
   * eight accumulators, k unrolled by four, the panel read once front to back.
   */
  static void gemv(float[] a, int aOff, int k, float[] b, int bOff, float[] c, int cOff, int w, float[] tile) {
    FloatVector c0 = FloatVector.zero(S), c1 = c0, d0 = c0, d1 = c0, e0 = c0, e1 = c0, f0 = c0, f1 = c0;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
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
    for (; p < k; p++) {
      int bi = bOff + p * NR;
      FloatVector x = FloatVector.broadcast(S, a[aOff + p]);
      c0 = x.fma(FloatVector.fromArray(S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(S, b, bi + VL), c1);
    }
    c0 = c0.add(d0).add(e0.add(f0));
    c1 = c1.add(d1).add(e1.add(f1));
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
   * GEMV as dot products, {@code c[j] = sum_p a[p] Bt[j, p]} for {@code j0 <= j < j1}, {@code Bt} row {@code j} at
   * {@code bt[tOff + j * k]}: eight columns at a time, one A vector load shared by eight B vector loads and eight FMA
   * chains (1.125 loads per FMA, against 1.5 for the panel GEMV's loads and broadcasts), lanes summed at the end.
   * A/B in one JVM at 1x784x128: 12-15% faster as a bare kernel, 4-7% through {@code dense} with bias and RELU. {@code j1 - j0} must be a multiple of 8.
   */
  static void dotColumns(float[] a, int k, float[] bt, int tOff, int j0, int j1, float[] c) {
    int kv = S.loopBound(k);
    int j = j0;
    for (; j + 8 <= j1; j += 8) {
      FloatVector s0 = FloatVector.fromArray(S, ZEROS, 0), s1 = FloatVector.fromArray(S, ZEROS, 0);
      FloatVector s2 = FloatVector.fromArray(S, ZEROS, 0), s3 = FloatVector.fromArray(S, ZEROS, 0);
      FloatVector s4 = FloatVector.fromArray(S, ZEROS, 0), s5 = FloatVector.fromArray(S, ZEROS, 0);
      FloatVector s6 = FloatVector.fromArray(S, ZEROS, 0), s7 = FloatVector.fromArray(S, ZEROS, 0);
      int r0 = tOff + j * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k, r4 = r3 + k, r5 = r4 + k, r6 = r5 + k, r7 = r6 + k;
      for (int p = 0; p < kv; p += VL) {
        FloatVector av = FloatVector.fromArray(S, a, p);
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
        float x = a[p];
        t0 = Math.fma(x, bt[r0 + p], t0);
        t1 = Math.fma(x, bt[r1 + p], t1);
        t2 = Math.fma(x, bt[r2 + p], t2);
        t3 = Math.fma(x, bt[r3 + p], t3);
        t4 = Math.fma(x, bt[r4 + p], t4);
        t5 = Math.fma(x, bt[r5 + p], t5);
        t6 = Math.fma(x, bt[r6 + p], t6);
        t7 = Math.fma(x, bt[r7 + p], t7);
      }
      c[j] = t0;
      c[j + 1] = t1;
      c[j + 2] = t2;
      c[j + 3] = t3;
      c[j + 4] = t4;
      c[j + 5] = t5;
      c[j + 6] = t6;
      c[j + 7] = t7;
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
      FloatVector.fromArray(S, c, o + j).add(FloatVector.fromArray(S, bias, biasOff + j)).intoArray(c, o + j);
    }
    for (; j < w; j++) c[o + j] += bias[biasOff + j];
  }

  private static void addResidual(float[] c, int o, float[] residual, int w) {
    int j = 0;
    for (int wv = S.loopBound(w); j < wv; j += VL) {
      FloatVector.fromArray(S, c, o + j).add(FloatVector.fromArray(S, residual, o + j)).intoArray(c, o + j);
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

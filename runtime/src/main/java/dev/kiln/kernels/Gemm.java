package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * Single-precision matrix multiplication, row-major, written for C2 auto-vectorization without {@code Math.fma}
 * (Java 8 / Android API). See KERNELS.md; the measurements behind these choices are in benchmarks/README.md
 * ("Measurements behind the pure-Java kernels").
 *
 * <h2>How it vectorizes</h2>
 * C2 vectorizes the inner loop only when every array index in it is the loop variable plus a compile-time
 * constant; {@code b[p * n + j]} (a run-time offset) stays scalar on JDK 17 and 25. So B is held as <em>separate row arrays</em> (one {@code float[]} per k-row of a column panel,
 * {@code float[][]} rows), and the C tile as scratch rows indexed by the panel column: the hot loops are
 * {@code c0[j] += a00 * b0[j] + a01 * b1[j]} over {@code j}. Kernels: three C rows x two k ({@link #rows3}, the
 * three rows in one tile array at constant offsets) for row triples, two C rows x two k ({@link #rows2}) for a
 * last row pair, one row x four k ({@link #row1}) for a single row (GEMV, m = 1). Bigger bodies (2x4, 1x8, 4x2,
 * 4x1 x2 loops) stay scalar on JDK 17 (C2 loop-size limit) although 2x4 vectorizes on JDK 25.
 *
 * <h2>Packed weights</h2>
 * {@link #packWeights} returns a {@link Packed} handle holding the weights as the row arrays of the panel layout
 * (panel {@code q} of width {@code panelWidth(k, n)}, one {@code float[]} per k-row), which {@link #dense} reads
 * directly: nothing is looked up or copied per call. {@link #matmul} (unpacked B) copies a block of {@code kc} B rows
 * of one panel into per-thread scratch rows, once per block for all rows of A.
 *
 * <h2>Blocking</h2>
 * Panels up to {@link #MAX_PANEL} columns (long inner loops); k-blocks of {@code kc} rows so that a block of B
 * ({@code kc x nb} floats) stays around 256 KB (L2 is 512 KB per core); the C tile rows are reloaded from C
 * between k-blocks. Epilogue (bias, activation) on the tile before it is written to C.
 *
 * <h2>Parallelism</h2>
 * The {@link WorkerPool} overloads split rows (triples, so that every row meets the kernel it meets on one
 * thread) among threads when there are enough, otherwise column ranges of 16; small problems run on the caller.
 * Results are bit-identical to the single-thread overloads (every C element is accumulated in the same order).
 *
 * <p>For convolutions, the transposed orientation (channels x k x spatial) is still the better one, as KERNELS.md
 * says; {@link #computeTransposed} does it inside for narrow C.
 *
 * @see WorkerPool
 */
public final class Gemm {
  private Gemm() {}

  /** Largest panel width in columns. */
  static final int MAX_PANEL = 512;
  /**
   * Target size of one block of B rows (floats): about 256 KB, half of a 512 KB L2, so that A and C keep room
   * beside it (a whole L2 was slower).
   */
  private static final int BLOCK_FLOATS = 65536;

  /** Panel width (columns) used for a given depth {@code k} and width {@code n}: equal panels of at most 512. */
  public static int panelWidth(int k, int n) {
    n = Math.max(n, 1);
    int panels = (n + MAX_PANEL - 1) / MAX_PANEL;
    int w = (n + panels - 1) / panels;
    w = (w + 15) & ~15;
    return Math.min(w, n);
  }

  /** k-rows per block for panels {@code nb} wide; a multiple of 4. */
  private static int blockDepth(int k, int nb) {
    int kc = Math.max(64, BLOCK_FLOATS / Math.max(nb, 1)) & ~3;
    if (kc >= k) return k;
    int blocks = (k + kc - 1) / kc; // balance the blocks
    return Math.min(k, ((k + blocks - 1) / blocks + 3) & ~3);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Public API

  /** {@code C[m,n] = A[m,k] B[k,n]}, all row-major from index 0. */
  public static void matmul(float[] a, float[] b, float[] c, int m, int k, int n) {
    matmul(a, 0, b, 0, c, 0, m, k, n);
  }

  /** As {@link #matmul(float[], float[], float[], int, int, int)} with start offsets (for batched products). */
  public static void matmul(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int k, int n) {
    if (m <= 0 || n <= 0) return;
    if (transposed(m, n)) computeTransposed(a, aOff, 0, m, k, null, b, bOff, n, null, Activation.LINEAR, c, cOff);
    else compute(a, aOff, 0, m, k, null, b, bOff, n, 0, n, null, Activation.LINEAR, c, cOff);
  }

  /** As {@link #matmul(float[], float[], float[], int, int, int)}, spread over {@code pool} when large enough. */
  public static void matmul(float[] a, float[] b, float[] c, int m, int k, int n, WorkerPool pool) {
    matmul(a, 0, b, 0, c, 0, m, k, n, pool);
  }

  /** As {@link #matmul(float[], int, float[], int, float[], int, int, int, int)} on a pool. */
  public static void matmul(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int k, int n,
      WorkerPool pool) {
    if (m <= 0 || n <= 0) return;
    if (pool == null || pool.threads() == 1 || !worthSplitting(m, k, n)) {
      matmul(a, aOff, b, bOff, c, cOff, m, k, n);
      return;
    }
    parallel(pool, a, aOff, m, k, null, b, bOff, n, null, Activation.LINEAR, c, cOff);
  }

  /**
   * A constant {@code [k, n]} weight packed by {@link #packWeights}: row {@code q * k + p} is k-row {@code p} of panel
   * {@code q} (panels of {@link #panelWidth} columns).
   */
  public static final class Packed extends PackedWeights {
    final float[][] rows;
    final int k, n;

    private Packed(float[][] rows, int k, int n) {
      super("java");
      this.rows = rows;
      this.k = k;
      this.n = n;
    }

    /** The rows, after checking that {@code op} multiplies a {@code [k, n]} weight. */
    float[][] rows(int k, int n, String op) {
      if (k != this.k || n != this.n) {
        throw new IllegalArgumentException(op + ": weights packed as " + this.k + "x" + this.n + ", called with " + k
            + "x" + n);
      }
      return rows;
    }

    @Override
    public String toString() {
      return "Gemm.Packed[" + k + "x" + n + "]";
    }
  }

  /** Packs a constant {@code [k, n]} weight once, for {@link #dense}. Allocates (about the weight's size). */
  public static Packed packWeights(float[] b, int k, int n) {
    if (b.length < k * n) {
      throw new IllegalArgumentException("Gemm.packWeights: " + b.length + " values, expected " + k + "x" + n);
    }
    int nbMax = panelWidth(k, n);
    float[][] rows = new float[k * ((n + nbMax - 1) / nbMax)][];
    int q = 0;
    for (int j0 = 0; j0 < n; j0 += nbMax, q++) {
      int nb = Math.min(nbMax, n - j0);
      for (int p = 0; p < k; p++) {
        float[] r = new float[nb];
        System.arraycopy(b, p * n + j0, r, 0, nb);
        rows[q * k + p] = r;
      }
    }
    return new Packed(rows, k, n);
  }

  /**
   * Fused dense layer: {@code C[m,n] = act(A[m,k] B + bias)} with {@code B} packed by {@link #packWeights}.
   * {@code bias} may be {@code null}; {@code act == null} means LINEAR; SOFTMAX is a row-wise softmax over the
   * {@code n} outputs. ELU and LEAKY_RELU use the Keras activation defaults (alpha 1 and 0.2).
   */
  public static void dense(float[] a, int m, int k, Packed packedB, int n, float[] bias, Activation act, float[] c) {
    dense(a, 0, m, k, packedB, n, bias, act, c, 0, null);
  }

  /** As {@link #dense(float[], int, int, Packed, int, float[], Activation, float[])}, spread over {@code pool}. */
  public static void dense(float[] a, int m, int k, Packed packedB, int n, float[] bias, Activation act, float[] c,
      WorkerPool pool) {
    dense(a, 0, m, k, packedB, n, bias, act, c, 0, pool);
  }

  /**
   * As {@link #dense(float[], int, int, Packed, int, float[], Activation, float[], WorkerPool)}, A read from
   * {@code a[aOff + i * k + p]}, C written to {@code c[cOff + i * n + j]}; {@code pool} nullable.
   */
  public static void dense(float[] a, int aOff, int m, int k, Packed packedB, int n, float[] bias, Activation act,
      float[] c, int cOff, WorkerPool pool) {
    float[][] rows = packedB.rows(k, n, "Gemm.dense");
    if (m <= 0 || n <= 0) return;
    if (act == null) act = Activation.LINEAR;
    Activation tileAct = act == Activation.SOFTMAX ? Activation.LINEAR : act;
    if (pool != null && pool.threads() > 1 && worthSplitting(m, k, n)) {
      parallel(pool, a, aOff, m, k, rows, null, 0, n, bias, tileAct, c, cOff);
    } else if (transposed(m, n)) {
      computeTransposed(a, aOff, 0, m, k, rows, null, 0, n, bias, tileAct, c, cOff);
    } else {
      compute(a, aOff, 0, m, k, rows, null, 0, n, 0, n, bias, tileAct, c, cOff);
    }
    if (act == Activation.SOFTMAX) {
      for (int i = 0; i < m; i++) Softmax.row(c, c, cOff + i * n, n);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Driver

  /** Per-thread scratch: C tile rows, epilogue rows and B block rows for {@link #matmul}. */
  private static final class Scratch {
    /** Three C tile rows at a constant stride of {@link #MAX_PANEL} (see {@link #rows3}). */
    final float[] t3 = new float[3 * MAX_PANEL];
    final float[] t0 = new float[MAX_PANEL];
    final float[] t1 = new float[MAX_PANEL];
    final float[] u = new float[MAX_PANEL];
    final float[] v = new float[MAX_PANEL];
    float[][] bRows = new float[0][];
    /** For {@link #computeTransposed}: B transposed, A transposed (k rows), C transposed. */
    float[] bt = new float[0], ct = new float[0];
    float[][] at = new float[0][];

    float[][] at(int k, int width) {
      int have = at.length == 0 ? 0 : at[0].length;
      if (at.length < k || have < width) {
        // grow both ways: shapes alternate between deep-narrow and shallow-wide, and must not reallocate per call
        at = new float[Math.max(k, at.length)][Math.max(width, have)];
      }
      return at;
    }

    float[][] bRows(int kc, int nb) {
      if (bRows.length < kc) {
        float[][] r = new float[kc][];
        System.arraycopy(bRows, 0, r, 0, bRows.length);
        bRows = r;
      }
      for (int p = 0; p < kc; p++) {
        if (bRows[p] == null || bRows[p].length < nb) bRows[p] = new float[nb];
      }
      return bRows;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<Scratch>() {
    @Override
    protected Scratch initialValue() {
      return new Scratch();
    }
  };

  /**
   * Rows {@code [i0, i1)} and columns {@code [jFrom, jTo)} of {@code C = act(A B + bias)}. B is either packed
   * ({@code packed} rows, see {@link Packed}) or row-major {@code b[bOff + p * n + j]}. A is
   * {@code a[aOff + i * k + p]}, C is {@code c[cOff + i * n + j]}.
   */
  static void compute(float[] a, int aOff, int i0, int i1, int k, float[][] packed, float[] b, int bOff, int n,
      int jFrom, int jTo, float[] bias, Activation act, float[] c, int cOff) {
    Scratch s = SCRATCH.get();
    int nbMax = panelWidth(k, n);
    int q = jFrom / nbMax;
    for (int j0 = q * nbMax; j0 < jTo; j0 += nbMax, q++) {
      int nb = Math.min(nbMax, n - j0);
      int js = Math.max(jFrom, j0) - j0;
      int je = Math.min(jTo, j0 + nb) - j0;
      // GEMV-like: every B element is used by at most two rows, no point in blocking k
      int kc = i1 - i0 <= 2 ? k : blockDepth(k, nb);
      if (k == 0) kc = 1;
      for (int p0 = 0; p0 < Math.max(k, 1); p0 += kc) {
        int pl = Math.min(kc, k - p0);
        float[][] rows;
        int rb;
        if (packed != null) {
          rows = packed;
          rb = q * k + p0;
        } else {
          rows = s.bRows(pl, je);
          rb = 0;
          int src = bOff + p0 * n + j0 + js;
          for (int p = 0; p < pl; p++, src += n) System.arraycopy(b, src, rows[p], js, je - js);
        }
        boolean first = p0 == 0, last = p0 + kc >= k;
        int i = i0;
        float[] t3 = s.t3;
        for (; i + 3 <= i1; i += 3) {
          int cp0 = cOff + i * n + j0, cp1 = cp0 + n, cp2 = cp1 + n;
          if (first) {
            zero(t3, js, je);
            zero(t3, MAX_PANEL + js, MAX_PANEL + je);
            zero(t3, 2 * MAX_PANEL + js, 2 * MAX_PANEL + je);
          } else {
            System.arraycopy(c, cp0 + js, t3, js, je - js);
            System.arraycopy(c, cp1 + js, t3, MAX_PANEL + js, je - js);
            System.arraycopy(c, cp2 + js, t3, 2 * MAX_PANEL + js, je - js);
          }
          if (ONE_K_TRIPLES) {
            rows3By1(a, aOff + i * k + p0, k, rows, rb, pl, t3, js, je);
          } else {
            if (je - js >= WIDE) rows3(a, aOff + i * k + p0, k, rows, rb, pl, t3, js, je);
            else rows3Narrow(a, aOff + i * k + p0, k, rows, rb, pl, t3, js, je);
            if ((pl & 1) != 0) tail3(a, aOff + i * k + p0, k, rows, rb, pl, t3, js, je);
          }
          store(s, t3, 0, bias, j0, js, je, act, c, cp0, last);
          store(s, t3, MAX_PANEL, bias, j0, js, je, act, c, cp1, last);
          store(s, t3, 2 * MAX_PANEL, bias, j0, js, je, act, c, cp2, last);
        }
        for (; i + 2 <= i1; i += 2) {
          int cp0 = cOff + i * n + j0, cp1 = cp0 + n;
          if (first) {
            zero(s.t0, js, je);
            zero(s.t1, js, je);
          } else {
            System.arraycopy(c, cp0 + js, s.t0, js, je - js);
            System.arraycopy(c, cp1 + js, s.t1, js, je - js);
          }
          if (je - js >= WIDE) rows2(a, aOff + i * k + p0, k, rows, rb, pl, s.t0, s.t1, js, je);
          else rows2Narrow(a, aOff + i * k + p0, k, rows, rb, pl, s.t0, s.t1, js, je);
          if ((pl & 1) != 0) tail2(a, aOff + i * k + p0, k, rows, rb, pl, s.t0, s.t1, js, je);
          store(s, s.t0, 0, bias, j0, js, je, act, c, cp0, last);
          store(s, s.t1, 0, bias, j0, js, je, act, c, cp1, last);
        }
        if (i < i1) {
          int cp0 = cOff + i * n + j0;
          if (first) zero(s.t0, js, je);
          else System.arraycopy(c, cp0 + js, s.t0, js, je - js);
          if (je - js >= WIDE) row1(a, aOff + i * k + p0, rows, rb, pl, s.t0, js, je);
          else row1Narrow(a, aOff + i * k + p0, rows, rb, pl, s.t0, js, je);
          if ((pl & 3) != 0) tail1(a, aOff + i * k + p0, rows, rb, pl, s.t0, js, je);
          store(s, s.t0, 0, bias, j0, js, je, act, c, cp0, last);
        }
      }
    }
  }

  /**
   * Widest C handled by {@link #computeTransposed}, and the fewest rows: transposed wins up to n = 48 and loses
   * from n = 64.
   */
  static final int NARROW_N = 48, NARROW_MIN_M = 64;

  /** Whether {@code C[m,n]} is computed transposed: few columns, many rows (1x1 convolutions, im2col). */
  static boolean transposed(int m, int n) {
    return n <= NARROW_N && m >= NARROW_MIN_M;
  }

  /**
   * Rows {@code [i0, i1)} of {@code C = act(A B + bias)} for narrow C ({@link #transposed}), computed as
   * {@code C^T = B^T A^T} by {@link #compute}: its inner loops then run along blocks of up to 512 rows of A instead
   * of {@code n <= 32} columns (which C2's unrolled vector loop mostly leaves to its scalar pre/post loops).
   * Costs a copy of A transposed and a scatter of C, both O(m(k + n)). Every C element is accumulated as in the
   * direct path's two-k kernels, and does not depend on how rows are split among threads.
   */
  static void computeTransposed(float[] a, int aOff, int i0, int i1, int k, float[][] packed, float[] b, int bOff,
      int n, float[] bias, Activation act, float[] c, int cOff) {
    Scratch s = SCRATCH.get();
    int mbMax = Math.min(MAX_PANEL, Math.max(64, BLOCK_FLOATS / Math.max(k, 1)) & ~15);
    if (s.bt.length < n * k) s.bt = new float[n * k];
    if (s.ct.length < n * mbMax) s.ct = new float[n * mbMax];
    float[] bt = s.bt, ct = s.ct;
    float[][] at = s.at(k, mbMax);
    for (int p = 0; p < k; p++) {
      if (packed != null) {
        float[] row = packed[p]; // n <= NARROW_N: a single panel
        for (int j = 0; j < n; j++) bt[j * k + p] = row[j];
      } else {
        for (int j = 0; j < n; j++) bt[j * k + p] = b[bOff + p * n + j];
      }
    }
    for (int ib = i0; ib < i1; ib += mbMax) {
      int mb = Math.min(mbMax, i1 - ib);
      for (int i = 0; i < mb; i++) {
        int src = aOff + (ib + i) * k;
        for (int p = 0; p < k; p++) at[p][i] = a[src + p];
      }
      compute(bt, 0, 0, n, k, at, null, 0, mb, 0, mb, null, Activation.LINEAR, ct, 0);
      float[] u = s.u;
      for (int j = 0; j < n; j++) {
        System.arraycopy(ct, j * mb, u, 0, mb);
        if (bias != null) {
          float bj = bias[j];
          for (int i = 0; i < mb; i++) u[i] += bj;
        }
        if (act != Activation.LINEAR) Activations.apply(act, u, u, mb);
        int dst = cOff + ib * n + j;
        for (int i = 0; i < mb; i++) c[dst + i * n] = u[i];
      }
    }
  }

  /**
   * Row triples take one k per step ({@link #rows3By1}) instead of two ({@link #rows3}) on JDK 25 and later, whose
   * C2 compiles the two-k body badly (JDK 17 the other way round). Versions between 17 and 25 keep the JDK 17
   * choice; Android reports a specification version that is not a number and does too.
   */
  static final boolean ONE_K_TRIPLES = javaFeatureVersion() >= 25;

  private static int javaFeatureVersion() {
    String v = System.getProperty("java.specification.version", "");
    try {
      return v.startsWith("1.") ? 8 : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Narrower column ranges go to separate methods, so that their short trip counts do not enter the profile
   * C2 uses to unroll the wide loops. */
  static final int WIDE = 64;

  /**
   * Two C rows over {@code pl} k-rows; A row 0 at {@code a[ap + p]}, row 1 at {@code a[ap + lda + p]}.
   *
   * <p>When C2 inlines this loop nest into {@link #compute} it runs several times slower, and so does a loop that
   * is not the last one of its method (a k-tail loop after it, or width-class copies guarded by {@code if}). A library cannot set flags, so each kernel method holds exactly one hot loop nest and is kept above
   * {@code FreqInlineSize} (325 bytecodes) by its argument check, whose message is built inline: C2 then
   * compiles it on its own and never inlines it. This relies on the module's {@code --release 8}: compiled for
   * Java 9+, the message becomes one {@code invokedynamic} string concatenation, the method falls below the limit
   * and gets inlined.
   */
  private static void rows2(float[] a, int ap, int lda, float[][] rows, int rb, int pl, float[] c0, float[] c1,
      int from, int to) {
    if (from < 0 || to > c0.length || to > c1.length || pl < 0 || rb < 0 || rb + pl > rows.length) {
      throw new IllegalArgumentException("rows2: columns [" + from + ", " + to + ") of tiles " + c0.length + " and "
          + c1.length + ", k-rows [" + rb + ", " + (rb + pl) + ") of " + rows.length + ", A at " + ap + " and "
          + (ap + lda) + " of " + a.length + " (lda " + lda + ", " + (pl / 2) + " k-pairs)");
    }
    for (int p = 0; p + 2 <= pl; p += 2) {
      int x = ap + p, y = x + lda;
      float a00 = a[x], a01 = a[x + 1], a10 = a[y], a11 = a[y + 1];
      float[] b0 = rows[rb + p], b1 = rows[rb + p + 1];
      for (int j = from; j < to; j++) {
        float x0 = b0[j], x1 = b1[j];
        c0[j] += a00 * x0 + a01 * x1;
        c1[j] += a10 * x0 + a11 * x1;
      }
    }
  }

  /**
   * Three C rows over {@code pl} k-rows, two k at a time: the main kernel. The three tile rows live in one array
   * {@code t} at offsets 0, {@link #MAX_PANEL} and {@code 2 * MAX_PANEL} (compile-time constants, so every index is
   * still the loop variable plus a constant); A row {@code r} is at {@code a[ap + r * lda + p]}.
   *
   * <p>One array keeps the tile rows equally aligned (C2 aligns the main loop to one store), and three rows share
   * each B load. 4x2 and 2x4 bodies stay scalar (over C2's {@code LoopUnrollLimit}; they vectorize with
   * {@code -XX:LoopUnrollLimit=250}, which a library cannot set).
   */
  private static void rows3(float[] a, int ap, int lda, float[][] rows, int rb, int pl, float[] t, int from,
      int to) {
    if (from < 0 || to > MAX_PANEL || t.length < 3 * MAX_PANEL || pl < 0 || rb < 0 || rb + pl > rows.length) {
      throw new IllegalArgumentException("rows3: columns [" + from + ", " + to + ") of a tile of " + t.length
          + " (3 rows of " + MAX_PANEL + "), k-rows [" + rb + ", " + (rb + pl) + ") of " + rows.length + ", A at "
          + ap + ", " + (ap + lda) + " and " + (ap + 2 * lda) + " of " + a.length + " (" + (pl / 2) + " k-pairs)");
    }
    for (int p = 0; p + 2 <= pl; p += 2) {
      int x = ap + p, y = x + lda, z = y + lda;
      float a00 = a[x], a01 = a[x + 1], a10 = a[y], a11 = a[y + 1], a20 = a[z], a21 = a[z + 1];
      float[] b0 = rows[rb + p], b1 = rows[rb + p + 1];
      for (int j = from; j < to; j++) {
        float x0 = b0[j], x1 = b1[j];
        t[j] += a00 * x0 + a01 * x1;
        t[j + MAX_PANEL] += a10 * x0 + a11 * x1;
        t[j + 2 * MAX_PANEL] += a20 * x0 + a21 * x1;
      }
    }
  }

  /** {@link #rows3} one k at a time, all {@code pl} k-rows: the triple kernel on JDK 25 ({@link #ONE_K_TRIPLES}). */
  static void rows3By1(float[] a, int ap, int lda, float[][] rows, int rb, int pl, float[] t, int from,
      int to) {
    if (from < 0 || to > MAX_PANEL || t.length < 3 * MAX_PANEL || pl < 0 || rb < 0 || rb + pl > rows.length) {
      throw new IllegalArgumentException("rows3By1: columns [" + from + ", " + to + ") of a tile of " + t.length
          + " (3 rows of " + MAX_PANEL + "), k-rows [" + rb + ", " + (rb + pl) + ") of " + rows.length + ", A at "
          + ap + ", " + (ap + lda) + " and " + (ap + 2 * lda) + " of " + a.length + " (" + pl + " k-rows)");
    }
    for (int p = 0; p < pl; p++) {
      int x = ap + p;
      float a0 = a[x], a1 = a[x + lda], a2 = a[x + 2 * lda];
      float[] b0 = rows[rb + p];
      for (int j = from; j < to; j++) {
        float x0 = b0[j];
        t[j] += a0 * x0;
        t[j + MAX_PANEL] += a1 * x0;
        t[j + 2 * MAX_PANEL] += a2 * x0;
      }
    }
  }

  /** {@link #rows3} for column ranges narrower than {@link #WIDE}. */
  private static void rows3Narrow(float[] a, int ap, int lda, float[][] rows, int rb, int pl, float[] t, int from,
      int to) {
    if (from < 0 || to > MAX_PANEL || t.length < 3 * MAX_PANEL || pl < 0 || rb < 0 || rb + pl > rows.length) {
      throw new IllegalArgumentException("rows3Narrow: columns [" + from + ", " + to + ") of a tile of " + t.length
          + " (3 rows of " + MAX_PANEL + "), k-rows [" + rb + ", " + (rb + pl) + ") of " + rows.length + ", A at "
          + ap + ", " + (ap + lda) + " and " + (ap + 2 * lda) + " of " + a.length + " (" + (pl / 2) + " k-pairs)");
    }
    for (int p = 0; p + 2 <= pl; p += 2) {
      int x = ap + p, y = x + lda, z = y + lda;
      float a00 = a[x], a01 = a[x + 1], a10 = a[y], a11 = a[y + 1], a20 = a[z], a21 = a[z + 1];
      float[] b0 = rows[rb + p], b1 = rows[rb + p + 1];
      for (int j = from; j < to; j++) {
        float x0 = b0[j], x1 = b1[j];
        t[j] += a00 * x0 + a01 * x1;
        t[j + MAX_PANEL] += a10 * x0 + a11 * x1;
        t[j + 2 * MAX_PANEL] += a20 * x0 + a21 * x1;
      }
    }
  }

  /** The last {@code pl % 2} k-row for a row triple (see {@link #tail2}). */
  private static void tail3(float[] a, int ap, int lda, float[][] rows, int rb, int pl, float[] t, int from,
      int to) {
    for (int p = pl & ~1; p < pl; p++) {
      float a0 = a[ap + p], a1 = a[ap + lda + p], a2 = a[ap + 2 * lda + p];
      float[] b0 = rows[rb + p];
      for (int j = from; j < to; j++) {
        float x0 = b0[j];
        t[j] += a0 * x0;
        t[j + MAX_PANEL] += a1 * x0;
        t[j + 2 * MAX_PANEL] += a2 * x0;
      }
    }
  }

  /** {@link #rows2} for column ranges narrower than {@link #WIDE}. */
  private static void rows2Narrow(float[] a, int ap, int lda, float[][] rows, int rb, int pl, float[] c0,
      float[] c1, int from, int to) {
    if (from < 0 || to > c0.length || to > c1.length || pl < 0 || rb < 0 || rb + pl > rows.length) {
      throw new IllegalArgumentException("rows2Narrow: columns [" + from + ", " + to + ") of tiles " + c0.length
          + " and " + c1.length + ", k-rows [" + rb + ", " + (rb + pl) + ") of " + rows.length + ", A at " + ap
          + " and " + (ap + lda) + " of " + a.length + " (lda " + lda + ", " + (pl / 2) + " k-pairs)");
    }
    for (int p = 0; p + 2 <= pl; p += 2) {
      int x = ap + p, y = x + lda;
      float a00 = a[x], a01 = a[x + 1], a10 = a[y], a11 = a[y + 1];
      float[] b0 = rows[rb + p], b1 = rows[rb + p + 1];
      for (int j = from; j < to; j++) {
        float x0 = b0[j], x1 = b1[j];
        c0[j] += a00 * x0 + a01 * x1;
        c1[j] += a10 * x0 + a11 * x1;
      }
    }
  }

  /** One C row over {@code pl} k-rows, four k at a time (see {@link #rows2} for the shape of the method). */
  private static void row1(float[] a, int ap, float[][] rows, int rb, int pl, float[] c0, int from, int to) {
    if (from < 0 || to > c0.length || pl < 0 || rb < 0 || rb + pl > rows.length || ap < 0 || ap + pl > a.length) {
      throw new IllegalArgumentException("row1: columns [" + from + ", " + to + ") of a tile of " + c0.length
          + ", k-rows [" + rb + ", " + (rb + pl) + ") of " + rows.length + ", A [" + ap + ", " + (ap + pl) + ") of "
          + a.length + "; a row of " + (to - from) + " columns, " + pl + " deep");
    }
    for (int p = 0; p + 4 <= pl; p += 4) {
      int x = ap + p;
      float a0 = a[x], a1 = a[x + 1], a2 = a[x + 2], a3 = a[x + 3];
      float[] b0 = rows[rb + p], b1 = rows[rb + p + 1], b2 = rows[rb + p + 2], b3 = rows[rb + p + 3];
      for (int j = from; j < to; j++) c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }
  }

  /** {@link #row1} for column ranges narrower than {@link #WIDE}. */
  private static void row1Narrow(float[] a, int ap, float[][] rows, int rb, int pl, float[] c0, int from, int to) {
    if (from < 0 || to > c0.length || pl < 0 || rb < 0 || rb + pl > rows.length || ap < 0 || ap + pl > a.length) {
      throw new IllegalArgumentException("row1Narrow: columns [" + from + ", " + to + ") of a tile of " + c0.length
          + ", k-rows [" + rb + ", " + (rb + pl) + ") of " + rows.length + ", A [" + ap + ", " + (ap + pl) + ") of "
          + a.length + "; a row of " + (to - from) + " columns, " + pl + " deep");
    }
    for (int p = 0; p + 4 <= pl; p += 4) {
      int x = ap + p;
      float a0 = a[x], a1 = a[x + 1], a2 = a[x + 2], a3 = a[x + 3];
      float[] b0 = rows[rb + p], b1 = rows[rb + p + 1], b2 = rows[rb + p + 2], b3 = rows[rb + p + 3];
      for (int j = from; j < to; j++) c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
    }
  }

  /**
   * The last {@code pl % 2} k-row for a row pair, in a method of its own: inside {@link #rows2} it made C2 compile
   * the main loop badly for every odd k.
   */
  private static void tail2(float[] a, int ap, int lda, float[][] rows, int rb, int pl, float[] c0, float[] c1,
      int from, int to) {
    for (int p = pl & ~1; p < pl; p++) {
      float a0 = a[ap + p], a1 = a[ap + lda + p];
      float[] b0 = rows[rb + p];
      for (int j = from; j < to; j++) {
        float x0 = b0[j];
        c0[j] += a0 * x0;
        c1[j] += a1 * x0;
      }
    }
  }

  /** The last {@code pl % 4} k-rows for one row (see {@link #tail2}). */
  private static void tail1(float[] a, int ap, float[][] rows, int rb, int pl, float[] c0, int from, int to) {
    for (int p = pl & ~3; p < pl; p++) {
      float a0 = a[ap + p];
      float[] b0 = rows[rb + p];
      for (int j = from; j < to; j++) c0[j] += a0 * b0[j];
    }
  }

  private static void zero(float[] x, int from, int to) {
    for (int j = from; j < to; j++) x[j] = 0f;
  }

  /**
   * Writes tile columns {@code [js, je)} to {@code c[cPos + js ..]}: raw if more k-blocks follow, else with
   * bias and activation.
   */
  private static void store(Scratch s, float[] t, int tOff, float[] bias, int j0, int js, int je, Activation act,
      float[] c, int cPos, boolean last) {
    int w = je - js;
    if (!last || (bias == null && act == Activation.LINEAR)) {
      System.arraycopy(t, tOff + js, c, cPos + js, w);
      return;
    }
    float[] u = s.u;
    System.arraycopy(t, tOff + js, u, 0, w);
    if (bias != null) {
      float[] v = s.v;
      System.arraycopy(bias, j0 + js, v, 0, w);
      for (int j = 0; j < w; j++) u[j] += v[j];
    }
    if (act != Activation.LINEAR) Activations.apply(act, u, u, w);
    System.arraycopy(u, 0, c, cPos + js, w);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Parallel split

  /**
   * Below this many flops a split costs more than it saves (a hand-over to a parked worker takes tens of
   * microseconds): the MLP's 1x784x128 stays on the caller. Package-private and mutable for tests only.
   */
  static double parallelMinFlops = 1_000_000;

  private static boolean worthSplitting(int m, int k, int n) {
    return 2.0 * m * k * n >= parallelMinFlops && (m >= 4 || n >= 32);
  }

  /** Chunks per thread of a split GEMM: late threads leave theirs to the others; each chunk streams B once. */
  private static final int CHUNKS_PER_THREAD = 4;

  /**
   * The arguments of one parallel call, reused: one per calling thread (the workers only read it while the caller
   * waits for them).
   */
  static final class Split implements WorkerPool.Task {
    float[] a, b, c, bias;
    float[][] packed;
    int aOff, bOff, cOff, m, k, n;
    boolean byRows, transposed;
    Activation act;

    @Override
    public void run(int chunk, int chunks) {
      if (byRows) {
        // row triples spread evenly; boundaries on multiples of 3 keep the grouping (and the sums) of one thread
        int groups = (m + 2) / 3;
        int g0 = (int) ((long) groups * chunk / chunks), g1 = (int) ((long) groups * (chunk + 1) / chunks);
        int i0 = 3 * g0, i1 = Math.min(m, 3 * g1);
        if (i0 < i1 && transposed) computeTransposed(a, aOff, i0, i1, k, packed, b, bOff, n, bias, act, c, cOff);
        else if (i0 < i1) compute(a, aOff, i0, i1, k, packed, b, bOff, n, 0, n, bias, act, c, cOff);
      } else {
        int groups = (n + 15) / 16;
        int g0 = (int) ((long) groups * chunk / chunks), g1 = (int) ((long) groups * (chunk + 1) / chunks);
        int j0 = 16 * g0, j1 = Math.min(n, 16 * g1);
        if (j0 < j1) compute(a, aOff, 0, m, k, packed, b, bOff, n, j0, j1, bias, act, c, cOff);
      }
    }
  }

  private static final ThreadLocal<Split> SPLITS = new ThreadLocal<Split>() {
    @Override
    protected Split initialValue() {
      return new Split();
    }
  };

  private static void parallel(WorkerPool pool, float[] a, int aOff, int m, int k, float[][] packed, float[] b,
      int bOff, int n, float[] bias, Activation act, float[] c, int cOff) {
    if (!pool.tryAcquire()) { // another thread runs a task on the pool: this one computes alone
      if (transposed(m, n)) computeTransposed(a, aOff, 0, m, k, packed, b, bOff, n, bias, act, c, cOff);
      else compute(a, aOff, 0, m, k, packed, b, bOff, n, 0, n, bias, act, c, cOff);
      return;
    }
    Split s = SPLITS.get();
    int threads = pool.threads();
    s.a = a;
    s.aOff = aOff;
    s.m = m;
    s.k = k;
    s.packed = packed;
    s.b = b;
    s.bOff = bOff;
    s.n = n;
    s.bias = bias;
    s.act = act;
    s.c = c;
    s.cOff = cOff;
    s.transposed = transposed(m, n);
    s.byRows = s.transposed || m >= 8 * threads;
    int groups = s.byRows ? (m + 2) / 3 : (n + 15) / 16;
    try {
      pool.run(s, Math.min(groups, CHUNKS_PER_THREAD * threads), threads - 1);
    } finally {
      s.a = s.b = s.c = s.bias = null;
      s.packed = null;
      pool.release();
    }
  }
}

package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * Single-precision matrix multiplication, row-major, written for C2 auto-vectorization (see KERNELS.md): the
 * hot loops index thread-local scratch rows from 0 (the C tile of up to {@link #ROW_BLOCK} rows, and four rows
 * of a B panel), so that every array index is the loop variable plus a constant. B is processed in column panels of
 * {@link #panelWidth} columns, sized so that a panel of all {@code k} rows stays in L2.
 *
 * <p>Packed layout ({@link #packWeights}): panel {@code q} (columns {@code j0 .. j0+nb}) is stored at offset
 * {@code j0 * k}, row-major {@code [k, nb]}, so every B row segment of a panel is contiguous.
 */
public final class Gemm {
  private Gemm() {}

  /** Largest panel width in columns. */
  static final int MAX_PANEL = 512;

  private static final ThreadLocal<float[][]> SCRATCH = new ThreadLocal<float[][]>() {
    @Override
    protected float[][] initialValue() {
      float[][] s = new float[ROW_BLOCK + 4][];
      for (int i = 0; i < s.length; i++) s[i] = new float[MAX_PANEL];
      return s;
    }
  };

  /** Panel width (columns) used for a given depth {@code k} and width {@code n}: about 128 KB per panel. */
  public static int panelWidth(int k, int n) {
    int w = 32768 / Math.max(k, 1);
    w = (w / 16) * 16;
    if (w < 64) w = 64;
    if (w > MAX_PANEL) w = MAX_PANEL;
    return Math.min(w, Math.max(n, 1));
  }

  /** {@code C[m,n] = A[m,k] B[k,n]}, all row-major from index 0. */
  public static void matmul(float[] a, float[] b, float[] c, int m, int k, int n) {
    matmul(a, 0, b, 0, c, 0, m, k, n);
  }

  /** As {@link #matmul(float[], float[], float[], int, int, int)} with start offsets (for batched products). */
  public static void matmul(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int k, int n) {
    int nbMax = panelWidth(k, n);
    for (int j0 = 0; j0 < n; j0 += nbMax) {
      int nb = Math.min(nbMax, n - j0);
      // row p of this panel starts at b[bOff + p * n + j0]
      panel(a, aOff, m, k, b, bOff + j0, n, nb, null, j0, Activation.LINEAR, c, cOff, n);
    }
  }

  /** Packs a constant {@code [k, n]} weight once into the panel layout used by {@link #dense}. Allocates. */
  public static float[] packWeights(float[] b, int k, int n) {
    float[] packed = new float[k * n];
    int nbMax = panelWidth(k, n);
    for (int j0 = 0; j0 < n; j0 += nbMax) {
      int nb = Math.min(nbMax, n - j0);
      int base = j0 * k;
      for (int p = 0; p < k; p++) System.arraycopy(b, p * n + j0, packed, base + p * nb, nb);
    }
    return packed;
  }

  /**
   * Fused dense layer: {@code C[m,n] = act(A[m,k] B + bias)} with {@code B} packed by {@link #packWeights}.
   * {@code bias} may be {@code null}; {@code act == null} means LINEAR; SOFTMAX is a row-wise softmax over the
   * {@code n} outputs. ELU and LEAKY_RELU use the Keras activation defaults (alpha 1 and 0.2).
   */
  public static void dense(float[] a, int m, int k, float[] packedB, int n, float[] bias, Activation act, float[] c) {
    if (act == null) act = Activation.LINEAR;
    Activation tileAct = act == Activation.SOFTMAX ? Activation.LINEAR : act;
    int nbMax = panelWidth(k, n);
    for (int j0 = 0; j0 < n; j0 += nbMax) {
      int nb = Math.min(nbMax, n - j0);
      panel(a, 0, m, k, packedB, j0 * k, nb, nb, bias, j0, tileAct, c, 0, n);
    }
    if (act == Activation.SOFTMAX) {
      for (int i = 0; i < m; i++) Softmax.row(c, c, i * n, n);
    }
  }

  /** Rows of C computed together: the B rows copied to scratch are reused for all of them. */
  static final int ROW_BLOCK = 8;

  /**
   * One column panel for all rows: B row {@code p} of the panel is {@code b[bBase + p * bStride .. + nb)}.
   * Writes {@code act(acc + bias[j0 + j])} into {@code c[cOff + i * ldc + j0 + j]}.
   *
   * <p>Measured on the target machine (JDK 17, no fma): a one-row, four-k inner loop
   * ({@code c[j] += a0 b0[j] + a1 b1[j] + a2 b2[j] + a3 b3[j]}) vectorizes and runs at 20-40 GFLOPS, while the
   * 4-row x 2-k body stays scalar (4-5 GFLOPS). So four B rows are copied into scratch once per k-step and
   * applied to a block of up to {@link #ROW_BLOCK} C rows; m = 1 is the same loop with a block of one row.
   */
  private static void panel(float[] a, int aOff, int m, int k, float[] b, int bBase, int bStride, int nb,
      float[] bias, int j0, Activation act, float[] c, int cOff, int ldc) {
    float[][] s = SCRATCH.get();
    float[] b0 = s[ROW_BLOCK], b1 = s[ROW_BLOCK + 1], b2 = s[ROW_BLOCK + 2], b3 = s[ROW_BLOCK + 3];
    for (int i0 = 0; i0 < m; i0 += ROW_BLOCK) {
      int rows = Math.min(ROW_BLOCK, m - i0);
      for (int r = 0; r < rows; r++) zero(s[r], nb);
      int p = 0;
      for (; p + 4 <= k; p += 4) {
        int bp = bBase + p * bStride;
        System.arraycopy(b, bp, b0, 0, nb);
        System.arraycopy(b, bp + bStride, b1, 0, nb);
        System.arraycopy(b, bp + 2 * bStride, b2, 0, nb);
        System.arraycopy(b, bp + 3 * bStride, b3, 0, nb);
        for (int r = 0; r < rows; r++) {
          int ar = aOff + (i0 + r) * k + p;
          kernel1x4(s[r], b0, b1, b2, b3, a[ar], a[ar + 1], a[ar + 2], a[ar + 3], nb);
        }
      }
      for (; p < k; p++) {
        System.arraycopy(b, bBase + p * bStride, b0, 0, nb);
        for (int r = 0; r < rows; r++) kernel1x1(s[r], b0, a[aOff + (i0 + r) * k + p], nb);
      }
      for (int r = 0; r < rows; r++) store(s[r], bias, j0, act, c, cOff + (i0 + r) * ldc + j0, nb, b1);
    }
  }

  private static void zero(float[] x, int n) {
    for (int j = 0; j < n; j++) x[j] = 0f;
  }

  private static void kernel1x4(float[] c0, float[] b0, float[] b1, float[] b2, float[] b3,
      float a0, float a1, float a2, float a3, int n) {
    for (int j = 0; j < n; j++) c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
  }

  private static void kernel1x1(float[] c0, float[] b0, float a0, int n) {
    for (int j = 0; j < n; j++) c0[j] += a0 * b0[j];
  }

  /** Adds the bias slice, applies the activation in place, and copies the tile row into C. */
  private static void store(float[] t, float[] bias, int j0, Activation act, float[] c, int cPos, int nb, float[] tmp) {
    if (bias != null) {
      System.arraycopy(bias, j0, tmp, 0, nb);
      for (int j = 0; j < nb; j++) t[j] += tmp[j];
    }
    if (act != Activation.LINEAR) Activations.apply(act, t, t, nb);
    System.arraycopy(t, 0, c, cPos, nb);
  }
}

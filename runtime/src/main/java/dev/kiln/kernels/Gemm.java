package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * Single-precision matrix multiplication, row-major, written for C2 auto-vectorization (see KERNELS.md): the
 * hot loops index thread-local scratch rows from 0 (the C tile of up to four rows, and up to four rows of a B
 * panel), so that every array index is the loop variable plus a constant. B is processed in column panels of
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
      float[][] s = new float[8][];
      for (int i = 0; i < 8; i++) s[i] = new float[MAX_PANEL];
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

  /**
   * One column panel for all rows: B row {@code p} of the panel is {@code b[bBase + p * bStride .. + nb)}.
   * Writes {@code act(acc + bias[j0 + j])} into {@code c[cOff + i * ldc + j0 + j]}.
   */
  private static void panel(float[] a, int aOff, int m, int k, float[] b, int bBase, int bStride, int nb,
      float[] bias, int j0, Activation act, float[] c, int cOff, int ldc) {
    float[][] s = SCRATCH.get();
    float[] c0 = s[0], c1 = s[1], c2 = s[2], c3 = s[3];
    float[] b0 = s[4], b1 = s[5], b2 = s[6], b3 = s[7];
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      zero(c0, nb);
      zero(c1, nb);
      zero(c2, nb);
      zero(c3, nb);
      int r0 = aOff + i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
      int p = 0;
      for (; p + 2 <= k; p += 2) {
        System.arraycopy(b, bBase + p * bStride, b0, 0, nb);
        System.arraycopy(b, bBase + (p + 1) * bStride, b1, 0, nb);
        kernel4x2(c0, c1, c2, c3, b0, b1,
            a[r0 + p], a[r0 + p + 1], a[r1 + p], a[r1 + p + 1],
            a[r2 + p], a[r2 + p + 1], a[r3 + p], a[r3 + p + 1], nb);
      }
      for (; p < k; p++) {
        System.arraycopy(b, bBase + p * bStride, b0, 0, nb);
        kernel4x1(c0, c1, c2, c3, b0, a[r0 + p], a[r1 + p], a[r2 + p], a[r3 + p], nb);
      }
      store(c0, bias, j0, act, c, cOff + i * ldc + j0, nb);
      store(c1, bias, j0, act, c, cOff + (i + 1) * ldc + j0, nb);
      store(c2, bias, j0, act, c, cOff + (i + 2) * ldc + j0, nb);
      store(c3, bias, j0, act, c, cOff + (i + 3) * ldc + j0, nb);
    }
    for (; i < m; i++) {
      // skinny path: one row, four k at a time
      zero(c0, nb);
      int r0 = aOff + i * k;
      int p = 0;
      for (; p + 4 <= k; p += 4) {
        System.arraycopy(b, bBase + p * bStride, b0, 0, nb);
        System.arraycopy(b, bBase + (p + 1) * bStride, b1, 0, nb);
        System.arraycopy(b, bBase + (p + 2) * bStride, b2, 0, nb);
        System.arraycopy(b, bBase + (p + 3) * bStride, b3, 0, nb);
        kernel1x4(c0, b0, b1, b2, b3, a[r0 + p], a[r0 + p + 1], a[r0 + p + 2], a[r0 + p + 3], nb);
      }
      for (; p < k; p++) {
        System.arraycopy(b, bBase + p * bStride, b0, 0, nb);
        kernel1x1(c0, b0, a[r0 + p], nb);
      }
      store(c0, bias, j0, act, c, cOff + i * ldc + j0, nb);
    }
  }

  private static void zero(float[] x, int n) {
    for (int j = 0; j < n; j++) x[j] = 0f;
  }

  private static void kernel4x2(float[] c0, float[] c1, float[] c2, float[] c3, float[] b0, float[] b1,
      float a00, float a01, float a10, float a11, float a20, float a21, float a30, float a31, int n) {
    for (int j = 0; j < n; j++) {
      float x = b0[j];
      float y = b1[j];
      c0[j] += a00 * x + a01 * y;
      c1[j] += a10 * x + a11 * y;
      c2[j] += a20 * x + a21 * y;
      c3[j] += a30 * x + a31 * y;
    }
  }

  private static void kernel4x1(float[] c0, float[] c1, float[] c2, float[] c3, float[] b0,
      float a0, float a1, float a2, float a3, int n) {
    for (int j = 0; j < n; j++) {
      float x = b0[j];
      c0[j] += a0 * x;
      c1[j] += a1 * x;
      c2[j] += a2 * x;
      c3[j] += a3 * x;
    }
  }

  private static void kernel1x4(float[] c0, float[] b0, float[] b1, float[] b2, float[] b3,
      float a0, float a1, float a2, float a3, int n) {
    for (int j = 0; j < n; j++) c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
  }

  private static void kernel1x1(float[] c0, float[] b0, float a0, int n) {
    for (int j = 0; j < n; j++) c0[j] += a0 * b0[j];
  }

  /** Adds the bias slice, applies the activation in place, and copies the tile row into C. */
  private static void store(float[] t, float[] bias, int j0, Activation act, float[] c, int cPos, int nb) {
    if (bias != null) {
      for (int j = 0; j < nb; j++) t[j] += bias[j0 + j];
    }
    if (act != Activation.LINEAR) Activations.apply(act, t, t, nb);
    System.arraycopy(t, 0, c, cPos, nb);
  }
}

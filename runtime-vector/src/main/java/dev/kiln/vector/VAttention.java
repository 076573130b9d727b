package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.SUB;

import dev.kiln.kernels.Attention;
import jdk.incubator.vector.FloatVector;

/**
 * The vector {@code attention}: {@link Attention}'s computation (same scale, mask and softmax semantics) in register
 * tiles of {@link #ROWS} query rows by two vectors, like {@link Sgemm}'s micro-kernel, each loaded vector serving every
 * row of the tile. Per batch row and head the keys are transposed once ({@code [dk, tk]}); then per block of query rows
 * (read in place) their scores, scaled as they are stored ({@link #tile}), the mask (a scalar pass only where there is
 * a mask or causality), the maximum and the exponentials (the {@code EXP} intrinsic) in vector passes, and the block's
 * exponentials times the values (read in place: {@link #tile} again), each row divided by its sum of exponentials as
 * it is stored. A last block of fewer rows repeats its last row in the tile's spare rows (the same values computed and
 * stored twice).
 *
 * <p>Shapes it leaves to {@link Attention} ({@link #supports}): one query row, keys not a multiple of four vectors,
 * value heads not a multiple of the vector length.
 */
final class VAttention {
  private VAttention() {}

  private static final int VL = Sgemm.VL;
  /** Query rows per register tile: 12 accumulators of two vectors, as AVX2's 16 registers allow. */
  static final int ROWS = 6;

  /** Whether {@link #compute} runs this shape (else {@link Attention} does). */
  static boolean supports(int tq, int tk, int dv) {
    return tq >= 2 && tk > 0 && tk % (4 * VL) == 0 && dv % VL == 0;
  }

  /** See {@code KernelSet.attention}; the shape must be one {@link #supports}. */
  static void compute(float[] q, float[] k, float[] v, int batch, int tq, int tk, int heads, int dk, int dv,
      float scale, int[] mask, int maskBatchStride, int maskRowStride, int maskKeyStride, boolean causal,
      boolean subtractMasked, float[] out, float[] work) {
    compute(q, k, v, tq, tk, heads, dk, dv, scale, mask, maskBatchStride, maskRowStride, maskKeyStride, causal,
        subtractMasked, out, work, 0, batch * heads);
  }

  /**
   * {@link #compute} for the pairs {@code [p0, p1)} of batch row {@code p / heads} and head {@code p % heads}: what
   * one thread does when threads share a call, each with its own {@code work}.
   */
  static void compute(float[] q, float[] k, float[] v, int tq, int tk, int heads, int dk, int dv, float scale,
      int[] mask, int maskBatchStride, int maskRowStride, int maskKeyStride, boolean causal, boolean subtractMasked,
      float[] out, float[] work, int p0, int p1) {
    int qw = heads * dk, vw = heads * dv;
    // within Attention.workSize: the keys transposed, one block's scores, its rows' factors for the scores (the
    // scale) and for the outputs (1 / the sums of exponentials)
    int kt = 0, sc = kt + dk * tk, scales = sc + Math.min(ROWS, tq) * tk, inv = scales + ROWS;
    java.util.Arrays.fill(work, scales, scales + ROWS, scale);
    for (int pair = p0; pair < p1; pair++) {
      int b = pair / heads, h = pair - b * heads;
      {
        for (int j = 0; j < tk; j++) {
          int ko = (b * tk + j) * qw + h * dk;
          for (int p = 0; p < dk; p++) work[kt + p * tk + j] = k[ko + p];
        }
        int vOff = b * tk * vw + h * dv;
        for (int i0 = 0; i0 < tq; i0 += ROWS) {
          int last = Math.min(ROWS, tq - i0) - 1;
          int qOff = (b * tq + i0) * qw + h * dk;
          for (int j = 0; j < tk; j += 2 * VL) {
            tile(q, qOff, qw, last, dk, work, kt + j, tk, work, scales, work, sc + j, tk);
          }
          for (int r = 0; r <= last; r++) {
            work[inv + r] = softmax(work, sc + r * tk, tk, mask, b, i0 + r, maskBatchStride, maskRowStride,
                maskKeyStride, causal, subtractMasked);
          }
          int oOff = (b * tq + i0) * vw + h * dv, c = 0;
          for (; c + 2 * VL <= dv; c += 2 * VL) {
            tile(work, sc, tk, last, tk, v, vOff + c, vw, work, inv, out, oOff + c, vw);
          }
          if (c < dv) values1(work, sc, tk, last, v, vOff + c, vw, work, inv, out, oOff + c);
        }
      }
    }
  }

  /**
   * A register tile of rows {@code 0..last} ({@link #ROWS} rows; spare rows repeat the last) times two vectors:
   * {@code c[cOff + r * ldc + x] = f[fOff + r] * sum_p a[aOff + r * lda + p] * b[bOff + p * ldb + x]} over
   * {@code p < n}, {@code x < 2 VL}. Each loaded vector of {@code b} serves every row. The scores are the queries
   * (in place) times the transposed keys, with the scale as every row's factor; the outputs are the exponentials
   * times the values (in place), with 1 / the row's sum.
   */
  private static void tile(float[] a, int aOff, int lda, int last, int n, float[] b, int bOff, int ldb, float[] f,
      int fOff, float[] c, int cOff, int ldc) {
    int a0 = aOff, a1 = aOff + Math.min(1, last) * lda, a2 = aOff + Math.min(2, last) * lda;
    int a3 = aOff + Math.min(3, last) * lda, a4 = aOff + Math.min(4, last) * lda, a5 = aOff + Math.min(5, last) * lda;
    FloatVector c00 = FloatVector.zero(Sgemm.S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int p = 0; p < n; p++) {
      int bi = bOff + p * ldb;
      FloatVector b0 = FloatVector.fromArray(Sgemm.S, b, bi);
      FloatVector b1 = FloatVector.fromArray(Sgemm.S, b, bi + VL);
      FloatVector x = FloatVector.broadcast(Sgemm.S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(Sgemm.S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(Sgemm.S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(Sgemm.S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(Sgemm.S, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(Sgemm.S, a[a5 + p]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    // spare rows store their copy of the last row over it
    int r1 = Math.min(1, last), r2 = Math.min(2, last), r3 = Math.min(3, last), r4 = Math.min(4, last);
    int r5 = Math.min(5, last);
    int o1 = cOff + r1 * ldc, o2 = cOff + r2 * ldc, o3 = cOff + r3 * ldc, o4 = cOff + r4 * ldc, o5 = cOff + r5 * ldc;
    float f0 = f[fOff], f1 = f[fOff + r1], f2 = f[fOff + r2], f3 = f[fOff + r3], f4 = f[fOff + r4];
    float f5 = f[fOff + r5];
    c00.mul(f0).intoArray(c, cOff);
    c01.mul(f0).intoArray(c, cOff + VL);
    c10.mul(f1).intoArray(c, o1);
    c11.mul(f1).intoArray(c, o1 + VL);
    c20.mul(f2).intoArray(c, o2);
    c21.mul(f2).intoArray(c, o2 + VL);
    c30.mul(f3).intoArray(c, o3);
    c31.mul(f3).intoArray(c, o3 + VL);
    c40.mul(f4).intoArray(c, o4);
    c41.mul(f4).intoArray(c, o4 + VL);
    c50.mul(f5).intoArray(c, o5);
    c51.mul(f5).intoArray(c, o5 + VL);
  }

  /**
   * Query row {@code i}'s scaled scores at {@code s[o, o+tk)} masked as {@link Attention#masked} and replaced by
   * {@code e^(x - max)}; returns 1 / their sum.
   */
  private static float softmax(float[] s, int o, int tk, int[] mask, int b, int i, int maskBatchStride,
      int maskRowStride, int maskKeyStride, boolean causal, boolean subtractMasked) {
    float max;
    if (mask == null && !causal) {
      FloatVector m = FloatVector.broadcast(Sgemm.S, Float.NEGATIVE_INFINITY);
      for (int j = 0; j < tk; j += VL) m = m.lanewise(MAX, FloatVector.fromArray(Sgemm.S, s, o + j));
      max = m.reduceLanes(MAX);
    } else {
      int mo = mask == null ? 0 : b * maskBatchStride + i * maskRowStride;
      max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < tk; j++) {
        boolean keep = (mask == null || mask[mo + j * maskKeyStride] != 0) && (!causal || j <= i);
        float x = Attention.masked(s[o + j], keep, subtractMasked);
        s[o + j] = x;
        max = Math.max(max, x);
      }
    }
    FloatVector sum = FloatVector.zero(Sgemm.S);
    for (int j = 0; j < tk; j += VL) {
      FloatVector e = FloatVector.fromArray(Sgemm.S, s, o + j).lanewise(SUB, max).lanewise(EXP);
      e.intoArray(s, o + j);
      sum = sum.lanewise(ADD, e);
    }
    return 1f / sum.reduceLanes(ADD);
  }

  /**
   * One vector of the outputs of rows {@code 0..last} (a value head of an odd number of vectors ends with one):
   * {@link #tile}'s product of the exponentials and the values.
   */
  private static void values1(float[] p, int pOff, int tk, int last, float[] v, int vOff, int ld, float[] inv,
      int invOff, float[] out, int oOff) {
    int p0 = pOff, p1 = pOff + Math.min(1, last) * tk, p2 = pOff + Math.min(2, last) * tk;
    int p3 = pOff + Math.min(3, last) * tk, p4 = pOff + Math.min(4, last) * tk, p5 = pOff + Math.min(5, last) * tk;
    FloatVector c0 = FloatVector.zero(Sgemm.S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
    for (int j = 0; j < tk; j++) {
      FloatVector w = FloatVector.fromArray(Sgemm.S, v, vOff + j * ld);
      c0 = FloatVector.broadcast(Sgemm.S, p[p0 + j]).fma(w, c0);
      c1 = FloatVector.broadcast(Sgemm.S, p[p1 + j]).fma(w, c1);
      c2 = FloatVector.broadcast(Sgemm.S, p[p2 + j]).fma(w, c2);
      c3 = FloatVector.broadcast(Sgemm.S, p[p3 + j]).fma(w, c3);
      c4 = FloatVector.broadcast(Sgemm.S, p[p4 + j]).fma(w, c4);
      c5 = FloatVector.broadcast(Sgemm.S, p[p5 + j]).fma(w, c5);
    }
    c0.mul(inv[invOff]).intoArray(out, oOff);
    c1.mul(inv[invOff + Math.min(1, last)]).intoArray(out, oOff + Math.min(1, last) * ld);
    c2.mul(inv[invOff + Math.min(2, last)]).intoArray(out, oOff + Math.min(2, last) * ld);
    c3.mul(inv[invOff + Math.min(3, last)]).intoArray(out, oOff + Math.min(3, last) * ld);
    c4.mul(inv[invOff + Math.min(4, last)]).intoArray(out, oOff + Math.min(4, last) * ld);
    c5.mul(inv[invOff + Math.min(5, last)]).intoArray(out, oOff + Math.min(5, last) * ld);
  }
}

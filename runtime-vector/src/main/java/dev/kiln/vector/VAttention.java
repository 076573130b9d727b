package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.SUB;

import dev.kiln.kernels.Attention;
import jdk.incubator.vector.FloatVector;

/**
 * The vector {@code attention}: {@link Attention}'s computation (same scale, mask and softmax semantics) two query rows
 * at a time. Per batch row and head the keys are transposed once ({@code [dk, tk]}) and the values copied contiguous
 * ({@code [tk, dv]}); then per pair of query rows their scores against four key vectors at a time (eight chains), the
 * scale, the mask (a scalar pass only where there is a mask or causality), the maximum and the exponentials (the
 * {@code EXP} intrinsic) in vector passes, and the rows times the values (two chains per row and value vector), each
 * divided by its sum of exponentials as it is stored. An odd last query row is computed as a pair with itself.
 *
 * <p>Shapes it leaves to {@link Attention} ({@link #supports}): one query row, keys not a multiple of four vectors,
 * value heads not a multiple of the vector length.
 */
final class VAttention {
  private VAttention() {}

  private static final int VL = Sgemm.VL;

  /** Whether {@link #compute} runs this shape (else {@link Attention} does). */
  static boolean supports(int tq, int tk, int dv) {
    return tq >= 2 && tk > 0 && tk % (4 * VL) == 0 && dv % VL == 0;
  }

  /** See {@code KernelSet.attention}; the shape must be one {@link #supports}. */
  static void compute(float[] q, float[] k, float[] v, int batch, int tq, int tk, int heads, int dk, int dv,
      float scale, int[] mask, int maskBatchStride, int maskRowStride, int maskKeyStride, boolean causal,
      boolean subtractMasked, float[] out, float[] work) {
    int qw = heads * dk, vw = heads * dv;
    int kt = 0, vh = kt + dk * tk, s0 = vh + tk * dv, s1 = s0 + tk; // within Attention.workSize when tq >= 2
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int j = 0; j < tk; j++) {
          int ko = (b * tk + j) * qw + h * dk;
          for (int p = 0; p < dk; p++) work[kt + p * tk + j] = k[ko + p];
          System.arraycopy(v, (b * tk + j) * vw + h * dv, work, vh + j * dv, dv);
        }
        for (int i = 0; i < tq; i += 2) {
          int i1 = Math.min(i + 1, tq - 1);
          int q0 = (b * tq + i) * qw + h * dk, q1 = (b * tq + i1) * qw + h * dk;
          for (int j = 0; j < tk; j += 4 * VL) scores(q, q0, q1, dk, work, kt + j, tk, work, s0 + j, s1 + j);
          float inv0 = softmax(work, s0, tk, scale, mask, b, i, maskBatchStride, maskRowStride, maskKeyStride, causal,
              subtractMasked);
          float inv1 = softmax(work, s1, tk, scale, mask, b, i1, maskBatchStride, maskRowStride, maskKeyStride, causal,
              subtractMasked);
          int o0 = (b * tq + i) * vw + h * dv, o1 = (b * tq + i1) * vw + h * dv;
          for (int c = 0; c < dv; c += VL) values(work, s0, s1, tk, work, vh + c, dv, inv0, inv1, out, o0 + c, o1 + c);
        }
      }
    }
  }

  /** Two query rows' unscaled scores against four key vectors: {@code kt} is k-major, rows {@code ld} apart. */
  private static void scores(float[] q, int q0, int q1, int dk, float[] kt, int kOff, int ld, float[] s, int s0,
      int s1) {
    FloatVector a0 = FloatVector.zero(Sgemm.S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (int p = 0; p < dk; p++) {
      int ki = kOff + p * ld;
      FloatVector x = FloatVector.broadcast(Sgemm.S, q[q0 + p]);
      FloatVector y = FloatVector.broadcast(Sgemm.S, q[q1 + p]);
      FloatVector w = FloatVector.fromArray(Sgemm.S, kt, ki);
      a0 = x.fma(w, a0);
      b0 = y.fma(w, b0);
      w = FloatVector.fromArray(Sgemm.S, kt, ki + VL);
      a1 = x.fma(w, a1);
      b1 = y.fma(w, b1);
      w = FloatVector.fromArray(Sgemm.S, kt, ki + 2 * VL);
      a2 = x.fma(w, a2);
      b2 = y.fma(w, b2);
      w = FloatVector.fromArray(Sgemm.S, kt, ki + 3 * VL);
      a3 = x.fma(w, a3);
      b3 = y.fma(w, b3);
    }
    a0.intoArray(s, s0);
    a1.intoArray(s, s0 + VL);
    a2.intoArray(s, s0 + 2 * VL);
    a3.intoArray(s, s0 + 3 * VL);
    b0.intoArray(s, s1);
    b1.intoArray(s, s1 + VL);
    b2.intoArray(s, s1 + 2 * VL);
    b3.intoArray(s, s1 + 3 * VL);
  }

  /**
   * Query row {@code i}'s scores at {@code s[o, o+tk)} scaled, masked as {@link Attention#masked} and replaced by
   * {@code e^(x - max)}; returns 1 / their sum.
   */
  private static float softmax(float[] s, int o, int tk, float scale, int[] mask, int b, int i, int maskBatchStride,
      int maskRowStride, int maskKeyStride, boolean causal, boolean subtractMasked) {
    float max;
    if (mask == null && !causal) {
      FloatVector m = FloatVector.broadcast(Sgemm.S, Float.NEGATIVE_INFINITY);
      for (int j = 0; j < tk; j += VL) {
        FloatVector x = FloatVector.fromArray(Sgemm.S, s, o + j).mul(scale);
        x.intoArray(s, o + j);
        m = m.lanewise(MAX, x);
      }
      max = m.reduceLanes(MAX);
    } else {
      int mo = mask == null ? 0 : b * maskBatchStride + i * maskRowStride;
      max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < tk; j++) {
        boolean keep = (mask == null || mask[mo + j * maskKeyStride] != 0) && (!causal || j <= i);
        float x = Attention.masked(s[o + j] * scale, keep, subtractMasked);
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
   * One vector of both rows' outputs: {@code sum_j p[j] * vh[j]} over the keys (even and odd keys in separate chains),
   * times the row's {@code inv}, into {@code out}.
   */
  private static void values(float[] p, int p0, int p1, int tk, float[] vh, int vOff, int ld, float inv0, float inv1,
      float[] out, int o0, int o1) {
    FloatVector a = FloatVector.zero(Sgemm.S), a2 = a, c = a, c2 = a;
    for (int j = 0; j < tk; j += 2) {
      FloatVector w = FloatVector.fromArray(Sgemm.S, vh, vOff + j * ld);
      FloatVector w2 = FloatVector.fromArray(Sgemm.S, vh, vOff + (j + 1) * ld);
      a = FloatVector.broadcast(Sgemm.S, p[p0 + j]).fma(w, a);
      c = FloatVector.broadcast(Sgemm.S, p[p1 + j]).fma(w, c);
      a2 = FloatVector.broadcast(Sgemm.S, p[p0 + j + 1]).fma(w2, a2);
      c2 = FloatVector.broadcast(Sgemm.S, p[p1 + j + 1]).fma(w2, c2);
    }
    a.lanewise(ADD, a2).mul(inv0).intoArray(out, o0);
    c.lanewise(ADD, c2).mul(inv1).intoArray(out, o1);
  }
}

package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * Scaled dot-product attention over heads side by side in the last axis, as blocked GEMMs: per batch row, head and block
 * of up to {@link #QUERY_BLOCK} query steps, the scores of the block against every key as one {@link Gemm} product
 * (the head's keys transposed once), then the scale, the mask and the softmax's exponentials in one pass over the
 * block's scores, then their product with the head's values as one GEMM, each output row divided by its sum of
 * exponentials as it is written. The pure-Java {@link KernelSet#attention}.
 *
 * <p>Inputs {@code q [batch, tq, heads*dk]}, {@code k [batch, tk, heads*dk]}, {@code v [batch, tk, heads*dv]}; output
 * {@code [batch, tq, heads*dv]}. Query {@code i} of batch row {@code b} sees key {@code j} when
 * {@code mask[b*maskBatchStride + i*maskRowStride + j*maskKeyStride] != 0} (no mask: every key) and, with
 * {@code causal}, {@code j <= i}. A hidden score becomes {@link #LARGE_NEGATIVE} (Keras 3's
 * {@code ops.dot_product_attention}, which {@code MultiHeadAttention} uses: a row with no key left averages the values)
 * or, with {@code subtractMasked}, the score minus 1e9 (Keras' {@code Attention} layer).
 */
public final class Attention {
  private Attention() {}

  /** Keras' {@code _get_large_negative(float32)}: what a hidden score becomes unless subtracted from. */
  public static final float LARGE_NEGATIVE = (float) (3.38953e38 * -0.7);
  /** What Keras' {@code Attention} layer subtracts from hidden scores. */
  public static final float SUBTRACTED = 1e9f;
  /** Query steps per block: the block's scores are {@code QUERY_BLOCK * tk} floats. */
  static final int QUERY_BLOCK = 64;

  /** Floats of working space {@link KernelSet#attention} may use. */
  public static long workSize(int tq, int tk, int dk, int dv) {
    long r = Math.min(tq, QUERY_BLOCK);
    return r * dk + (long) dk * tk + (long) tk * dv + r * tk + r * dv + r;
  }

  /** The score of query {@code i} for key {@code j} after the scale and the mask: see the class comment. */
  public static float masked(float scaled, boolean keep, boolean subtractMasked) {
    if (keep) return scaled;
    return subtractMasked ? scaled - SUBTRACTED : LARGE_NEGATIVE;
  }

  /** See {@link KernelSet#attention}. */
  static void compute(float[] q, float[] k, float[] v, int batch, int tq, int tk, int heads, int dk, int dv,
      float scale, int[] mask, int maskBatchStride, int maskRowStride, int maskKeyStride, boolean causal,
      boolean subtractMasked, float[] out, float[] work) {
    int qw = heads * dk, vw = heads * dv;
    if (tk == 0) { // no key: nothing to attend to
      java.util.Arrays.fill(out, 0, batch * tq * vw, 0f);
      return;
    }
    int block = Math.min(tq, QUERY_BLOCK);
    int qh = 0, kt = qh + block * dk, vh = kt + dk * tk, sc = vh + tk * dv, oh = sc + block * tk, inv = oh + block * dv;
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int j = 0; j < tk; j++) {
          int ko = (b * tk + j) * qw + h * dk;
          for (int p = 0; p < dk; p++) work[kt + p * tk + j] = k[ko + p];
          System.arraycopy(v, (b * tk + j) * vw + h * dv, work, vh + j * dv, dv);
        }
        for (int i0 = 0; i0 < tq; i0 += block) {
          int rows = Math.min(block, tq - i0);
          for (int r = 0; r < rows; r++) System.arraycopy(q, (b * tq + i0 + r) * qw + h * dk, work, qh + r * dk, dk);
          Gemm.compute(work, qh, 0, rows, dk, null, work, kt, tk, 0, tk, null, Activation.LINEAR, work, sc);
          for (int r = 0; r < rows; r++) {
            int i = i0 + r, s = sc + r * tk;
            int m = mask == null ? 0 : b * maskBatchStride + i * maskRowStride;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < tk; j++) {
              boolean keep = (mask == null || mask[m + j * maskKeyStride] != 0) && (!causal || j <= i);
              float x = masked(work[s + j] * scale, keep, subtractMasked);
              work[s + j] = x;
              max = Math.max(max, x);
            }
            float sum = 0f;
            for (int j = 0; j < tk; j++) {
              float e = (float) Math.exp(work[s + j] - max);
              work[s + j] = e;
              sum += e;
            }
            work[inv + r] = 1f / sum;
          }
          Gemm.compute(work, sc, 0, rows, tk, null, work, vh, dv, 0, dv, null, Activation.LINEAR, work, oh);
          for (int r = 0; r < rows; r++) {
            int o = (b * tq + i0 + r) * vw + h * dv;
            float f = work[inv + r];
            for (int p = 0; p < dv; p++) out[o + p] = work[oh + r * dv + p] * f;
          }
        }
      }
    }
  }
}

package dev.kiln.sequence;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.layers.Attention;
import dev.kiln.layers.GRU;
import dev.kiln.layers.LSTM;
import dev.kiln.layers.MultiHeadAttention;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Kiln's recurrent and attention layers, eagerly, against the float64 {@link Reference} written from Keras 3's source:
 * GRU with {@code reset_after} true (Keras 3's default, which TF.js lacks) and false, LSTM, over masked batches of
 * mixed lengths, forwards and backwards; MultiHeadAttention with query, value and key masks, the causal mask, an
 * explicit attention mask, another value size and output shape; Attention in dot and concat modes with scale, masks
 * and the causal mask. Tolerance 1e-5 of the output's scale (float32 against float64).
 */
class RecurrentAndAttentionReferenceTest {
  static final double TOL = 1e-5;

  @Test
  void gruBothResetConventionsMatchKeras() {
    for (boolean resetAfter : new boolean[] {true, false}) {
      for (boolean backwards : new boolean[] {false, true}) {
        Random r = new Random(resetAfter ? 11 : 12);
        int batch = 3, time = 7, in = 5, units = 4;
        double[] kernel = gaussian(r, in * 3 * units, 0.5);
        double[] recurrent = gaussian(r, units * 3 * units, 0.5);
        double[] bias = gaussian(r, (resetAfter ? 2 : 1) * 3 * units, 0.5);
        double[] x = gaussian(r, batch * time * in, 1);
        boolean[] mask = lengths(batch, time, 7, 3, 5, backwards);
        GRU gru = new GRU(units).resetAfter(resetAfter).returnSequences(true).returnState(true).goBackwards(backwards);
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("kernel", f(kernel, in, 3 * units));
        w.put("recurrent_kernel", f(recurrent, units, 3 * units));
        w.put("bias", resetAfter ? f(bias, 2, 3 * units) : f(bias, 3 * units));
        gru.loadWeights("", Weights.of(w));
        Tensor xs = f(x, batch, time, in);
        Tensor[] out = gru.applyAll(xs.withMask(Tensor.ofBooleans(mask, batch, time)));
        double[][] ref = Reference.rnn(Reference.gru(in, units, kernel, recurrent, bias, resetAfter), 1, x, batch, time,
            in, units, mask, backwards, false);
        String what = "GRU resetAfter " + resetAfter + (backwards ? " backwards" : "");
        close(what + " sequence", out[0], ref[0]);
        close(what + " h", out[1], ref[1]);
        assertWithMessage("%s keeps the mask with returnSequences", what).that(out[0].mask()).isNotNull();
      }
    }
  }

  @Test
  void lstmMatchesKerasWithMasksAndZeroOutput() {
    Random r = new Random(5);
    int batch = 4, time = 6, in = 3, units = 5;
    double[] kernel = gaussian(r, in * 4 * units, 0.5);
    double[] recurrent = gaussian(r, units * 4 * units, 0.5);
    double[] bias = gaussian(r, 4 * units, 0.5);
    double[] x = gaussian(r, batch * time * in, 1);
    boolean[] mask = lengths(batch, time, 6, 1, 4, false);
    mask[3 * time + 2] = false; // a hole inside a row
    LSTM lstm = new LSTM(units).returnState(true);
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("kernel", f(kernel, in, 4 * units));
    w.put("recurrent_kernel", f(recurrent, units, 4 * units));
    w.put("bias", f(bias, 4 * units));
    lstm.loadWeights("", Weights.of(w));
    Tensor[] out = lstm.applyAll(f(x, batch, time, in), false, Tensor.ofBooleans(mask, batch, time));
    double[][] ref = Reference.rnn(Reference.lstm(in, units, kernel, recurrent, bias), 2, x, batch, time, in, units, mask,
        false, false);
    double[] last = new double[batch * units];
    for (int b = 0; b < batch; b++) System.arraycopy(ref[0], (b * time + time - 1) * units, last, b * units, units);
    close("LSTM last output", out[0], last);
    close("LSTM h", out[1], ref[1]);
    close("LSTM c", out[2], ref[2]);
    assertWithMessage("the last output carries no mask").that(out[0].mask()).isNull();
  }

  @Test
  void multiHeadAttentionMatchesKeras() {
    Random r = new Random(21);
    int batch = 2, tq = 4, tk = 5, dq = 6, dv = 3, dk = 4, heads = 3, keyDim = 2, valueDim = 3, out = 5;
    for (int variant = 0; variant < 4; variant++) {
      boolean causal = variant == 1;
      boolean explicit = variant == 2;
      boolean withKey = variant != 3;
      int kDim = withKey ? dk : dv;
      double[] q = gaussian(r, batch * tq * dq, 1);
      double[] v = gaussian(r, batch * tk * dv, 1);
      double[] k = withKey ? gaussian(r, batch * tk * dk, 1) : v;
      double[] wq = gaussian(r, dq * heads * keyDim, 0.5);
      double[] wk = gaussian(r, kDim * heads * keyDim, 0.5);
      double[] wv = gaussian(r, dv * heads * valueDim, 0.5);
      double[] wo = gaussian(r, heads * valueDim * out, 0.5);
      double[] bq = gaussian(r, heads * keyDim, 0.5);
      double[] bk = gaussian(r, heads * keyDim, 0.5);
      double[] bv = gaussian(r, heads * valueDim, 0.5);
      double[] bo = gaussian(r, out, 0.5);
      boolean[] qMask = lengths(batch, tq, 4, 2, 0, false);
      boolean[] vMask = lengths(batch, tk, 3, 5, 0, false);
      boolean[] kMask = lengths(batch, tk, 5, 4, 0, false);
      boolean[] attn = new boolean[batch * tq * tk];
      for (int i = 0; i < attn.length; i++) attn[i] = r.nextInt(4) != 0;
      // Keras' _compute_attention_mask: query [b,tq,1] & value [b,1,tk] & key & causal & explicit
      boolean[] mask = new boolean[batch * tq * tk];
      for (int b = 0; b < batch; b++) {
        for (int i = 0; i < tq; i++) {
          for (int j = 0; j < tk; j++) {
            boolean m = qMask[b * tq + i] && vMask[b * tk + j] && (!withKey || kMask[b * tk + j]);
            if (causal) m &= j <= i;
            if (explicit) m &= attn[(b * tq + i) * tk + j];
            mask[(b * tq + i) * tk + j] = m;
          }
        }
      }
      MultiHeadAttention mha = new MultiHeadAttention(heads, keyDim).valueDim(valueDim).outputShape(out)
          .useCausalMask(causal);
      Map<String, Tensor> w = new LinkedHashMap<>();
      w.put("query/kernel", f(wq, dq, heads, keyDim));
      w.put("query/bias", f(bq, heads, keyDim));
      w.put("key/kernel", f(wk, kDim, heads, keyDim));
      w.put("key/bias", f(bk, heads, keyDim));
      w.put("value/kernel", f(wv, dv, heads, valueDim));
      w.put("value/bias", f(bv, heads, valueDim));
      w.put("attention_output/kernel", f(wo, heads, valueDim, out));
      w.put("attention_output/bias", f(bo, out));
      mha.loadWeights("mha", Weights.of(prefixed("mha", w)));
      Tensor query = f(q, batch, tq, dq).withMask(Tensor.ofBooleans(qMask, batch, tq));
      Tensor value = f(v, batch, tk, dv).withMask(Tensor.ofBooleans(vMask, batch, tk));
      Tensor key = f(k, batch, tk, kDim).withMask(Tensor.ofBooleans(kMask, batch, tk));
      Tensor y;
      if (explicit) y = mha.apply(query, value, key, Tensor.ofBooleans(attn, batch, tq, tk));
      else if (withKey) y = mha.apply(query, value, key);
      else y = mha.apply(query, value);
      double[] ref = Reference.multiHeadAttention(q, v, k, batch, tq, tk, dq, dv, kDim, heads, keyDim, valueDim, out, wq,
          bq, wk, bk, wv, bv, wo, bo, mask);
      close("MultiHeadAttention variant " + variant, y, ref);
      assertWithMessage("output mask is the query's").that(y.mask().toIntArray())
          .isEqualTo(Tensor.ofBooleans(qMask, batch, tq).toIntArray());
    }
  }

  @Test
  void attentionMatchesKeras() {
    Random r = new Random(31);
    int batch = 2, tq = 3, tv = 4, dim = 5;
    for (int variant = 0; variant < 4; variant++) {
      boolean concat = variant >= 2;
      boolean useScale = variant % 2 == 1;
      boolean causal = variant == 1;
      double[] q = gaussian(r, batch * tq * dim, 1);
      double[] v = gaussian(r, batch * tv * dim, 1);
      double[] k = gaussian(r, batch * tv * dim, 1);
      boolean[] qMask = lengths(batch, tq, 3, 2, 0, false);
      boolean[] vMask = lengths(batch, tv, 2, 4, 0, false);
      double scale = useScale ? 0.7 : 1;
      double concatWeight = 1.3;
      boolean[] scoresMask = new boolean[batch * tq * tv];
      for (int b = 0; b < batch; b++) {
        for (int i = 0; i < tq; i++) {
          for (int j = 0; j < tv; j++) scoresMask[(b * tq + i) * tv + j] = vMask[b * tv + j] && (!causal || j <= i);
        }
      }
      Attention layer = new Attention().useScale(useScale).useCausalMask(causal)
          .scoreMode(concat ? Attention.ScoreMode.CONCAT : Attention.ScoreMode.DOT);
      Map<String, Tensor> w = new LinkedHashMap<>();
      if (useScale) w.put("scale", Tensor.of(new float[] {(float) scale}));
      if (concat) w.put("concat_score_weight", Tensor.of(new float[] {(float) concatWeight}));
      layer.loadWeights("", Weights.of(w));
      Tensor y = layer.apply(f(q, batch, tq, dim).withMask(Tensor.ofBooleans(qMask, batch, tq)),
          f(v, batch, tv, dim).withMask(Tensor.ofBooleans(vMask, batch, tv)), f(k, batch, tv, dim));
      double[] ref = Reference.attention(q, v, k, batch, tq, tv, dim, concat, scale, concatWeight, scoresMask, qMask);
      close("Attention variant " + variant, y, ref);
      assertWithMessage("output mask is the query's").that(y.mask()).isNotNull();
    }
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  /** Row lengths as a mask [batch, time] (0: the whole row); pre-padded (true at the end) when {@code pre}. */
  static boolean[] lengths(int batch, int time, int l0, int l1, int l2, boolean pre) {
    int[] ls = {l0, l1, l2};
    boolean[] m = new boolean[batch * time];
    for (int b = 0; b < batch; b++) {
      int len = b < 3 && ls[b] > 0 ? ls[b] : time;
      for (int t = 0; t < time; t++) m[b * time + t] = pre ? t >= time - len : t < len;
    }
    return m;
  }

  static double[] gaussian(Random r, int n, double scale) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) d[i] = (float) (r.nextGaussian() * scale); // exactly representable in float32
    return d;
  }

  static Tensor f(double[] d, int... shape) {
    float[] v = new float[d.length];
    for (int i = 0; i < v.length; i++) v[i] = (float) d[i];
    return Tensor.of(v, shape);
  }

  static Map<String, Tensor> prefixed(String prefix, Map<String, Tensor> w) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : w.entrySet()) out.put(prefix + "/" + e.getKey(), e.getValue());
    return out;
  }

  static void close(String what, Tensor got, double[] ref) {
    float[] g = got.toFloatArray();
    assertWithMessage("%s: size", what).that(g.length).isEqualTo(ref.length);
    double diff = 0;
    double scale = 1e-3;
    for (int i = 0; i < g.length; i++) {
      diff = Math.max(diff, Math.abs(g[i] - ref[i]));
      scale = Math.max(scale, Math.abs(ref[i]));
    }
    System.out.printf("float64 reference: %s, error %.3g%n", what, diff / scale);
    assertWithMessage("%s: max |kiln - reference| / scale", what).that(diff / scale).isAtMost(TOL);
  }

}

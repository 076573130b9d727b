package dev.kiln.conformance;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.conformance.models.AttentionZoo;
import dev.kiln.layers.Embedding;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;

/**
 * {@code MultiHeadAttention} (not in TF.js) against TensorFlow Java composed from raw ops as Keras 3 computes it at
 * inference: the EinsumDense projections as MatMul of reshaped kernels, per-head BatchMatMul logits times
 * {@code 1/sqrt(keyDim)}, masked logits replaced by {@code -0.7 * 3.38953e38} (ops.dot_product_attention), Softmax,
 * BatchMatMul with the values, the output projection. Eager Kiln and the compiled session on both kernel sets
 * ({@link ZooModel#KERNELS}), with an explicit attention mask and with query, value and causal masks from a masked
 * embedding; the {@code Wide} models' shapes (32 keys, heads of 8 floats, several query rows) take
 * kiln-runtime-vector's vector attention, the others (and one query row) its fallback.
 */
class AttentionConformanceTest {
  static final double TOL = 1e-5;
  static final float LARGE_NEGATIVE = (float) (3.38953e38 * -0.7);

  @AfterAll
  static void report() {
    Check.report();
  }

  static final ZooModel CROSS = new ZooModel("AttentionZoo", "CrossAttention");
  static final ZooModel WIDE_CROSS = new ZooModel("AttentionZoo", "WideCrossAttention");
  static final ZooModel SELF = new ZooModel("AttentionZoo", "MaskedSelfAttention");
  static final ZooModel WIDE_SELF = new ZooModel("AttentionZoo", "WideMaskedSelfAttention");

  @Test
  void crossAttentionWithAnExplicitMask() throws Exception {
    crossAttention("cross attention", CROSS, 2, 4, 5, 3, 2, 4, 6, 4, 5);
  }

  /** Query lengths 6 and 5 (an odd last row) take the vector attention, one query row its fallback. */
  @Test
  void crossAttentionOverThirtyTwoValueSteps() throws Exception {
    for (int tq : new int[] {6, 5, 1}) {
      crossAttention("wide cross attention, " + tq + " queries", WIDE_CROSS, 2, tq, 32, 2, 8, 8, 16, 16, 16);
    }
  }

  @Test
  void causalSelfAttentionOverMaskedTokens() throws Exception {
    int[] ids = {3, 5, 2, 0, 0, 0, 0, 0, 4, 9, 1, 6, 8, 1, 7, 2, 6, 9};
    selfAttention("causal self-attention", SELF, 3, 6, 2, 3, 6, ids);
  }

  /** 32 tokens, row 0 padded after 20: the vector attention with causal, query and value masks. */
  @Test
  void causalSelfAttentionOverThirtyTwoMaskedTokens() throws Exception {
    Random r = Check.random("mha wide self tokens");
    int time = 32;
    int[] ids = new int[2 * time];
    for (int i = 0; i < ids.length; i++) ids[i] = i < 20 || i >= time ? 1 + r.nextInt(9) : 0;
    selfAttention("wide causal self-attention", WIDE_SELF, 2, time, 2, 8, 16, ids);
  }

  /**
   * A {@link #CROSS}-like model (query width {@code dq}, value width {@code dv}) against TF, with a random attention
   * mask whose first query row attends to nothing.
   */
  private static void crossAttention(String what, ZooModel model, int batch, int tq, int tk, int heads, int keyDim,
      int valueDim, int dq, int dv, int out) throws Exception {
    Random r = Check.random("mha " + what);
    Weights w = weights(r, "mha", dq, dv, dv, heads, keyDim, valueDim, out);
    Tensor q = Check.gaussian(r, batch, tq, dq);
    Tensor v = Check.gaussian(r, batch, tk, dv);
    boolean[] m = new boolean[batch * tq * tk];
    for (int i = 0; i < m.length; i++) m[i] = r.nextInt(3) != 0;
    for (int j = 0; j < tk; j++) m[j] = false; // a query row with no key left: Keras averages the values
    Tensor mask = Tensor.ofBooleans(m, batch, tq, tk);
    Tensor ref = tensorflow(q, v, v, m, batch, tq, tk, heads, keyDim, valueDim, out, w, "mha");
    model.check("attention", what, w, ref, TOL, q, v, mask);
  }

  /** A {@link #SELF}-like model of {@code d}-wide embeddings over token rows {@code ids} against TF. */
  private static void selfAttention(String what, ZooModel model, int batch, int time, int heads, int keyDim, int d,
      int[] ids) throws Exception {
    Random r = Check.random("mha " + what);
    Weights attention = weights(r, "mha", d, d, d, heads, keyDim, keyDim, d);
    Map<String, Tensor> all = new LinkedHashMap<>();
    for (String n : attention.names()) all.put(n, attention.get(n));
    all.put("embed/embeddings", Check.gaussian(r, 10, d));
    Weights w = Weights.of(all);
    Tensor tokens = Tensor.ofInts(ids, batch, time);
    Embedding embed = new Embedding(10, d);
    embed.loadWeights("embed", w);
    Tensor x = embed.apply(tokens);
    boolean[] m = new boolean[batch * time * time];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < time; i++) {
        for (int j = 0; j < time; j++) m[(b * time + i) * time + j] = ids[b * time + i] != 0 && ids[b * time + j] != 0 && j <= i;
      }
    }
    Tensor ref = tensorflow(x, x, x, m, batch, time, time, heads, keyDim, keyDim, d, w, "mha");
    model.check("attention", what, w, ref, TOL, tokens);
  }

  /** Random MultiHeadAttention weights under {@code prefix}, in Keras' layouts. */
  static Weights weights(Random r, String prefix, int dq, int dv, int dk, int heads, int keyDim, int valueDim, int out) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put(prefix + "/query/kernel", scaled(Check.gaussian(r, dq, heads, keyDim)));
    w.put(prefix + "/query/bias", scaled(Check.gaussian(r, heads, keyDim)));
    w.put(prefix + "/key/kernel", scaled(Check.gaussian(r, dk, heads, keyDim)));
    w.put(prefix + "/key/bias", scaled(Check.gaussian(r, heads, keyDim)));
    w.put(prefix + "/value/kernel", scaled(Check.gaussian(r, dv, heads, valueDim)));
    w.put(prefix + "/value/bias", scaled(Check.gaussian(r, heads, valueDim)));
    w.put(prefix + "/attention_output/kernel", scaled(Check.gaussian(r, heads, valueDim, out)));
    w.put(prefix + "/attention_output/bias", scaled(Check.gaussian(r, out)));
    return Weights.of(w);
  }

  private static Tensor scaled(Tensor t) {
    float[] v = t.toFloatArray();
    for (int i = 0; i < v.length; i++) v[i] *= 0.5f;
    return Tensor.of(v, t.shape());
  }

  /** Keras 3's MultiHeadAttention at inference, from TensorFlow raw ops; {@code mask [b, tq, tk]}, true to attend. */
  static Tensor tensorflow(Tensor query, Tensor value, Tensor key, boolean[] mask, int batch, int tq, int tk, int heads,
      int keyDim, int valueDim, int out, Weights w, String p) {
    try (Tf t = new Tf()) {
      Operand<TFloat32> q = heads(t, project(t, t.placeholder(query), w, p + "/query"), batch, tq, heads, keyDim);
      Operand<TFloat32> k = heads(t, project(t, t.placeholder(key), w, p + "/key"), batch, tk, heads, keyDim);
      Operand<TFloat32> v = heads(t, project(t, t.placeholder(value), w, p + "/value"), batch, tk, heads, valueDim);
      Operand<TFloat32> logits = t.tf.math.mul(t.tf.train.batchMatMul(q, k, TFloat32.class, BatchMatMul.adjY(true)),
          t.scalar((float) (1.0 / Math.sqrt(keyDim))));
      float[] keep = new float[mask.length];
      float[] fill = new float[mask.length];
      for (int i = 0; i < keep.length; i++) {
        keep[i] = mask[i] ? 1f : 0f;
        fill[i] = mask[i] ? 0f : LARGE_NEGATIVE;
      }
      // where(mask, logits, large negative), broadcast over the heads
      Operand<TFloat32> masked = t.tf.math.add(t.tf.math.mul(logits, t.constant(keep, batch, 1, tq, tk)),
          t.constant(fill, batch, 1, tq, tk));
      Operand<TFloat32> probs = t.tf.nn.softmax(masked);
      Operand<TFloat32> attended = t.tf.train.batchMatMul(probs, v, TFloat32.class);       // [b, h, tq, v]
      Operand<TFloat32> merged = t.tf.reshape(t.tf.linalg.transpose(attended, t.ints(0, 2, 1, 3)),
          t.ints(batch * tq, heads * valueDim));
      Operand<TFloat32> y = t.tf.math.add(t.tf.linalg.matMul(merged,
          t.tf.reshape(t.constant(w.get(p + "/attention_output/kernel")), t.ints(heads * valueDim, out))),
          t.constant(w.get(p + "/attention_output/bias")));
      return t.run(t.tf.reshape(y, t.ints(batch, tq, out)));
    }
  }

  /** {@code x [b, t, d]} through an EinsumDense {@code kernel [d, h, k]} + {@code bias [h, k]}: {@code [b*t, h*k]}. */
  private static Operand<TFloat32> project(Tf t, Operand<TFloat32> x, Weights w, String p) {
    Tensor kernel = w.get(p + "/kernel");
    int[] s = kernel.shape();
    Operand<TFloat32> flat = t.tf.reshape(x, t.ints(-1, s[0]));
    return t.tf.math.add(t.tf.linalg.matMul(flat, t.tf.reshape(t.constant(kernel), t.ints(s[0], s[1] * s[2]))),
        t.tf.reshape(t.constant(w.get(p + "/bias")), t.ints(s[1] * s[2])));
  }

  /** {@code [b*t, h*k]} to {@code [b, h, t, k]}. */
  private static Operand<TFloat32> heads(Tf t, Operand<TFloat32> x, int batch, int time, int heads, int dim) {
    return t.tf.linalg.transpose(t.tf.reshape(x, t.ints(batch, time, heads, dim)), t.ints(0, 2, 1, 3));
  }
}

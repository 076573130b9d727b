package dev.kiln.conformance;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.layers.Embedding;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Keras 3's default {@code GRU} ({@code reset_after} true; TF.js only has reset before, so the TF.js fixtures cannot
 * check it) against TensorFlow Java raw ops, the steps unrolled as Keras computes them at inference:
 * {@code xw = x W + b_in}, {@code hu = h U + b_rec}, {@code z, r = sigmoid(xw + hu)},
 * {@code hh = tanh(xw_h + r * hu_h)}, {@code h' = z h + (1 - z) hh}, a masked step keeping {@code h}; the last
 * output is the last state. Eager, and compiled on both kernel sets ({@link ZooModel#KERNELS}): 16 and 8 units take
 * kiln-runtime-vector's vector GRU step, 5 units its fallback. Token rows: post-padded, pre-padded, full (an odd
 * row count, so the vector step's two-row and one-row products both run).
 */
class GruResetAfterConformanceTest {
  static final double TOL = 1e-5;
  static final int[] TOKENS = {3, 5, 2, 7, 0, 0, 0, 0, 0, 4, 9, 1, 6, 11, 8, 1, 11, 2, 6, 10, 4};
  static final int BATCH = 3;
  static final int TIME = 7;

  @AfterAll
  static void report() {
    Check.report();
  }

  @Test
  void sixteenUnits() throws Exception {
    check(new ZooModel("RecurrentZoo", "Gru16"), 16, false);
  }

  @Test
  void eightUnitsBackwards() throws Exception {
    check(new ZooModel("RecurrentZoo", "Gru8Backwards"), 8, true);
  }

  @Test
  void fiveUnits() throws Exception {
    check(new ZooModel("RecurrentZoo", "Gru5"), 5, false);
  }

  private static void check(ZooModel model, int units, boolean backwards) throws Exception {
    String what = "GRU reset_after " + units + " units" + (backwards ? " backwards" : "");
    Random r = Check.random(what);
    int features = 5;
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("embed/embeddings", Check.gaussian(r, 12, features));
    w.put("rnn/kernel", scaled(Check.gaussian(r, features, 3 * units), 0.4f));
    w.put("rnn/recurrent_kernel", scaled(Check.gaussian(r, units, 3 * units), (float) (1 / Math.sqrt(units))));
    w.put("rnn/bias", scaled(Check.gaussian(r, 2, 3 * units), 0.3f));
    Weights weights = Weights.of(w);
    Tensor tokens = Tensor.ofInts(TOKENS, BATCH, TIME);
    Embedding embed = new Embedding(12, features);
    embed.loadWeights("embed", weights);
    Tensor ref = tensorflow(embed.apply(tokens).toFloatArray(), features, units, backwards, weights);
    model.check("gru", what, weights, ref, TOL, tokens);
  }

  private static Tensor scaled(Tensor t, float s) {
    float[] v = t.toFloatArray();
    for (int i = 0; i < v.length; i++) v[i] *= s;
    return Tensor.of(v, t.shape());
  }

  /** The GRU over {@code x [BATCH, TIME, features]} (a step masked where its token is 0): {@code [BATCH, units]}. */
  private static Tensor tensorflow(float[] x, int features, int units, boolean backwards, Weights w) {
    try (Tf t = new Tf()) {
      Operand<TFloat32> kernel = t.constant(w.get("rnn/kernel"));
      Operand<TFloat32> recurrent = t.constant(w.get("rnn/recurrent_kernel"));
      float[] bias = w.get("rnn/bias").toFloatArray();
      Operand<TFloat32> inputBias = t.constant(Arrays.copyOfRange(bias, 0, 3 * units), 3 * units);
      Operand<TFloat32> recurrentBias = t.constant(Arrays.copyOfRange(bias, 3 * units, 6 * units), 3 * units);
      Operand<TFloat32> h = t.constant(new float[BATCH * units], BATCH, units);
      for (int i = 0; i < TIME; i++) {
        int step = backwards ? TIME - 1 - i : i;
        float[] xs = new float[BATCH * features];
        float[] keep = new float[BATCH];
        for (int b = 0; b < BATCH; b++) {
          System.arraycopy(x, (b * TIME + step) * features, xs, b * features, features);
          keep[b] = TOKENS[b * TIME + step] != 0 ? 1f : 0f;
        }
        Operand<TFloat32> xw = t.tf.math.add(t.tf.linalg.matMul(t.constant(xs, BATCH, features), kernel), inputBias);
        Operand<TFloat32> hu = t.tf.math.add(t.tf.linalg.matMul(h, recurrent), recurrentBias);
        Operand<TFloat32> z = t.tf.math.sigmoid(t.tf.math.add(gate(t, xw, 0, units), gate(t, hu, 0, units)));
        Operand<TFloat32> rg = t.tf.math.sigmoid(t.tf.math.add(gate(t, xw, 1, units), gate(t, hu, 1, units)));
        Operand<TFloat32> hh =
            t.tf.math.tanh(t.tf.math.add(gate(t, xw, 2, units), t.tf.math.mul(rg, gate(t, hu, 2, units))));
        Operand<TFloat32> next = t.tf.math.add(t.tf.math.mul(z, h),
            t.tf.math.mul(t.tf.math.sub(t.scalar(1f), z), hh));
        // keep * next + (1 - keep) * h, exact for keep in {0, 1}
        Operand<TFloat32> m = t.constant(keep, BATCH, 1);
        h = t.tf.math.add(t.tf.math.mul(m, next), t.tf.math.mul(t.tf.math.sub(t.scalar(1f), m), h));
      }
      return t.run(h);
    }
  }

  /** Gate {@code g} (Keras order z, r, h) of a {@code [BATCH, 3 * units]} operand. */
  private static Operand<TFloat32> gate(Tf t, Operand<TFloat32> x, int g, int units) {
    return t.tf.slice(x, t.ints(0, g * units), t.ints(BATCH, units));
  }
}

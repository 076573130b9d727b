package dev.kiln.processor;

import static dev.kiln.processor.testing.CompiledModels.call;
import static dev.kiln.processor.testing.CompiledModels.callStatic;

import com.google.testing.compile.JavaFileObjects;
import dev.kiln.Graph;
import dev.kiln.Session;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.processor.testing.CompiledModels;
import dev.kiln.processor.testing.GeneratedModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The sequence-model generator: random models over a run-time time axis, from token ids (an {@code Embedding}, with
 * or without {@code maskZero}) or float steps (with or without {@code Masking}), through random stacks of SimpleRNN /
 * LSTM / GRU (both reset conventions; sequences, backwards, activations, bias), Bidirectional (every merge mode),
 * TimeDistributed(Dense), Dense, LayerNormalization, self-attention (MultiHeadAttention, causal or not; Attention in
 * dot or concat mode), residual adds and concatenations, a user layer reading the mask, and a masked or plain pooling
 * or a last-output RNN at the end. Each model runs on one session at three lengths (short, long, short again: the
 * arena grows and is reused), batches of mixed lengths padded after or before, three ways: the typed call,
 * {@code Session.run} through the graph interpreter (a mask fetched too, when there is one) and the eager model, at
 * 1e-5 of the output's scale. A failure names the seed and prints the model.
 *
 * <p>{@code -Dkiln.sequenceModels=N} (default 60) and {@code -Dkiln.sequenceSeed=S} size a longer run.
 */
class SequenceFuzzTest {
  private static final int MODELS = Integer.getInteger("kiln.sequenceModels", 60);
  private static final long BASE_SEED = Long.getLong("kiln.sequenceSeed", 1L);
  private static final int PER_COMPILATION = 30;
  private static final String USER_LAYER = "package com.example;\n"
      + "import dev.kiln.*;\n"
      + "/** Zeroes the masked steps and adds the step's mean: a user layer that reads the mask and passes it on. */\n"
      + "public final class MaskedCenter extends AbstractLayer {\n"
      + "  @Call @Override protected Tensor call(Tensor inputs, boolean training, Tensor mask) {\n"
      + "    Tensor y = Ops.add(inputs, Ops.mean(inputs, -1, true));\n"
      + "    return mask == null ? y : Ops.where(Ops.expandDims(mask, -1), y, 0f);\n"
      + "  }\n"
      + "  @Override public boolean supportsMasking() { return true; }\n"
      + "}\n";

  @Test
  void randomSequenceModelsThreeWaysAtSeveralLengths() throws Exception {
    double worst = GeneratedModels.run(MODELS, PER_COMPILATION, BASE_SEED, RandomSequenceModel::new,
        List.of(JavaFileObjects.forSourceString("com.example.MaskedCenter", USER_LAYER)), SequenceFuzzTest::threeWays);
    System.out.printf("sequence generator: %d models, worst relative error %.3g%n", MODELS, worst);
  }

  private static double threeWays(CompiledModels models, RandomSequenceModel m) {
    Class<?> session = models.load("com.example.Kiln" + m.name);
    Graph g = (Graph) callStatic(session, "graph");
    Random r = new Random(m.seed);
    Weights w = CompiledModels.randomWeights(g.graphDef(), m.seed);
    Object eagerModel = models.newInstance("com.example." + m.name);
    callStatic(session, "loadInto", eagerModel, w);
    double worst = 0;
    String what = "seed " + m.seed + " (rerun with -Dkiln.sequenceSeed=" + m.seed + " -Dkiln.sequenceModels=1):\n" + m.source;
    try (Session s = (Session) callStatic(session, "open", w)) {
      int batch = 1 + r.nextInt(3);
      int shortLength = 1 + r.nextInt(5);
      for (int length : new int[] {shortLength, 6 + r.nextInt(10), shortLength}) {
        Tensor x = m.input(r, batch, length);
        Tensor eager = (Tensor) call(eagerModel.getClass(), eagerModel, "call", x);
        Tensor typed = (Tensor) call(session, s, "call", x);
        List<Object> fetches = new ArrayList<>(List.of(g.output()));
        if (m.maskTensor != null) fetches.add(m.maskTensor);
        Tensor interpreted = (Tensor) s.run(fetches, Map.of("x", x)).get(0);
        double e1 = CompiledModels.relativeError(typed, eager);
        double e2 = CompiledModels.relativeError(interpreted, eager);
        String at = " at batch " + batch + ", length " + length + ", ";
        if (!(e1 <= 1e-5)) throw new AssertionError("typed call vs eager: error " + e1 + at + what);
        if (!(e2 <= 1e-5)) throw new AssertionError("Session.run (interpreter) vs eager: error " + e2 + at + what);
        worst = Math.max(worst, Math.max(e1, e2));
      }
    }
    return worst;
  }

  /** Java source of a random sequence model {@code S<seed>}. */
  static final class RandomSequenceModel implements GeneratedModels.Generated {
    private static final String[] ACTS = {"TANH", "RELU", "SIGMOID", "LINEAR", "GELU"};
    private static final String[] MERGES = {"CONCAT", "SUM", "MUL", "AVE"};
    final long seed;
    final String name;
    final String source;
    final boolean tokens;
    final int vocab;
    final int features;
    /** The mask tensor the interpreter run fetches, or null. */
    final String maskTensor;
    private final Random r;
    private final StringBuilder fields = new StringBuilder();
    private final StringBuilder body = new StringBuilder();
    private int counter;

    @Override
    public String name() {
      return name;
    }

    @Override
    public String source() {
      return source;
    }

    RandomSequenceModel(long seed) {
      this.seed = seed;
      this.name = "S" + seed;
      this.r = new Random(seed * 7919 + 3);
      this.tokens = r.nextBoolean();
      this.vocab = 6 + r.nextInt(10);
      this.features = 2 + r.nextInt(4);
      String x;
      int width;
      String mask = null;
      if (tokens) {
        boolean maskZero = r.nextInt(4) != 0;
        width = 2 + r.nextInt(5);
        x = layer("embed", "new Embedding(" + vocab + ", " + width + ").maskZero(" + maskZero + ")", "x");
        if (maskZero) mask = "embed/NotEqual:0";
      } else {
        width = features;
        x = "x";
        if (r.nextBoolean()) {
          x = layer("masking", "new Masking(0f)", "x");
          mask = "masking/Any:0";
        }
      }
      this.maskTensor = mask;
      int blocks = 1 + r.nextInt(3);
      for (int b = 0; b < blocks; b++) {
        int[] w = {width};
        x = block(x, w);
        width = w[0];
      }
      x = head(x);
      String inputShape = tokens ? "@Shape(value = {-1, -1}, dtype = DType.INT32)" : "@Shape({-1, -1, " + features + "})";
      this.source = "package com.example;\n\nimport dev.kiln.*;\nimport dev.kiln.layers.*;\n\n"
          + "public final class " + name + " extends Model {\n" + fields
          + "\n  @Call\n  public Tensor call(" + inputShape + " Tensor x) {\n" + body + "    return " + x + ";\n  }\n}\n";
    }

    /** A batch of tokens or steps with rows of random lengths, padded after or before. */
    Tensor input(Random rnd, int batch, int length) {
      int[] ids = new int[batch * length];
      float[] steps = new float[batch * length * features];
      for (int b = 0; b < batch; b++) {
        int len = 1 + rnd.nextInt(length);
        boolean pre = rnd.nextBoolean();
        for (int t = 0; t < length; t++) {
          boolean real = pre ? t >= length - len : t < len;
          ids[b * length + t] = real ? 1 + rnd.nextInt(vocab - 1) : 0;
          for (int f = 0; f < features; f++) {
            steps[(b * length + t) * features + f] = real ? (float) rnd.nextGaussian() : 0f;
          }
        }
      }
      return tokens ? Tensor.ofInts(ids, batch, length) : Tensor.of(steps, batch, length, features);
    }

    private String layer(String field, String init, String input) {
      fields.append("  @Layer final ").append(init.substring(4, init.indexOf('('))).append(' ').append(field)
          .append(" = ").append(init).append(";\n");
      String v = "v" + counter++;
      body.append("    Tensor ").append(v).append(" = ").append(field).append(".apply(").append(input).append(");\n");
      return v;
    }

    private String op(String expr) {
      String v = "v" + counter++;
      body.append("    Tensor ").append(v).append(" = ").append(expr).append(";\n");
      return v;
    }

    private String recurrent(int units, boolean sequences) {
      String kind = new String[] {"LSTM", "GRU", "SimpleRNN"}[r.nextInt(3)];
      StringBuilder s = new StringBuilder("new " + kind + "(" + units + ")");
      if (sequences) s.append(".returnSequences(true)");
      if (r.nextInt(3) == 0) s.append(".activation(Activation.").append(ACTS[r.nextInt(ACTS.length)]).append(")");
      if (!kind.equals("SimpleRNN") && r.nextInt(3) == 0) s.append(".recurrentActivation(Activation.HARD_SIGMOID)");
      if (kind.equals("GRU") && r.nextBoolean()) s.append(".resetAfter(false)");
      if (r.nextInt(4) == 0) s.append(".useBias(false)");
      return s.toString();
    }

    /** One block on a sequence {@code [batch, time, width]}; updates the width. */
    private String block(String x, int[] width) {
      int id = counter;
      int units = 2 + r.nextInt(5);
      switch (r.nextInt(8)) {
        case 0: {
          String rnn = recurrent(units, true);
          if (r.nextInt(3) == 0) rnn += ".goBackwards(true)";
          width[0] = units;
          return layer("rnn" + id, rnn, x);
        }
        case 1: {
          String merge = MERGES[r.nextInt(MERGES.length)];
          width[0] = merge.equals("CONCAT") ? 2 * units : units;
          return layer("bi" + id, "new Bidirectional(" + recurrent(units, true) + ").mergeMode(MergeMode." + merge + ")", x);
        }
        case 2:
          width[0] = units;
          return layer("td" + id, "new TimeDistributed(new Dense(" + units + ").activation(Activation.RELU))", x);
        case 3: {
          String y = layer("dense" + id, "new Dense(" + width[0] + ")", x);
          return r.nextBoolean() ? layer("add" + id, "new Add()", x + ", " + y) : layer("norm" + id, "new LayerNormalization()", y);
        }
        case 4: {
          int heads = 1 + r.nextInt(3);
          String mha = "new MultiHeadAttention(" + heads + ", " + (1 + r.nextInt(3)) + ")" + (r.nextBoolean() ? ".useCausalMask(true)" : "");
          String y = layer("mha" + id, mha, x + ", " + x);
          return layer("add" + id, "new Add()", x + ", " + y);
        }
        case 5: {
          String att = "new Attention()" + (r.nextBoolean() ? ".scoreMode(Attention.ScoreMode.CONCAT)" : "")
              + (r.nextBoolean() ? ".useScale(true)" : "") + (r.nextBoolean() ? ".useCausalMask(true)" : "");
          String y = layer("att" + id, att, x + ", " + x);
          width[0] *= 2;
          return layer("cat" + id, "new Concatenate()", x + ", " + y);
        }
        case 6:
          return layer("center" + id, "new MaskedCenter()", x);
        default: {
          String y = layer("drop" + id, "new Dropout(0.3f)", x);
          return op("Ops.tanh(" + y + ")");
        }
      }
    }

    /** The end: a pooling, a last-output RNN, or the sequence itself. */
    private String head(String x) {
      switch (r.nextInt(4)) {
        case 0: return layer("pool", "new GlobalAveragePooling1D()", x);
        case 1: return layer("maxpool", "new GlobalMaxPooling1D()", x);
        case 2: {
          String rnn = recurrent(2 + r.nextInt(4), false) + (r.nextBoolean() ? ".goBackwards(true)" : "");
          if (r.nextBoolean()) return layer("last", rnn, x);
          // every state of returnState, side by side: [output, h] or [output, h, c]
          fields.append("  @Layer final ").append(rnn.substring(4, rnn.indexOf('('))).append(" last = ").append(rnn)
              .append(".returnState(true);\n");
          body.append("    Tensor[] states = last.applyAll(").append(x).append(");\n");
          return op("Ops.concat(-1, states)");
        }
        default: return x;
      }
    }
  }
}

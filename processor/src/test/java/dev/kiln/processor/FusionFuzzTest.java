package dev.kiln.processor;

import static dev.kiln.processor.testing.CompiledModels.call;
import static dev.kiln.processor.testing.CompiledModels.callStatic;

import dev.kiln.Graph;
import dev.kiln.Operation;
import dev.kiln.Session;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.processor.testing.CompiledModels;
import dev.kiln.processor.testing.GeneratedModels;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fusion fuzzer: random models that put every fusable epilogue (bias or none, a BatchNormalization, a residual add
 * of a tensor computed before or after the producer on either side of the add, every activation, as a layer argument
 * or as an op) after every producer kind (Dense on rank 2 and 3, Conv1D, Conv2D, grouped Conv2D, DepthwiseConv2D,
 * SeparableConv2D, Conv2DTranspose, max and average pooling), followed by chains of elementwise ops with scalars and
 * per-channel weights (broadcasting). Each model is run three ways on a random batch: the typed call, {@code
 * Session.run} through the graph interpreter (an intermediate tensor is fetched too, which forces it), and the eager
 * model; they must agree to 1e-5 of the output's scale. A failure names the seed and prints the model.
 *
 * <p>{@code -Dkiln.fusionGraphs=N} (default 300) and {@code -Dkiln.fusionSeed=S} size a longer run; see the README.
 */
class FusionFuzzTest {
  private static final int GRAPHS = Integer.getInteger("kiln.fusionGraphs", 300);
  private static final long BASE_SEED = Long.getLong("kiln.fusionSeed", 1L);
  /** Models per javac run: compiling them together is several times faster than one by one. */
  private static final int PER_COMPILATION = 60;

  static final String[] PRODUCERS = {
    "dense2", "dense3", "conv1d", "conv2d", "grouped", "depthwise", "separable", "transposed", "maxpool", "avgpool",
    "dwpw"};
  private static final String[] ACTIVATIONS = {
    "LINEAR", "RELU", "RELU6", "SIGMOID", "TANH", "GELU", "GELU_APPROXIMATE", "SILU", "HARD_SIGMOID", "HARD_SILU", "ELU",
    "LEAKY_RELU", "SOFTPLUS", "SOFTSIGN", "EXPONENTIAL"};
  private static final String[] OP_ACTIVATIONS = {
    "Ops.relu(%s)", "Ops.relu6(%s)", "Ops.sigmoid(%s)", "Ops.tanh(%s)", "Ops.gelu(%s)", "Ops.gelu(%s, true)",
    "Ops.silu(%s)", "Ops.hardSigmoid(%s)", "Ops.hardSilu(%s)", "Ops.elu(%s)", "Ops.elu(%s, 0.5f)",
    "Ops.leakyRelu(%s)", "Ops.leakyRelu(%s, 0.3f)", "Ops.softplus(%s)", "Ops.softsign(%s)", "Ops.clip(%s, -1f, 1.5f)",
    "Ops.softmax(%s)"};

  @Test
  void everyEpilogueAfterEveryProducer() throws Exception {
    double worst = GeneratedModels.run(GRAPHS, PER_COMPILATION, BASE_SEED, RandomModel::new, List.of(),
        FusionFuzzTest::threeWays);
    System.out.printf("fusion fuzzer: %d models, worst relative error %.3g%n", GRAPHS, worst);
  }

  /** The typed call, the graph interpreter and the eager model on one random batch; returns the larger error. */
  private static double threeWays(CompiledModels models, RandomModel m) {
    Class<?> session = models.load("com.example.Kiln" + m.name);
    Graph g = (Graph) callStatic(session, "graph");
    Random r = new Random(m.seed);
    Weights w = CompiledModels.randomWeights(g.graphDef(), m.seed);
    Tensor x = CompiledModels.randomInput(m.inputShape, 1 + r.nextInt(3), r);
    Object eagerModel = models.newInstance("com.example." + m.name);
    callStatic(session, "loadInto", eagerModel, w);
    Tensor eager = (Tensor) call(eagerModel.getClass(), eagerModel, "call", x);
    try (Session s = (Session) callStatic(session, "open", w)) {
      Tensor typed = (Tensor) call(session, s, "call", x);
      List<Object> fetched = s.run(List.of(g.output(), firstComputed(g)), Map.of("x", x));
      Tensor interpreted = (Tensor) fetched.get(0);
      double e1 = CompiledModels.relativeError(typed, eager);
      double e2 = CompiledModels.relativeError(interpreted, eager);
      String what = "seed " + m.seed + " (rerun with -Dkiln.fusionSeed=" + m.seed + " -Dkiln.fusionGraphs=1):\n" + m.source;
      if (!(e1 <= 1e-5)) throw new AssertionError("typed call vs eager: error " + e1 + ", " + what);
      if (!(e2 <= 1e-5)) throw new AssertionError("Session.run (interpreter) vs eager: error " + e2 + ", " + what);
      return Math.max(e1, e2);
    }
  }

  /** A tensor computed by the graph (not an input or weight), fetched beside the output to force the interpreter. */
  private static String firstComputed(Graph g) {
    for (Operation op : g.operations()) {
      if (!op.type().equals("Placeholder") && !op.type().equals("Variable") && !op.type().equals("Const")) {
        return op.name() + ":0";
      }
    }
    throw new AssertionError("no computed tensor");
  }

  /** Java source of a random model {@code F<seed>}: blocks of one producer kind with random epilogues and chains. */
  static final class RandomModel implements GeneratedModels.Generated {
    final long seed;
    final String name;
    final int[] inputShape;
    final String source;
    private final Random r;
    private final String producer;
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

    RandomModel(long seed) {
      this.seed = seed;
      this.name = "F" + seed;
      this.r = new Random(seed * 31 + 17);
      // every kind equally often, whatever the seed range
      this.producer = PRODUCERS[(int) Math.floorMod(seed, (long) PRODUCERS.length)];
      int c = 2 + r.nextInt(3);
      switch (producer) {
        case "dense2": inputShape = new int[] {-1, 3 + r.nextInt(6)}; break;
        case "dense3": case "conv1d": inputShape = new int[] {-1, 4 + r.nextInt(4), c}; break;
        default: inputShape = new int[] {-1, 5 + r.nextInt(4), 5 + r.nextInt(4), c};
      }
      String x = "x";
      int channels = inputShape[inputShape.length - 1];
      int blocks = 1 + r.nextInt(2);
      for (int b = 0; b < blocks; b++) {
        x = block(x, channels);
        if (r.nextInt(3) == 0) x = chain(x, channels);
      }
      source = "package com.example;\nimport dev.kiln.*;\nimport dev.kiln.layers.*;\n"
          + "public final class " + name + " extends Model {\n" + fields
          + "  @Call public Tensor call(@Shape(" + shapeLiteral() + ") Tensor x) {\n" + body
          + "    return " + x + ";\n  }\n"
          + "  /** Per-channel weights: an elementwise chain with broadcast operands. */\n"
          + "  public static final class ScaleShift extends AbstractLayer {\n"
          + "    private Tensor gamma;\n    private Tensor beta;\n"
          + "    @Override protected void build(TensorShape s) {\n"
          + "      gamma = addWeight(\"gamma\", Initializers.ones(), s.dim(-1));\n"
          + "      beta = addWeight(\"beta\", Initializers.zeros(), s.dim(-1));\n    }\n"
          + "    @Call @Override protected Tensor call(Tensor v) { return Ops.add(Ops.multiply(v, gamma), beta); }\n"
          + "  }\n}\n";
    }

    private String shapeLiteral() {
      StringBuilder sb = new StringBuilder("{");
      for (int i = 0; i < inputShape.length; i++) sb.append(i > 0 ? ", " : "").append(inputShape[i]);
      return sb.append('}').toString();
    }

    /**
     * One producer keeping the input's shape (so that a residual can add the block's input), then in epilogue order,
     * each by chance: a BatchNormalization, a residual add (either operand order; the skip computed before or after
     * the producer), an activation op.
     */
    private String block(String in, int channels) {
      String act = r.nextInt(3) == 0 ? ACTIVATIONS[r.nextInt(ACTIVATIONS.length)] : "LINEAR";
      String bias = r.nextBoolean() ? "" : ".useBias(false)";
      String layerAct = act.equals("LINEAR") ? "" : ".activation(Activation." + act + ")";
      String layer;
      switch (producer) {
        case "dense2": case "dense3":
          layer = field("Dense", "new Dense(" + channels + ")" + layerAct + bias);
          break;
        case "conv1d":
          layer = field("Conv1D", "new Conv1D(" + channels + ", " + (1 + r.nextInt(3)) + ").padding(Padding.SAME)"
              + (r.nextBoolean() ? ".dilationRate(2)" : "") + layerAct + bias);
          break;
        case "conv2d":
          layer = field("Conv2D", "new Conv2D(" + channels + ", " + (1 + r.nextInt(3)) + ").padding(Padding.SAME)"
              + (r.nextInt(3) == 0 ? ".dilationRate(2)" : "") + layerAct + bias);
          break;
        case "grouped": {
          int groups = channels % 2 == 0 ? 2 : channels;
          layer = field("Conv2D", "new Conv2D(" + channels + ", 3).padding(Padding.SAME).groups(" + groups + ")"
              + layerAct + bias);
          break;
        }
        case "depthwise":
          layer = field("DepthwiseConv2D", "new DepthwiseConv2D(" + (1 + 2 * r.nextInt(2)) + ").padding(Padding.SAME)"
              + layerAct + bias);
          break;
        case "dwpw": {
          // MobileNet's pair: a depthwise convolution with its own batch norm and activation, read by a 1x1 convolution
          String dw = field("DepthwiseConv2D", "new DepthwiseConv2D(3).padding(Padding.SAME)"
              + (r.nextBoolean() ? ".strides(2)" : "") + (r.nextBoolean() ? ".useBias(false)" : ""));
          String mid = dw + ".apply(" + in + ")";
          if (r.nextBoolean()) mid = field("BatchNormalization", "new BatchNormalization()") + ".apply(" + mid + ")";
          if (r.nextBoolean()) mid = "Ops.relu6(" + mid + ")";
          in = emit(mid);
          layer = field("Conv2D", "new Conv2D(" + channels + ", 1)" + layerAct + bias);
          break;
        }
        case "separable":
          layer = field("SeparableConv2D", "new SeparableConv2D(" + channels + ", 3).padding(Padding.SAME)" + layerAct
              + bias);
          break;
        case "transposed":
          layer = field("Conv2DTranspose", "new Conv2DTranspose(" + channels + ", 3).padding(Padding.SAME)" + layerAct
              + bias);
          break;
        case "maxpool":
          layer = field("MaxPooling2D", "new MaxPooling2D(" + (2 + r.nextInt(2)) + ").strides(1).padding(Padding.SAME)");
          break;
        default:
          layer = field("AveragePooling2D", "new AveragePooling2D(" + (2 + r.nextInt(2))
              + ").strides(1).padding(Padding.SAME)");
      }
      boolean late = r.nextInt(4) == 0;
      String skip = in;
      if (!late && r.nextInt(3) == 0) skip = emit("Ops.multiply(" + in + ", 0.5f)");
      String y = emit(layer + ".apply(" + in + ")");
      if (late) skip = emit("Ops.add(" + in + ", 0.25f)"); // computed after the producer
      if (r.nextBoolean()) y = emit(field("BatchNormalization", "new BatchNormalization()") + ".apply(" + y + ")");
      if (r.nextBoolean()) y = emit(r.nextBoolean() ? "Ops.add(" + y + ", " + skip + ")" : "Ops.add(" + skip + ", " + y + ")");
      if (r.nextBoolean()) y = emit(String.format(OP_ACTIVATIONS[r.nextInt(OP_ACTIVATIONS.length)], y));
      return y;
    }

    /** Elementwise ops after a block: scalars on either side, per-channel weights, unary math. */
    private String chain(String in, int channels) {
      String y = in;
      int links = 1 + r.nextInt(4);
      for (int i = 0; i < links; i++) {
        switch (r.nextInt(7)) {
          case 0: y = emit("Ops.multiply(" + y + ", " + (0.5f + r.nextInt(3)) + "f)"); break;
          case 1: y = emit("Ops.subtract(1f, " + y + ")"); break;
          case 2: y = emit("Ops.maximum(" + y + ", -0.5f)"); break;
          case 3: y = emit(field("ScaleShift", "new ScaleShift()") + ".apply(" + y + ")"); break;
          case 4: y = emit("Ops.square(" + y + ")"); break;
          case 5: y = emit("Ops.divide(" + y + ", 2f)"); break;
          default: y = emit("Ops.tanh(" + y + ")");
        }
      }
      return y;
    }

    private String field(String type, String init) {
      String f = "l" + (counter++);
      fields.append("  @Layer final ").append(type).append(' ').append(f).append(" = ").append(init).append(";\n");
      return f;
    }

    private String emit(String expr) {
      String v = "t" + (counter++);
      body.append("    Tensor ").append(v).append(" = ").append(expr).append(";\n");
      return v;
    }
  }
}

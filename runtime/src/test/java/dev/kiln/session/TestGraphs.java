package dev.kiln.session;

import dev.kiln.DType;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.GraphDef;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Hand-built graphs and a hand-written "generated" session for the session tests. */
final class TestGraphs {
  private TestGraphs() {}

  static final String[] NONE = new String[0];

  /** x: float32[-1, 3]; w: float32[3]; add = x + w; relu = Relu(add); out = Identity(relu). Output out:0. */
  static GraphDef mlp() {
    return GraphDef.builder()
        .node("x", "Placeholder", NONE, Attrs.of("index", 0), new int[] {-1, 3}, DType.FLOAT32, "Tiny.java:10")
        .node("w", "Variable", NONE, Attrs.of("initializer", "constant(0.5)"), new int[] {3}, DType.FLOAT32, "Tiny.java:5")
        .node("add", "Add", new String[] {"x:0", "w:0"}, Attrs.NONE, new int[] {-1, 3}, DType.FLOAT32, "Tiny.java:11")
        .node("relu", "Relu", new String[] {"add:0"}, Attrs.NONE, new int[] {-1, 3}, DType.FLOAT32, "Tiny.java:11")
        .node("out", "Identity", new String[] {"relu:0"}, Attrs.NONE, new int[] {-1, 3}, DType.FLOAT32, null)
        .output("out:0")
        .build();
  }

  /** The weights of {@link #mlp()}: w = [1, -2, 0.5]. */
  static Weights mlpWeights() {
    return Weights.of(Map.of("w", Tensor.of(new float[] {1f, -2f, 0.5f}, 3)));
  }

  /** relu(x + w) with w = [1, -2, 0.5], computed by hand for any batch. */
  static float[] expected(float[] x) {
    float[] w = {1f, -2f, 0.5f};
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) y[i] = Math.max(0f, x[i] + w[i % 3]);
    return y;
  }

  /** One Identity per placeholder of several dtypes and ranks, to test feed conversions. */
  static GraphDef kinds() {
    GraphDef.Builder b = GraphDef.builder();
    Object[][] specs = {
      {"f", DType.FLOAT32, new int[0]},
      {"i", DType.INT32, new int[0]},
      {"b", DType.BOOL, new int[0]},
      {"v", DType.FLOAT32, new int[] {2}},
      {"bv", DType.BOOL, new int[] {2}},
      {"iv", DType.INT32, new int[] {-1}},
      {"m3", DType.FLOAT32, new int[] {-1, 2, 2}},
      {"i2", DType.INT32, new int[] {2, -1}},
      {"i3", DType.INT32, new int[] {1, 2, 2}},
      {"i4", DType.INT32, new int[] {1, 1, 2, -1}},
      {"f4", DType.FLOAT32, new int[] {1, 1, 2, 2}},
    };
    int index = 0;
    for (Object[] s : specs) {
      String name = (String) s[0];
      b.node(name, "Placeholder", NONE, Attrs.of("index", index++), (int[]) s[2], (DType) s[1], null);
      b.node(name + "_id", "Identity", new String[] {name + ":0"}, Attrs.NONE, (int[]) s[2], (DType) s[1], null);
      b.output(name + "_id:0");
    }
    return b.build();
  }

  /** A stand-in for a generated session: its runOutputs is hand-written straight-line code for {@link #mlp()}. */
  static final class TinySession extends CompiledSession {
    final AtomicInteger fastCalls = new AtomicInteger();
    private final boolean fast;

    TinySession(Weights weights, boolean fast) {
      this(mlp(), weights, fast, SessionOptions.defaults());
    }

    TinySession(GraphDef graph, Weights weights, boolean fast, SessionOptions options) {
      super(graph, weights, options);
      this.fast = fast;
    }

    private static final dev.kiln.Graph GRAPH = dev.kiln.Graph.of(mlp());

    /** As generated classes do: a static graph() must not clash with anything Session/CompiledSession declare. */
    public static dev.kiln.Graph graph() {
      return GRAPH;
    }

    static TinySession open() {
      return new TinySession(mlpWeights(), true);
    }

    /** The generated typed entry point. */
    Tensor call(Tensor x) {
      ensureOpen();
      checkInput(0, x);
      return runOutputs(new Tensor[] {x})[0];
    }

    @Override
    protected Tensor[] runOutputs(Tensor[] inputs) {
      if (!fast) return null;
      fastCalls.incrementAndGet();
      float[] x = inputs[0].toFloatArray();
      float[] w = weight("w").floatBuffer();
      float[] y = new float[x.length];
      for (int i = 0; i < x.length; i++) y[i] = Math.max(0f, x[i] + w[i % 3]);
      return new Tensor[] {Tensor.wrap(y, inputs[0].shape())};
    }
  }

  /** A session over any graph, general path only. */
  static final class PlainSession extends CompiledSession {
    PlainSession(GraphDef graph, Weights weights) {
      super(graph, weights, SessionOptions.defaults().intraOpThreads(1));
    }
  }
}

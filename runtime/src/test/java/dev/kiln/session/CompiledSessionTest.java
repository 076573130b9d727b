package dev.kiln.session;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.DType;
import dev.kiln.Graph;
import dev.kiln.Initializer;
import dev.kiln.Output;
import dev.kiln.RunMetadata;
import dev.kiln.RunOptions;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.GraphDef;
import dev.kiln.session.TestGraphs.TinySession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CompiledSessionTest {
  static final Graph GRAPH = Graph.of(TestGraphs.mlp());
  static final Output X = GRAPH.placeholder("x");
  static final Output OUT = GRAPH.output();

  static Map<Object, Object> xFeed(float[][] x) {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put(X, x);
    return m;
  }

  // ---- weight validation ---------------------------------------------------------------------------------

  static GraphDef twoLayer() {
    String[] none = TestGraphs.NONE;
    return GraphDef.builder()
        .node("x", "Placeholder", none, Attrs.of("index", 0), new int[] {-1, 128}, DType.FLOAT32, null)
        .node("hidden/bias", "Variable", none, Attrs.of("initializer", "zeros"), new int[] {128}, DType.FLOAT32, null)
        .node("out/kernel", "Variable", none, Attrs.of("initializer", "ones"), new int[] {128, 10}, DType.FLOAT32, null)
        .node("out/step", "Variable", none, Attrs.of("initializer", "constant(3)"), new int[] {2}, DType.INT32, null)
        .node("y", "Identity", new String[] {"x:0"}, Attrs.NONE, new int[] {-1, 128}, DType.FLOAT32, null)
        .output("y:0")
        .build();
  }

  @Test
  void allWeightProblemsInOneMessage() {
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("out/kernel", Tensor.zeros(128, 9));
    w.put("out/step", Tensor.ofInts(new int[] {1, 2}, 2));
    w.put("extra/w", Tensor.zeros(3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TestGraphs.PlainSession(twoLayer(), Weights.of(w)));
    assertThat(e).hasMessageThat().isEqualTo(
        "missing weight hidden/bias [128]; weight out/kernel has shape [128, 9], expected [128, 10]; unused weight extra/w");
  }

  @Test
  void weightDtypeProblems() {
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("hidden/bias", Tensor.zeros(DType.INT32, 128));
    w.put("out/kernel", Tensor.zeros(DType.INT32, 2));
    w.put("out/step", Tensor.zeros(DType.FLOAT32, 2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TestGraphs.PlainSession(twoLayer(), Weights.of(w)));
    assertThat(e).hasMessageThat().isEqualTo("weight hidden/bias has dtype int32, expected float32; "
        + "weight out/kernel is int32[2], expected float32[128, 10]; weight out/step has dtype float32, expected int32");
  }

  @Test
  void accessorsForGeneratedCode() {
    SessionOptions opts = SessionOptions.defaults().intraOpThreads(3);
    try (TinySession s = new TinySession(TestGraphs.mlp(), TestGraphs.mlpWeights(), true, opts)) {
      assertThat(s.options()).isEqualTo(opts);
      assertThat(s.graphDef().node("relu").opType()).isEqualTo("Relu");
      assertThat(s.weight("w").toFloatArray()).usingExactEquality().containsExactly(1f, -2f, 0.5f).inOrder();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.weight("nope"));
      assertThat(e).hasMessageThat().contains("no weight nope");
    }
  }

  @Test
  void checkInputNamesPlaceholderExpectedAndGiven() {
    try (TinySession s = TinySession.open()) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> s.call(Tensor.of(new float[] {1, 2, 3, 4}, 1, 4)));
      assertThat(e).hasMessageThat().isEqualTo("placeholder x expects float32[-1, 3], got float32[1, 4]");
      e = assertThrows(IllegalArgumentException.class, () -> s.call(Tensor.ofInts(new int[] {1, 2, 3}, 1, 3)));
      assertThat(e).hasMessageThat().isEqualTo("placeholder x expects float32[-1, 3], got int32[1, 3]");
      e = assertThrows(IllegalArgumentException.class, () -> s.call(null));
      assertThat(e).hasMessageThat().isEqualTo("placeholder x expects float32[-1, 3], got null");
      Tensor y = s.call(Tensor.of(new float[] {1, 1, -1, -5, 5, 0}, 2, 3));
      assertThat(y.toFloatArray()).usingExactEquality().containsExactly(2f, 0f, 0f, 0f, 3f, 0.5f).inOrder();
    }
  }

  @Test
  void staticGraphIsTheSessionsGraphAndOutlivesClose() {
    GraphDef def = TestGraphs.mlp();
    TinySession s = new TinySession(def, TestGraphs.mlpWeights(), true, SessionOptions.defaults());
    Graph g = s.staticGraph();
    assertThat(g.graphDef()).isSameInstanceAs(def);
    assertThat(s.staticGraph()).isSameInstanceAs(g);
    assertThat(g.placeholders()).containsExactly(X);
    assertThat(g.output()).isEqualTo(OUT);
    s.close();
    assertThat(s.staticGraph()).isSameInstanceAs(g);
  }

  @Test
  void sessionOptions() {
    assertThat(SessionOptions.defaults().intraOpThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    SessionOptions d = SessionOptions.defaults();
    SessionOptions two = d.intraOpThreads(2);
    assertThat(two.intraOpThreads()).isEqualTo(2);
    assertThat(d.intraOpThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.intraOpThreads(0));
    assertThat(e).hasMessageThat().contains("got 0");
    assertThat(RunOptions.defaults().isTracing()).isFalse();
    assertThat(RunOptions.trace().isTracing()).isTrue();
  }

  // ---- initialWeights ------------------------------------------------------------------------------------

  @Test
  void initialWeightsFromSpecs() {
    Weights w = CompiledSession.initialWeights(twoLayer(), 42);
    assertThat(new ArrayList<>(w.names())).containsExactly("hidden/bias", "out/kernel", "out/step").inOrder();
    assertThat(w.get("hidden/bias").shape()).isEqualTo(new int[] {128});
    assertThat(w.get("out/kernel").getFloat(127, 9)).isEqualTo(1f);
    assertThat(w.get("out/step").dtype()).isEqualTo(DType.INT32);
    assertThat(w.get("out/step").toIntArray()).asList().containsExactly(3, 3);
    // The weights fit the graph.
    new TestGraphs.PlainSession(twoLayer(), w).close();
    try (TinySession s = new TinySession(CompiledSession.initialWeights(TestGraphs.mlp(), 1), false)) {
      assertThat(s.run("w:0", Map.of()).toFloatArray()).usingExactEquality().containsExactly(0.5f, 0.5f, 0.5f);
    }
  }

  @Test
  void unsupportedInitializerSpecIsReported() {
    GraphDef g = GraphDef.builder()
        .node("v", "Variable", TestGraphs.NONE, Attrs.of("initializer", "mystery(1)"), new int[] {2}, DType.FLOAT32, null)
        .build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompiledSession.initialWeights(g, 1));
    assertThat(e).hasMessageThat().contains("mystery(1)");
  }

  /** A seed-dependent initializer, standing in for glorot_uniform until Initializers.parse is wired in. */
  static Initializer randomInit(String spec) {
    return new Initializer() {
      @Override
      public float[] generate(int[] shape, long seed) {
        Random r = new Random(seed);
        float[] v = new float[dev.kiln.Shapes.size(shape)];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
        return v;
      }

      @Override
      public String spec() {
        return spec;
      }
    };
  }

  @Test
  void initialWeightsAreDeterministicPerSeedAndDifferAcrossSeedsAndNames() {
    GraphDef g = twoLayer();
    Weights a = CompiledSession.initialWeights(g, 7, CompiledSessionTest::randomInit);
    Weights b = CompiledSession.initialWeights(g, 7, CompiledSessionTest::randomInit);
    Weights c = CompiledSession.initialWeights(g, 8, CompiledSessionTest::randomInit);
    for (String n : a.names()) {
      assertThat(b.get(n).toFloatArray()).isEqualTo(a.get(n).toFloatArray());
      assertThat(c.get(n).toFloatArray()).isNotEqualTo(a.get(n).toFloatArray());
    }
    // Two weights of the same shape in one model get different values.
    assertThat(CompiledSession.weightSeed(7, "a/kernel")).isNotEqualTo(CompiledSession.weightSeed(7, "b/kernel"));
    assertThat(CompiledSession.weightSeed(7, "a/kernel")).isEqualTo(CompiledSession.weightSeed(7, "a/kernel"));
    assertThat(CompiledSession.weightSeed(7, "a/kernel")).isNotEqualTo(CompiledSession.weightSeed(8, "a/kernel"));
  }

  // ---- fast path ---------------------------------------------------------------------------------------------

  @Test
  void fastPathUsedWhenFetchesAreOutputsAndFeedsArePlaceholders() {
    try (TinySession s = TinySession.open()) {
      float[][] x = {{1, 1, -1}, {-5, 5, 0}}; // batch 2: the skeleton Add kernel cannot broadcast, the fast path can
      assertThat(s.run(OUT, xFeed(x)).toFloatArray()).usingExactEquality().containsExactly(2f, 0f, 0f, 0f, 3f, 0.5f).inOrder();
      assertThat(s.fastCalls.get()).isEqualTo(1);
      s.run("out:0", Map.of("x", x));
      assertThat(s.fastCalls.get()).isEqualTo(2);
      List<Object> l = s.run(List.of(OUT, new Object[] {"out:0"}), Map.of("x:0", x));
      assertThat(((Tensor) l.get(0)).toFloatArray()).isEqualTo(((Tensor) ((Object[]) l.get(1))[0]).toFloatArray());
      assertThat(s.fastCalls.get()).isEqualTo(3);
      Map<String, Tensor> m = s.run(Map.of("y", OUT), xFeed(x), RunOptions.defaults(), new RunMetadata());
      assertThat(m.get("y").shape()).isEqualTo(new int[] {2, 3});
      assertThat(s.fastCalls.get()).isEqualTo(4);
    }
  }

  @Test
  void fastPathNotUsedOtherwise() {
    float[][] x = {{1, 1, -1}};
    try (TinySession s = TinySession.open()) {
      s.run("relu:0", xFeed(x)); // not an output
      s.run(List.of(OUT, "relu:0"), xFeed(x)); // one fetch is not an output
      s.run(List.of(OUT, "out"), xFeed(x)); // an operation fetch
      s.run(OUT, xFeed(x), RunOptions.trace(), new RunMetadata()); // tracing
      Map<Object, Object> extra = xFeed(x);
      extra.put("w:0", new float[] {0, 0, 0});
      assertThat(s.run(OUT, extra).toFloatArray()).usingExactEquality().containsExactly(1f, 1f, 0f).inOrder();
      s.run(OUT, Map.of("add:0", x)); // a non-placeholder feed
      assertThat(s.fastCalls.get()).isEqualTo(0);
    }
  }

  @Test
  void generalPathWhenRunOutputsReturnsNull() {
    try (TinySession s = new TinySession(TestGraphs.mlpWeights(), false)) {
      assertThat(s.run(OUT, xFeed(new float[][] {{1, 1, -1}})).toFloatArray())
          .usingExactEquality().containsExactly(2f, 0f, 0f).inOrder();
      assertThat(s.fastCalls.get()).isEqualTo(0);
    }
  }

  // ---- concurrency -------------------------------------------------------------------------------------------

  @Test
  void concurrentRunsMatchSingleThreaded() throws Exception {
    int threads = 8;
    int runs = 200;
    try (TinySession s = TinySession.open()) {
      // Expected values, computed on one thread first.
      float[][][] expectedRelu = new float[threads][runs][];
      for (int t = 0; t < threads; t++) {
        for (int r = 0; r < runs; r++) {
          expectedRelu[t][r] = s.run("relu:0", xFeed(input(t, r))).toFloatArray();
          assertThat(expectedRelu[t][r]).isEqualTo(TestGraphs.expected(input(t, r)[0]));
        }
      }
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          final int thread = t;
          results.add(pool.submit(() -> {
            start.await();
            int ok = 0;
            for (int r = 0; r < runs; r++) {
              float[][] x = input(thread, r);
              // Alternate the general path, the fast path, tracing and an error that must leave no trace.
              Object got;
              switch (r % 4) {
                case 0 -> got = s.run("relu:0", xFeed(x)).toFloatArray();
                case 1 -> got = s.run(OUT, xFeed(x)).toFloatArray();
                case 2 -> {
                  RunMetadata meta = new RunMetadata();
                  Map<String, Tensor> m = s.run(Map.of("o", OUT), xFeed(x), RunOptions.trace(), meta);
                  if (meta.steps().size() != 3) throw new AssertionError("steps " + meta.steps());
                  got = m.get("o").toFloatArray();
                }
                default -> {
                  try {
                    s.run(OUT, Map.of());
                    throw new AssertionError("missing feed not reported");
                  } catch (IllegalArgumentException expected) {
                    // fine
                  }
                  got = ((Tensor) s.run(new Object[] {"relu:0"}, xFeed(x))[0]).toFloatArray();
                }
              }
              if (!java.util.Arrays.equals((float[]) got, expectedRelu[thread][r])) {
                throw new AssertionError("thread " + thread + " run " + r);
              }
              ok++;
            }
            return ok;
          }));
        }
        start.countDown();
        for (Future<Integer> f : results) assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(runs);
      } finally {
        pool.shutdownNow();
      }
      assertThat(s.fastCalls.get()).isEqualTo(threads * runs / 4);
    }
  }

  static float[][] input(int thread, int run) {
    return new float[][] {{thread - 3.5f, run * 0.25f - 20f, (thread * 31 + run) % 7 - 3f}};
  }
}

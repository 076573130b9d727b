package dev.kiln.session;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Graph;
import dev.kiln.Operation;
import dev.kiln.Output;
import dev.kiln.RunMetadata;
import dev.kiln.RunOptions;
import dev.kiln.Tensor;
import dev.kiln.io.Json;
import dev.kiln.session.TestGraphs.TinySession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SessionRunTest {
  static final Graph GRAPH = Graph.of(TestGraphs.mlp());
  static final Output X = GRAPH.placeholder("x");
  static final Output OUT = GRAPH.output();
  /** x = [[1, 1, -1]]: add = [2, -1, -0.5], relu = out = [2, 0, 0]. */
  static final float[][] X_VALUE = {{1f, 1f, -1f}};

  static Map<Object, Object> feeds(Object... kv) {
    Map<Object, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static Map<Object, Object> xFeed() {
    return feeds(X, Tensor.of(X_VALUE));
  }

  static void assertValues(Object t, float... expected) {
    assertThat(t).isInstanceOf(Tensor.class);
    assertThat(((Tensor) t).toFloatArray()).usingExactEquality().containsExactly(expected).inOrder();
  }

  /** Runs {@code bad}, checks the message, then checks the same session still runs. */
  static void assertFailsThenWorks(TinySession s, String message, Executable bad) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
    assertThat(e).hasMessageThat().contains(message);
    assertValues(s.run(OUT, xFeed()), 2f, 0f, 0f);
    assertValues(s.run("relu:0", xFeed()), 2f, 0f, 0f);
  }

  // ---- single fetches ------------------------------------------------------------------------------------

  @Test
  void singleOutputFetch() {
    try (TinySession s = TinySession.open()) {
      Tensor out = s.run(OUT, xFeed());
      assertValues(out, 2f, 0f, 0f);
      assertThat(out.shape()).isEqualTo(new int[] {1, 3});
    }
  }

  @Test
  void tensorNameFetchGivesTensor() {
    try (TinySession s = TinySession.open()) {
      assertValues(s.run("add:0", xFeed()), 2f, -1f, -0.5f);
      assertValues(s.run("relu:0", xFeed()), 2f, 0f, 0f);
      assertValues(s.run("w:0", xFeed()), 1f, -2f, 0.5f);
    }
  }

  @Test
  void operationNameAndOperationFetchGiveNull() {
    try (TinySession s = TinySession.open()) {
      assertThat(s.run("relu", xFeed())).isNull();
      Operation relu = GRAPH.operation("relu");
      assertThat(s.run(relu, xFeed())).isNull();
      RunMetadata meta = new RunMetadata();
      s.run(relu, xFeed(), RunOptions.trace(), meta);
      assertThat(stepNames(meta)).containsExactly("add", "relu").inOrder();
    }
  }

  @Test
  void generatedStyleStaticGraphAccessor() {
    try (dev.kiln.Session s = TinySession.open()) {
      Graph g = TinySession.graph();
      assertValues(s.run(g.output(), feeds(g.placeholder("x"), X_VALUE)), 2f, 0f, 0f);
    }
  }

  @Test
  void fetchingAFedTensorGivesTheFedValue() {
    try (TinySession s = TinySession.open()) {
      Tensor x = Tensor.of(X_VALUE);
      assertThat(s.run(X, feeds(X, x))).isSameInstanceAs(x);
    }
  }

  // ---- nested fetches ------------------------------------------------------------------------------------

  @Test
  void nestedListFetchKeepsStructure() {
    try (TinySession s = TinySession.open()) {
      List<Object> r = s.run(List.of(OUT, List.of("add:0", "relu"), GRAPH.operation("out")), xFeed());
      assertThat(r).hasSize(3);
      assertValues(r.get(0), 2f, 0f, 0f);
      List<?> inner = (List<?>) r.get(1);
      assertThat(inner).hasSize(2);
      assertValues(inner.get(0), 2f, -1f, -0.5f);
      assertThat(inner.get(1)).isNull();
      assertThat(r.get(2)).isNull();
    }
  }

  @Test
  void nestedArrayFetchKeepsStructure() {
    try (TinySession s = TinySession.open()) {
      Object[] r = s.run(new Object[] {"relu:0", new Object[] {OUT, "add"}, new Output[] {X}}, xFeed());
      assertThat(r).hasLength(3);
      assertValues(r[0], 2f, 0f, 0f);
      Object[] inner = (Object[]) r[1];
      assertValues(inner[0], 2f, 0f, 0f);
      assertThat(inner[1]).isNull();
      assertValues(((Object[]) r[2])[0], 1f, 1f, -1f);
    }
  }

  @Test
  void mapFetchKeepsKeysAndOrder() {
    try (TinySession s = TinySession.open()) {
      Map<String, Object> fetches = new LinkedHashMap<>();
      fetches.put("zeta", OUT);
      fetches.put("alpha", "add:0");
      fetches.put("mid", "relu");
      Map<String, Tensor> r = s.run(fetches, xFeed());
      assertThat(r).isInstanceOf(LinkedHashMap.class);
      assertThat(new ArrayList<>(r.keySet())).containsExactly("zeta", "alpha", "mid").inOrder();
      assertValues(r.get("zeta"), 2f, 0f, 0f);
      assertValues(r.get("alpha"), 2f, -1f, -0.5f);
      assertThat(r.get("mid")).isNull();
      assertThat(r.containsKey("mid")).isTrue();
    }
  }

  @Test
  void mapOfListsAndListOfMaps() {
    try (TinySession s = TinySession.open()) {
      Map<Integer, Object> fetches = new LinkedHashMap<>();
      fetches.put(7, List.of(OUT, "add:0"));
      fetches.put(3, new Object[] {Map.of("k", "relu:0")});
      Map<Integer, ?> r = s.run(fetches, xFeed());
      assertThat(new ArrayList<>(r.keySet())).containsExactly(7, 3).inOrder();
      List<?> seven = (List<?>) (Object) r.get(7);
      assertValues(seven.get(0), 2f, 0f, 0f);
      assertValues(seven.get(1), 2f, -1f, -0.5f);
      Object[] three = (Object[]) (Object) r.get(3);
      assertValues(((Map<?, ?>) three[0]).get("k"), 2f, 0f, 0f);

      List<Object> l = s.run(List.of(Map.of("a", OUT)), xFeed());
      assertValues(((Map<?, ?>) l.get(0)).get("a"), 2f, 0f, 0f);
    }
  }

  @Test
  void emptyFetchesComputeNothing() {
    try (TinySession s = TinySession.open()) {
      RunMetadata meta = new RunMetadata();
      assertThat(s.run(List.of(), Map.of(), RunOptions.trace(), meta)).isEmpty();
      assertThat(meta.steps()).isEmpty();
      assertThat(s.run(new Object[0], null)).isEmpty();
    }
  }

  // ---- feeds ---------------------------------------------------------------------------------------------

  @Test
  void feedsByOutputByTensorNameAndByNodeName() {
    try (TinySession s = TinySession.open()) {
      assertValues(s.run("relu:0", feeds(X, Tensor.of(X_VALUE))), 2f, 0f, 0f);
      assertValues(s.run("relu:0", feeds("x:0", Tensor.of(X_VALUE))), 2f, 0f, 0f);
      assertValues(s.run("relu:0", feeds("x", Tensor.of(X_VALUE))), 2f, 0f, 0f);
      assertValues(s.run("relu:0", feeds(GRAPH.tensor("x:0"), X_VALUE)), 2f, 0f, 0f);
    }
  }

  @Test
  void feedingAnIntermediateTensorSkipsWhatOnlyFedIt() {
    try (TinySession s = TinySession.open()) {
      RunMetadata meta = new RunMetadata();
      // x is not fed: it is not needed, since add:0 is fed.
      Tensor out = s.run(OUT, feeds("add:0", new float[][] {{-1f, 2f, -3f}}), RunOptions.trace(), meta);
      assertValues(out, 0f, 2f, 0f);
      assertThat(stepNames(meta)).containsExactly("relu", "out").inOrder();
      assertThat(s.fastCalls.get()).isEqualTo(0);
    }
  }

  @Test
  void feedingAVariableOverridesTheWeight() {
    try (TinySession s = TinySession.open()) {
      Tensor out = s.run("add:0", feeds(X, X_VALUE, "w", new float[] {10f, 20f, 30f}));
      assertValues(out, 11f, 21f, 29f);
      assertValues(s.run("add:0", xFeed()), 2f, -1f, -0.5f);
    }
  }

  @Test
  void javaArrayAndScalarFeeds() {
    try (TestGraphs.PlainSession s = new TestGraphs.PlainSession(TestGraphs.kinds(), dev.kiln.Weights.of(Map.of()))) {
      assertValues(s.run("f_id:0", feeds("f", 1.5f)), 1.5f);
      assertValues(s.run("f_id:0", feeds("f", 2.25d)), 2.25f);
      Tensor fromInt = s.run("f_id:0", feeds("f", 3));
      assertThat(fromInt.dtype()).isEqualTo(dev.kiln.DType.FLOAT32);
      assertValues(fromInt, 3f);
      Tensor i = s.run("i_id:0", feeds("i", 7));
      assertThat(i.dtype()).isEqualTo(dev.kiln.DType.INT32);
      assertThat(i.getInt()).isEqualTo(7);
      Tensor b = s.run("b_id:0", feeds("b", true));
      assertThat(b.dtype()).isEqualTo(dev.kiln.DType.BOOL);
      assertThat(b.getInt()).isEqualTo(1);
      assertValues(s.run("v_id:0", feeds("v", new float[] {1f, 2f})), 1f, 2f);
      assertValues(s.run("v_id:0", feeds("v", new int[] {4, 5})), 4f, 5f);
      assertThat(s.run("bv_id:0", feeds("bv", new boolean[] {false, true})).toIntArray()).asList().containsExactly(0, 1);
      assertThat(s.run("iv_id:0", feeds("iv", new int[] {1, 2, 3})).toIntArray()).asList().containsExactly(1, 2, 3);
      Tensor m3 = s.run("m3_id:0", feeds("m3", new float[][][] {{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}));
      assertThat(m3.shape()).isEqualTo(new int[] {2, 2, 2});
      assertThat(m3.getFloat(1, 0, 1)).isEqualTo(6f);
      Tensor i2 = s.run("i2_id:0", feeds("i2", new int[][] {{1, 2, 3}, {4, 5, 6}}));
      assertThat(i2.shape()).isEqualTo(new int[] {2, 3});
      assertThat(i2.getInt(1, 2)).isEqualTo(6);
      Tensor i3 = s.run("i3_id:0", feeds("i3", new int[][][] {{{1, 2}, {3, 4}}}));
      assertThat(i3.toIntArray()).asList().containsExactly(1, 2, 3, 4).inOrder();
      Tensor i4 = s.run("i4_id:0", feeds("i4", new int[][][][] {{{{1, 2, 3}, {4, 5, 6}}}}));
      assertThat(i4.shape()).isEqualTo(new int[] {1, 1, 2, 3});
      assertThat(i4.getInt(0, 0, 1, 0)).isEqualTo(4);
      Tensor f4 = s.run("f4_id:0", feeds("f4", new float[][][][] {{{{1, 2}, {3, 4}}}}));
      assertThat(f4.getFloat(0, 0, 1, 1)).isEqualTo(4f);
      Tensor f4i = s.run("f4_id:0", feeds("f4", new int[][][][] {{{{1, 2}, {3, 4}}}}));
      assertThat(f4i.dtype()).isEqualTo(dev.kiln.DType.FLOAT32);
      // Several fetches, each needing only its own placeholder.
      List<Object> both = s.run(List.of("f_id:0", "i_id:0"), feeds("f", 1f, "i", 2));
      assertThat(both).hasSize(2);
    }
  }

  @Test
  void lossyOrWrongDtypeConversionsAreRejected() {
    try (TestGraphs.PlainSession s = new TestGraphs.PlainSession(TestGraphs.kinds(), dev.kiln.Weights.of(Map.of()))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.run("i_id:0", feeds("i", 1.5f)));
      assertThat(e).hasMessageThat().isEqualTo("placeholder i expects int32[], got float32[]");
      e = assertThrows(IllegalArgumentException.class, () -> s.run("i_id:0", feeds("i", 2.0d)));
      assertThat(e).hasMessageThat().isEqualTo("placeholder i expects int32[], got float32[]");
      e = assertThrows(IllegalArgumentException.class, () -> s.run("b_id:0", feeds("b", 1)));
      assertThat(e).hasMessageThat().isEqualTo("placeholder b expects bool[], got int32[]");
      e = assertThrows(IllegalArgumentException.class, () -> s.run("f_id:0", feeds("f", false)));
      assertThat(e).hasMessageThat().isEqualTo("placeholder f expects float32[], got bool[]");
      e = assertThrows(IllegalArgumentException.class,
          () -> s.run("iv_id:0", feeds("iv", Tensor.of(new float[] {1f}, 1))));
      assertThat(e).hasMessageThat().isEqualTo("placeholder iv expects int32[-1], got float32[1]");
      e = assertThrows(IllegalArgumentException.class, () -> s.run("i2_id:0", feeds("i2", new int[][] {{1, 2}, {3}})));
      assertThat(e).hasMessageThat().contains("cannot feed i2:0: ragged array");
      // still works
      assertThat(s.run("i_id:0", feeds("i", 3)).getInt()).isEqualTo(3);
    }
  }

  // ---- errors, each followed by a successful run ----------------------------------------------------------

  @Test
  void wrongFetchKindIsATypeError() {
    try (TinySession s = TinySession.open()) {
      assertFailsThenWorks(s, "fetch fetches[1] has invalid type java.lang.Integer (42)",
          () -> s.run(List.of(OUT, 42), xFeed()));
      assertFailsThenWorks(s, "fetch fetches[0][k] has invalid type int[]",
          () -> s.run(new Object[] {Map.of("k", new int[] {1})}, xFeed()));
      assertFailsThenWorks(s, "fetch fetches has invalid type null",
          () -> s.run((Output) null, xFeed()));
    }
  }

  @Test
  void wrongFeedKindIsATypeError() {
    try (TinySession s = TinySession.open()) {
      assertFailsThenWorks(s, "feed key 5 has invalid type java.lang.Integer",
          () -> s.run(OUT, feeds(5, X_VALUE)));
      assertFailsThenWorks(s, "feed value for x:0 has invalid type double[][]",
          () -> s.run(OUT, feeds(X, new double[][] {{1, 2, 3}})));
      assertFailsThenWorks(s, "feed value for x:0 has invalid type java.lang.String",
          () -> s.run(OUT, feeds(X, "hello")));
    }
  }

  @Test
  void unknownNamesAreValueErrors() {
    try (TinySession s = TinySession.open()) {
      assertFailsThenWorks(s, "'hidden/Relu:0' is not a tensor of the graph (no operation hidden/Relu)",
          () -> s.run("hidden/Relu:0", xFeed()));
      assertFailsThenWorks(s, "'nope' is not an operation or tensor of the graph",
          () -> s.run("nope", xFeed()));
      assertFailsThenWorks(s, "'relu:1' is not a tensor of the graph (operation relu has 1 output(s))",
          () -> s.run(List.of("relu:1"), xFeed()));
      assertFailsThenWorks(s, "feed key 'y': 'y:0' is not a tensor of the graph",
          () -> s.run(OUT, feeds("y", X_VALUE)));
      Output foreign = Graph.of(TestGraphs.kinds()).tensor("f_id:0");
      assertFailsThenWorks(s, "f_id:0 is not a tensor of this session's graph",
          () -> s.run(foreign, xFeed()));
    }
  }

  @Test
  void shapeMismatchNamesTensorExpectedAndGiven() {
    try (TinySession s = TinySession.open()) {
      assertFailsThenWorks(s, "placeholder x expects float32[-1, 3], got float32[1, 4]",
          () -> s.run(OUT, feeds(X, new float[][] {{1, 2, 3, 4}})));
      assertFailsThenWorks(s, "placeholder x expects float32[-1, 3], got float32[3]",
          () -> s.run(OUT, feeds("x", new float[] {1, 2, 3})));
      assertFailsThenWorks(s, "tensor add:0 expects float32[-1, 3], got float32[2, 2]",
          () -> s.run(OUT, feeds("add:0", new float[][] {{1, 2}, {3, 4}})));
      assertFailsThenWorks(s, "tensor w:0 expects float32[3], got float32[4]",
          () -> s.run(OUT, feeds(X, X_VALUE, "w:0", new float[] {1, 2, 3, 4})));
    }
  }

  @Test
  void dtypeMismatchNamesTensorExpectedAndGiven() {
    try (TinySession s = TinySession.open()) {
      assertFailsThenWorks(s, "placeholder x expects float32[-1, 3], got bool[3]",
          () -> s.run(OUT, feeds(X, new boolean[] {true, false, true})));
      assertFailsThenWorks(s, "tensor relu:0 expects float32[-1, 3], got bool[]",
          () -> s.run(OUT, feeds("relu", true)));
    }
  }

  @Test
  void missingFeedNamesThePlaceholder() {
    try (TinySession s = TinySession.open()) {
      assertFailsThenWorks(s, "placeholder x must be fed (float32[-1, 3])", () -> s.run(OUT, Map.of()));
      assertFailsThenWorks(s, "placeholder x must be fed (float32[-1, 3])", () -> s.run("relu", null));
      // Fetching only the weight needs no feed.
      assertValues(s.run("w:0", Map.of()), 1f, -2f, 0.5f);
    }
  }

  @Test
  void feedingOneTensorTwiceIsAnError() {
    try (TinySession s = TinySession.open()) {
      assertFailsThenWorks(s, "tensor x:0 is fed twice", () -> s.run(OUT, feeds(X, X_VALUE, "x", X_VALUE)));
    }
  }

  @Test
  void closedSession() {
    TinySession s = TinySession.open();
    assertValues(s.run(OUT, xFeed()), 2f, 0f, 0f);
    s.close();
    s.close(); // idempotent
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.run(OUT, xFeed()));
    assertThat(e).hasMessageThat().isEqualTo("session is closed");
    assertThrows(IllegalStateException.class, () -> s.run(List.of("relu:0"), xFeed(), RunOptions.trace(), new RunMetadata()));
    assertThrows(IllegalStateException.class, () -> s.call(Tensor.of(X_VALUE)));
  }

  // ---- weights are private copies ------------------------------------------------------------------------

  @Test
  void sessionKeepsItsOwnCopyOfTheWeights() {
    Tensor w = Tensor.of(new float[] {1f, -2f, 0.5f}, 3);
    try (TinySession s = new TinySession(dev.kiln.Weights.of(Map.of("w", w)), false)) {
      w.floatBuffer()[0] = 100f;
      assertValues(s.run(OUT, xFeed()), 2f, 0f, 0f);
      Tensor fetched = s.run("w:0", Map.of());
      fetched.floatBuffer()[1] = 100f;
      assertValues(s.run("w:0", Map.of()), 1f, -2f, 0.5f);
      assertValues(s.run(OUT, xFeed()), 2f, 0f, 0f);
    }
  }

  // ---- tracing ---------------------------------------------------------------------------------------------

  @Test
  void traceRecordsOneStepPerExecutedNode() throws Exception {
    try (TinySession s = TinySession.open()) {
      RunMetadata meta = new RunMetadata();
      Tensor out = s.run(OUT, xFeed(), RunOptions.trace(), meta);
      assertValues(out, 2f, 0f, 0f);
      assertThat(s.fastCalls.get()).isEqualTo(0); // tracing uses the general path
      assertThat(stepNames(meta)).containsExactly("add", "relu", "out").inOrder();
      RunMetadata.StepStats add = meta.steps().get(0);
      assertThat(add.op()).isEqualTo("Add");
      assertThat(add.outputBytes()).isEqualTo(12);
      assertThat(add.durationNanos()).isAtLeast(0L);
      assertThat(add.startNanos()).isAtLeast(0L);
      assertThat(meta.steps().get(2).startNanos()).isAtLeast(add.startNanos());

      @SuppressWarnings("unchecked")
      Map<String, Object> json = (Map<String, Object>) Json.parse(meta.toChromeTraceJson());
      List<?> events = (List<?>) json.get("traceEvents");
      assertThat(events).hasSize(3);
      Map<?, ?> e = (Map<?, ?>) events.get(1);
      assertThat(e.keySet()).containsExactly("name", "cat", "ph", "ts", "dur", "pid", "tid", "args");
      assertThat(e.get("name")).isEqualTo("relu");
      assertThat(e.get("cat")).isEqualTo("Relu");
      assertThat(e.get("ph")).isEqualTo("X");
      assertThat(number(e.get("pid"))).isEqualTo(0.0);
      assertThat(number(e.get("tid"))).isEqualTo((double) Thread.currentThread().getId());
      assertThat(((Map<?, ?>) e.get("args")).get("op")).isEqualTo("Relu");
      assertThat(number(((Map<?, ?>) e.get("args")).get("output_bytes"))).isEqualTo(12.0);

      // An untraced run with the same metadata replaces its content.
      s.run(OUT, xFeed(), RunOptions.defaults(), meta);
      assertThat(meta.steps()).isEmpty();
      assertThat(Json.parse(meta.toChromeTraceJson())).isEqualTo(Map.of("traceEvents", List.of()));
    }
  }

  @Test
  void chromeTraceEscapesStrings() throws Exception {
    RunMetadata meta = new RunMetadata();
    String name = "we\"ird\\name\n\u0001/é";
    meta.setSteps(List.of(new RunMetadata.StepStats(name, "Op\t", 1_234_567L, 5L, 8L, 3L)));
    Map<?, ?> e = (Map<?, ?>) ((List<?>) ((Map<?, ?>) Json.parse(meta.toChromeTraceJson())).get("traceEvents")).get(0);
    assertThat(e.get("name")).isEqualTo(name);
    assertThat(e.get("cat")).isEqualTo("Op\t");
    assertThat(number(e.get("ts"))).isEqualTo(1234.567);
    assertThat(number(e.get("dur"))).isEqualTo(0.005);
    meta.clear();
    assertThat(meta.steps()).isEmpty();
  }

  private static double number(Object jsonNumber) {
    return ((Number) jsonNumber).doubleValue();
  }

  static List<String> stepNames(RunMetadata meta) {
    List<String> names = new ArrayList<>();
    for (RunMetadata.StepStats st : meta.steps()) names.add(st.name());
    return names;
  }
}

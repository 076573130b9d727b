package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.processor.testing.CompiledModels.call;
import static dev.kiln.processor.testing.CompiledModels.callStatic;

import com.google.testing.compile.JavaFileObjects;
import dev.kiln.Graph;
import dev.kiln.Session;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.processor.testing.CompiledModels;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sequence models compiled and run three ways (eager, typed call, {@code Session.run}): masks reach user layers and
 * leave them as Keras 3 says, {@code applyAll} returns the states, the mask is a graph tensor that can be fetched and
 * fed by name, padded steps change nothing.
 */
class SequenceModelsTest {
  @Test
  void userLayersSeeAndSetMasks() throws Exception {
    String layer = "package com.example;\n"
        + "import dev.kiln.*;\n"
        + "public final class MaskedSum extends AbstractLayer {\n"
        + "  @Call @Override protected Tensor call(Tensor inputs, boolean training, Tensor mask) {\n"
        + "    Tensor m = Ops.expandDims(Ops.cast(mask, DType.FLOAT32), -1);\n"
        + "    return Ops.sum(Ops.multiply(inputs, m), 1, false);\n"
        + "  }\n"
        + "  @Override public Tensor computeMask(Tensor inputs, Tensor mask) { return null; }\n"
        + "}\n";
    String scale = "package com.example;\n"
        + "import dev.kiln.*;\n"
        + "public final class Twice extends AbstractLayer {\n"
        + "  @Call @Override protected Tensor call(Tensor x) { return Ops.multiply(x, 2f); }\n"
        + "  @Override public boolean supportsMasking() { return true; }\n"
        + "}\n";
    String model = "package com.example;\n"
        + "import dev.kiln.*;\nimport dev.kiln.layers.*;\n"
        + "public final class UserMasks extends Model {\n"
        + "  @Layer final Embedding embed = new Embedding(20, 4).maskZero(true);\n"
        + "  @Layer final Twice twice = new Twice();\n"
        + "  @Layer final MaskedSum sum = new MaskedSum();\n"
        + "  @Layer final LSTM lstm = new LSTM(3).returnSequences(true).returnState(true);\n"
        + "  @Call public Tensor[] predict(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {\n"
        + "    Tensor x = twice.apply(embed.apply(tokens));\n"
        + "    Tensor m = x.mask();\n"
        + "    Tensor y = Ops.add(x, 1f).withMask(m);\n"
        + "    Tensor[] all = lstm.applyAll(y);\n"
        + "    return new Tensor[] {sum.apply(y), all[0], all[1], all[2], all[0].mask()};\n"
        + "  }\n}\n";
    CompiledModels m = CompiledModels.compile(JavaFileObjects.forSourceString("com.example.MaskedSum", layer),
        JavaFileObjects.forSourceString("com.example.Twice", scale),
        JavaFileObjects.forSourceString("com.example.UserMasks", model));
    Tensor tokens = Tensor.ofInts(new int[] {3, 4, 5, 0, 0, 7, 1, 2, 9, 11}, 2, 5);
    Tensor[] eager = threeWays(m, "UserMasks", "predict", tokens, "tokens");
    // the mask reached the user layer: the masked sum of row 0 equals the sum of its first three steps
    assertThat(eager[4].toIntArray()).isEqualTo(new int[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1});
  }

  /** The eager model, the compiled call and Session.run on the same input agree; returns the eager outputs. */
  private static Tensor[] threeWays(CompiledModels m, String name, String method, Tensor input, String placeholder) {
    Class<?> session = m.load("com.example.Kiln" + name);
    Graph g = (Graph) callStatic(session, "graph");
    Weights w = CompiledModels.randomWeights(g.graphDef(), 7);
    Object eagerModel = m.newInstance("com.example." + name);
    callStatic(session, "loadInto", eagerModel, w);
    Object e = call(eagerModel.getClass(), eagerModel, method, input);
    Tensor[] eager = e instanceof Tensor[] ? (Tensor[]) e : new Tensor[] {(Tensor) e};
    try (Session s = (Session) callStatic(session, "open", w)) {
      Object c = call(session, s, "call", input);
      Tensor[] compiled = c instanceof Tensor[] ? (Tensor[]) c : new Tensor[] {(Tensor) c};
      java.util.List<Object> run = s.run(new java.util.ArrayList<Object>(g.outputs()), Map.of(placeholder, input));
      for (int i = 0; i < eager.length; i++) {
        assertThat(CompiledModels.relativeError(compiled[i], eager[i])).isAtMost(1e-5);
        assertThat(CompiledModels.relativeError((Tensor) run.get(i), eager[i])).isAtMost(1e-5);
      }
    }
    return eager;
  }

  /**
   * The Embedding's mask is the graph tensor {@code embed/NotEqual:0}: fetched, it is {@code tokens != 0}; fed, it
   * overrides the mask, so masking a step through the feed equals zeroing its token (a masked step's input is unused).
   */
  @Test
  void theMaskIsFetchableAndFeedableByName() throws Exception {
    CompiledModels m = CompiledModels.compile(JavaFileObjects.forSourceString("com.example.Seq", SEQ));
    Class<?> session = m.load("com.example.KilnSeq");
    Graph g = (Graph) callStatic(session, "graph");
    Weights w = CompiledModels.randomWeights(g.graphDef(), 3);
    int[] ids = {3, 4, 5, 6, 2, 7, 1, 2, 9, 11};
    Tensor tokens = Tensor.ofInts(ids, 2, 5);
    boolean[] keep = {true, true, false, true, false, true, true, true, false, false};
    int[] zeroed = ids.clone();
    for (int i = 0; i < ids.length; i++) if (!keep[i]) zeroed[i] = 0;
    try (Session s = (Session) callStatic(session, "open", w)) {
      Tensor mask = s.run("embed/NotEqual:0", Map.of("tokens", Tensor.ofInts(zeroed, 2, 5)));
      assertThat(mask.toIntArray()).isEqualTo(Tensor.ofBooleans(keep, 2, 5).toIntArray());
      Tensor fed = s.run(g.output(), Map.of("tokens", tokens, "embed/NotEqual:0", Tensor.ofBooleans(keep, 2, 5)));
      Tensor viaTokens = (Tensor) call(session, s, "call", Tensor.ofInts(zeroed, 2, 5));
      assertThat(CompiledModels.relativeError(fed, viaTokens)).isAtMost(1e-6);
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> s.run(g.output(), Map.of("tokens", Tensor.zeros(2, 5))));
      assertThat(e).hasMessageThat().contains("tokens");
      assertThat(e).hasMessageThat().contains("int32");
    }
  }

  private static final String SEQ = "package com.example;\n"
      + "import dev.kiln.*;\nimport dev.kiln.layers.*;\n"
      + "public final class Seq extends Model {\n"
      + "  @Layer final Embedding embed = new Embedding(20, 6).maskZero(true);\n"
      + "  @Layer final LSTM lstm = new LSTM(5);\n"
      + "  @Layer final Dense out = new Dense(3);\n"
      + "  @Call public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {\n"
      + "    return out.apply(lstm.apply(embed.apply(tokens)));\n"
      + "  }\n}\n";

  @Test
  void paddedStepsChangeNothing() throws Exception {
    CompiledModels m = CompiledModels.compile(JavaFileObjects.forSourceString("com.example.Seq", SEQ));
    Tensor tokens = Tensor.ofInts(new int[] {3, 4, 5, 0, 0, 7, 1, 2, 9, 11}, 2, 5);
    Tensor[] padded = threeWays(m, "Seq", "call", tokens, "tokens");
    Tensor[] alone = threeWays(m, "Seq", "call", Tensor.ofInts(new int[] {3, 4, 5}, 1, 3), "tokens");
    float[] row0 = java.util.Arrays.copyOf(padded[0].toFloatArray(), 3);
    assertThat(row0).usingTolerance(1e-6).containsExactly(alone[0].toFloatArray()).inOrder();
  }
}

package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.processor.testing.CompiledModels.call;
import static dev.kiln.processor.testing.CompiledModels.callStatic;

import com.google.testing.compile.JavaFileObjects;
import dev.kiln.Graph;
import dev.kiln.Output;
import dev.kiln.Session;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.processor.testing.CompiledModels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A family of models that uses every construct API.md §1 allows (user layers with build/addWeight, blocks in an
 * array, counted and enhanced for loops, compile-time conditions on fields, constructor arguments, training and
 * shapes, static and instance helpers, a null layer, a nested model with two inputs, several inputs and outputs)
 * compiles, and its compiled session computes what the eager model computes.
 */
class ModelFamilyTest {
  static JavaFileObject model(String name) {
    return JavaFileObjects.forResource("models/com/example/" + name + ".java");
  }

  static CompiledModels models;

  @BeforeAll
  static void compile() throws Exception {
    models = CompiledModels.compile(model("ScaleShift"), model("Block"), model("Encoder"), model("Family"));
  }

  @Test
  void graphHasKerasScopedNames() {
    Graph g = (Graph) callStatic(models.load("com.example.KilnFamily"), "graph");
    assertThat(g.placeholders()).hasSize(2);
    assertThat(g.placeholder("x").shape()).asList().containsExactly(-1, 5).inOrder();
    assertThat(g.outputs()).hasSize(2);
    assertThat(g.operation("blocks/2/expand/MatMul").type()).isEqualTo("MatMul");
    assertThat(g.operation("blocks/0/norm/gamma").type()).isEqualTo("Variable");
    assertThat(g.operation("encoder/merge/Add").type()).isEqualTo("Add");
    assertThat(g.tensor("heads/1/BiasAdd:0").shape()).asList().containsExactly(-1, 3).inOrder();
    // The null layer and the inference-time dropout leave no trace in the graph.
    for (var op : g.operations()) {
      assertThat(op.name()).doesNotContain("unused");
      assertThat(op.name()).doesNotContain("dropout");
    }
  }

  @Test
  void compiledEqualsEager() {
    Class<?> session = models.load("com.example.KilnFamily");
    Graph g = (Graph) callStatic(session, "graph");
    for (long seed = 1; seed <= 5; seed++) {
      Random r = new Random(seed);
      Weights w = CompiledModels.randomWeights(g.graphDef(), seed);
      int batch = 1 + r.nextInt(4);
      Tensor x = CompiledModels.randomInput(new int[] {-1, 5}, batch, r);
      Tensor side = CompiledModels.randomInput(new int[] {-1, 4}, batch, r);
      Object eagerModel = models.newInstance("com.example.Family");
      callStatic(session, "loadInto", eagerModel, w);
      Tensor[] eager = (Tensor[]) call(eagerModel.getClass(), eagerModel, "forward", x, side, false);
      try (Session s = (Session) callStatic(session, "open", w)) {
        Tensor[] compiled = (Tensor[]) call(session, s, "call", x, side);
        Map<Object, Object> feeds = new LinkedHashMap<>();
        feeds.put(g.placeholder("x"), x);
        feeds.put("side", side);
        List<Object> general = s.run(List.of(g.outputs().get(0), g.outputs().get(1)), feeds);
        for (int i = 0; i < 2; i++) {
          String what = "seed " + seed + ", output " + i;
          assertWithMessage(what + " compiled vs eager").that(CompiledModels.relativeError(compiled[i], eager[i])).isAtMost(1e-6);
          assertWithMessage(what + " run vs eager").that(CompiledModels.relativeError((Tensor) general.get(i), eager[i])).isAtMost(1e-6);
        }
      }
    }
  }

  @Test
  void intermediateTensorsCanBeFetchedAndFed() {
    Class<?> session = models.load("com.example.KilnFamily");
    Graph g = (Graph) callStatic(session, "graph");
    Weights w = CompiledModels.randomWeights(g.graphDef(), 7);
    Random r = new Random(7);
    Tensor x = CompiledModels.randomInput(new int[] {-1, 5}, 2, r);
    Tensor side = CompiledModels.randomInput(new int[] {-1, 4}, 2, r);
    try (Session s = (Session) callStatic(session, "open", w)) {
      Output stem = g.tensor("stem/Tanh:0");
      Map<Object, Object> feeds = Map.of("x", x, "side", side);
      Tensor stemValue = s.run(stem, feeds);
      // Feeding the stem's output gives the same outputs without computing the stem (x is not fed).
      Tensor viaFeed = s.run(g.outputs().get(0), Map.of(stem, stemValue, "side", side));
      Tensor direct = s.run(g.outputs().get(0), feeds);
      assertThat(CompiledModels.relativeError(viaFeed, direct)).isAtMost(1e-6);
    }
  }
}

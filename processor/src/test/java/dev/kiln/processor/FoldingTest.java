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
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Fusion keeps the meaning of the graph: folded BatchNorms, and elementwise loops that run only once their inputs exist. */
class FoldingTest {
  /**
   * Found by the conformance suite: a chain starting at {@code m} absorbed the final add, whose other operand
   * {@code s} is computed after {@code m}; the loop then ran before {@code s} existed.
   */
  @Test
  void elementwiseChainNeverReadsAValueComputedAfterIt() throws Exception {
    CompiledModels models = CompiledModels.compile(JavaFileObjects.forSourceLines("com.example.Order",
        "package com.example;", "import dev.kiln.*;",
        "public final class Order extends Model {",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
        "    Tensor m = Ops.multiply(x, 0.5f);",
        "    Tensor s = Ops.add(x, x);",
        "    return Ops.add(s, m);",
        "  }",
        "}"));
    Class<?> session = models.load("com.example.KilnOrder");
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
    try (Session s = (Session) callStatic(session, "initialized", 1L)) {
      // 2x + x/2, computed by hand.
      assertThat(((Tensor) call(session, s, "call", x)).toFloatArray()).isEqualTo(new float[] {2.5f, 5f, 7.5f, 10f});
    }
  }

  @Test
  void batchNormFoldedIntoDenseMatchesEager() throws Exception {
    CompiledModels models = CompiledModels.compile(JavaFileObjects.forSourceLines("com.example.M",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class M extends Model {",
        "  @Layer final Dense d = new Dense(4);",
        "  @Layer final BatchNormalization bn = new BatchNormalization();",
        "  @Call public Tensor call(@Shape({-1, 3}) Tensor x) { return Ops.relu(bn.apply(d.apply(x))); }",
        "}"));
    String code = models.compilation.generatedSourceFile("com.example.KilnM").orElseThrow().getCharContent(true).toString();
    assertThat(code).contains("// bn/BatchNorm folded into d/kernel");
    assertThat(code).contains("kernels.dense(x, batch, 3, dKernelPacked, 4, dBiasFolded, Activation.RELU, out0);");
    Class<?> session = models.load("com.example.KilnM");
    Graph g = (Graph) callStatic(session, "graph");
    Weights w = CompiledModels.randomWeights(g.graphDef(), 3);
    Tensor x = CompiledModels.randomInput(new int[] {-1, 3}, 5, new Random(3));
    Object eager = models.newInstance("com.example.M");
    callStatic(session, "loadInto", eager, w);
    Tensor expected = (Tensor) call(eager.getClass(), eager, "call", x);
    try (Session s = (Session) callStatic(session, "open", w)) {
      Tensor compiled = (Tensor) call(session, s, "call", x);
      double error = CompiledModels.relativeError(compiled, expected);
      System.out.println("folded dense+bn relative error " + error);
      assertThat(error).isAtMost(1e-6);
    }
  }

  /** Found by the importer's fixtures: Conv1D reshapes its kernel weight, and a layer applied twice shares weights. */
  @Test
  void reshapedKernelsAndSharedLayersCompileAndMatchEager() throws Exception {
    CompiledModels models = CompiledModels.compile(JavaFileObjects.forSourceLines("com.example.Shared",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class Shared extends Model {",
        "  @Layer final Conv1D conv = new Conv1D(3, 2).activation(Activation.RELU);",
        "  @Layer final GlobalMaxPooling1D pool = new GlobalMaxPooling1D();",
        "  @Layer final Dense shared = new Dense(4).activation(Activation.TANH);",
        "  @Call public Tensor call(@Shape({-1, 6, 2}) Tensor a, @Shape({-1, 3}) Tensor b) {",
        "    Tensor x = pool.apply(conv.apply(a));",
        "    return Ops.add(shared.apply(x), shared.apply(b));",
        "  }",
        "}"));
    Class<?> session = models.load("com.example.KilnShared");
    Graph g = (Graph) callStatic(session, "graph");
    Weights w = CompiledModels.randomWeights(g.graphDef(), 5);
    Random r = new Random(5);
    Tensor a = CompiledModels.randomInput(new int[] {-1, 6, 2}, 3, r);
    Tensor b = CompiledModels.randomInput(new int[] {-1, 3}, 3, r);
    Object eager = models.newInstance("com.example.Shared");
    callStatic(session, "loadInto", eager, w);
    Tensor expected = (Tensor) call(eager.getClass(), eager, "call", a, b);
    try (Session s = (Session) callStatic(session, "open", w)) {
      assertThat(CompiledModels.relativeError((Tensor) call(session, s, "call", a, b), expected)).isAtMost(1e-6);
    }
    String code = models.compilation.generatedSourceFile("com.example.KilnShared").orElseThrow().getCharContent(true).toString();
    // One packed copy of the shared kernel; the Conv1D kernel is packed from its weight, not copied per call.
    assertThat(code.split("private final PackedWeights sharedKernelPacked;", -1)).hasLength(2);
    assertThat(code).doesNotContain("OpKernels");
  }
}

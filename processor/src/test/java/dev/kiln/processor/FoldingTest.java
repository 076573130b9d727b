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

/** A BatchNormalization after a Dense is folded into the Dense's weights when the session opens. */
class FoldingTest {
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
    assertThat(code).contains("Gemm.dense(x, batch, 3, dKernelPacked, 4, dBiasFolded, Activation.RELU, out0);");
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
}

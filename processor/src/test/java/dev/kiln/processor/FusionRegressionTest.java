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
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Wrong answers and crashes of the fusion before the op registry: a residual add was fused after kernels that cannot
 * add one. Each model is compared three ways: the typed call, {@code Session.run} through the graph interpreter (an
 * intermediate tensor is fetched too, which forces it), and the eager model.
 */
class FusionRegressionTest {
  /** A U-Net decoder step: the transposed convolution's kernel has no residual input; the add was dropped (0.499 off). */
  @Test
  void residualAfterTransposedConvolutionIsKept() throws Exception {
    String source = String.join("\n",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class UpStep extends Model {",
        "  @Layer final Conv2DTranspose up = new Conv2DTranspose(4, 3).strides(2).padding(Padding.SAME);",
        "  @Layer final UpSampling2D us = new UpSampling2D(2);",
        "  @Call public Tensor call(@Shape({-1, 6, 6, 4}) Tensor x) {",
        "    Tensor s = us.apply(x);",
        "    return Ops.relu(Ops.add(up.apply(x), s));",
        "  }",
        "}");
    CompiledModels models = CompiledModels.compile(JavaFileObjects.forSourceString("com.example.UpStep", source));
    String code = models.compilation.generatedSourceFile("com.example.KilnUpStep").orElseThrow().getCharContent(true)
        .toString();
    // the add reads the upsampled skip tensor in a loop of its own
    assertThat(code).contains("// Add + Relu -> out0");
    assertThreeWaysAgree(models, "UpStep", new int[] {-1, 6, 6, 4}, "us/Resize:0");
  }

  /** A depthwise convolution with a residual add: "internal error ... residual fusion is not supported" at javac time. */
  @Test
  void residualAfterDepthwiseConvolutionCompiles() throws Exception {
    String source = String.join("\n",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class DwNet extends Model {",
        "  @Layer final DepthwiseConv2D dw = new DepthwiseConv2D(3).padding(Padding.SAME);",
        "  @Call public Tensor call(@Shape({-1, 6, 6, 4}) Tensor x) {",
        "    return Ops.relu(Ops.add(dw.apply(x), x));",
        "  }",
        "}");
    CompiledModels models = CompiledModels.compile(JavaFileObjects.forSourceString("com.example.DwNet", source));
    assertThreeWaysAgree(models, "DwNet", new int[] {-1, 6, 6, 4}, "dw/BiasAdd:0");
  }

  static void assertThreeWaysAgree(CompiledModels models, String name, int[] inputShape, String intermediate) {
    Class<?> session = models.load("com.example.Kiln" + name);
    Graph g = (Graph) callStatic(session, "graph");
    Weights w = CompiledModels.randomWeights(g.graphDef(), 7);
    Tensor x = CompiledModels.randomInput(inputShape, 3, new Random(7));
    Object eagerModel = models.newInstance("com.example." + name);
    callStatic(session, "loadInto", eagerModel, w);
    Tensor eager = (Tensor) call(eagerModel.getClass(), eagerModel, "call", x);
    try (Session s = (Session) callStatic(session, "open", w)) {
      Tensor typed = (Tensor) call(session, s, "call", x);
      List<Object> both = s.run(List.of(g.output(), intermediate), Map.of("x", x));
      Tensor interpreted = (Tensor) both.get(0);
      assertThat(CompiledModels.relativeError(typed, eager)).isLessThan(1e-5);
      assertThat(CompiledModels.relativeError(interpreted, eager)).isLessThan(1e-5);
    }
  }
}

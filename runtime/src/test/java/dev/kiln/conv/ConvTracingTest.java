package dev.kiln.conv;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.ConvOps;
import dev.kiln.DType;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.layers.AveragePooling1D;
import dev.kiln.layers.AveragePooling2D;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.Conv2DTranspose;
import dev.kiln.layers.DepthwiseConv2D;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.GlobalAveragePooling2D;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.GlobalMaxPooling2D;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.layers.MaxPooling2D;
import dev.kiln.layers.SeparableConv2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Shapes, node names and attrs under tracing; OpKernels.execute against the eager ops. */
class ConvTracingTest {

  /** Traces {@code layer} in scope {@code conv} on a placeholder of {@code shape}; returns the op nodes (not x, not weights). */
  private static List<NodeDef> trace(AbstractLayer layer, int[] shape, int[] wantOut) {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, shape);
      tracer.pushScope("conv");
      Tensor y = layer.apply(x);
      tracer.popScope();
      assertThat(y.isSymbolic()).isTrue();
      assertThat(y.shape()).isEqualTo(wantOut);
      List<NodeDef> ops = new ArrayList<>();
      for (NodeDef n : tracer.nodes()) {
        if (!n.opType().equals("Placeholder") && !n.opType().equals("Variable")) ops.add(n);
      }
      return ops;
    } finally {
      tracer.end();
    }
  }

  private static List<String> names(List<NodeDef> nodes) {
    List<String> r = new ArrayList<>();
    for (NodeDef n : nodes) r.add(n.name() + ":" + n.opType());
    return r;
  }

  private static List<String> weightShapes(AbstractLayer layer, int[] shape) {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, shape);
      tracer.pushScope("conv");
      layer.apply(x);
      List<String> r = new ArrayList<>();
      for (NodeDef n : tracer.nodes()) {
        if (n.opType().equals("Variable")) r.add(n.name() + java.util.Arrays.toString(n.outputShape(0)));
      }
      return r;
    } finally {
      tracer.end();
    }
  }

  @Test
  void conv2DLayer() {
    List<NodeDef> ops = trace(new Conv2D(16, 3).strides(2).padding(Padding.SAME).activation(Activation.RELU),
        new int[] {-1, 15, 14, 3}, new int[] {-1, 8, 7, 16});
    assertThat(names(ops)).containsExactly("conv/Conv2D:Conv2D", "conv/BiasAdd:BiasAdd", "conv/Relu:Relu").inOrder();
    NodeDef c = ops.get(0);
    assertThat(c.inputs()).asList().containsExactly("x:0", "conv/kernel:0").inOrder();
    assertThat(c.attrs().getInts("strides")).isEqualTo(new int[] {2, 2});
    assertThat(c.attrs().getInts("dilations")).isEqualTo(new int[] {1, 1});
    assertThat(c.attrs().getString("padding")).isEqualTo("SAME");
    assertThat(c.attrs().getInt("groups")).isEqualTo(1);
    assertThat(c.outputShape(0)).isEqualTo(new int[] {-1, 8, 7, 16});
    assertThat(weightShapes(new Conv2D(8, 3, 1).groups(2), new int[] {-1, 9, 9, 4}))
        .containsExactly("conv/kernel[3, 1, 2, 8]", "conv/bias[8]").inOrder();
    List<NodeDef> valid = trace(new Conv2D(4, 3).dilationRate(2).useBias(false), new int[] {2, 9, 8, 3}, new int[] {2, 5, 4, 4});
    assertThat(names(valid)).containsExactly("conv/Conv2D:Conv2D");
  }

  @Test
  void conv1DLayerComposesReshapeConv2DReshape() {
    List<NodeDef> ops = trace(new Conv1D(5, 3).padding("causal").dilationRate(2), new int[] {-1, 10, 4}, new int[] {-1, 10, 5});
    assertThat(names(ops)).containsExactly("conv/Pad:Pad", "conv/Reshape:Reshape", "conv/Reshape_1:Reshape",
        "conv/Conv2D:Conv2D", "conv/Reshape_2:Reshape", "conv/BiasAdd:BiasAdd").inOrder();
    assertThat(ops.get(0).attrs().getInts("paddings")).isEqualTo(new int[] {0, 0, 4, 0, 0, 0});
    assertThat(ops.get(1).outputShape(0)).isEqualTo(new int[] {-1, 14, 1, 4});
    assertThat(ops.get(2).inputs()).asList().containsExactly("conv/kernel:0");
    assertThat(ops.get(2).outputShape(0)).isEqualTo(new int[] {3, 1, 4, 5});
    assertThat(ops.get(3).attrs().getInts("dilations")).isEqualTo(new int[] {2, 1});
    assertThat(ops.get(3).attrs().getString("padding")).isEqualTo("VALID");
    assertThat(weightShapes(new Conv1D(6, 3).groups(2), new int[] {-1, 10, 4}))
        .containsExactly("conv/kernel[3, 2, 6]", "conv/bias[6]").inOrder();
    trace(new Conv1D(5, 3).strides(2).padding(Padding.SAME), new int[] {-1, 9, 4}, new int[] {-1, 5, 5});
  }

  @Test
  void transposeDepthwiseSeparable() {
    List<NodeDef> t = trace(new Conv2DTranspose(6, 3).strides(2).padding(Padding.SAME), new int[] {-1, 5, 4, 3},
        new int[] {-1, 10, 8, 6});
    assertThat(names(t)).containsExactly("conv/Conv2DTranspose:Conv2DTranspose", "conv/BiasAdd:BiasAdd").inOrder();
    assertThat(t.get(0).attrs().has("output_padding")).isFalse();
    assertThat(weightShapes(new Conv2DTranspose(6, 3), new int[] {-1, 5, 4, 3}))
        .containsExactly("conv/kernel[3, 3, 6, 3]", "conv/bias[6]").inOrder();
    List<NodeDef> tp = trace(new Conv2DTranspose(2, 3).strides(2).outputPadding(1).useBias(false), new int[] {-1, 5, 4, 3},
        new int[] {-1, 12, 10, 2});
    assertThat(tp.get(0).attrs().getInts("output_padding")).isEqualTo(new int[] {1, 1});
    List<NodeDef> d = trace(new DepthwiseConv2D(3).depthMultiplier(2).padding(Padding.SAME).activation(Activation.RELU6),
        new int[] {-1, 7, 7, 4}, new int[] {-1, 7, 7, 8});
    assertThat(names(d)).containsExactly("conv/DepthwiseConv2dNative:DepthwiseConv2dNative", "conv/BiasAdd:BiasAdd",
        "conv/Relu6:Relu6").inOrder();
    assertThat(weightShapes(new DepthwiseConv2D(3).depthMultiplier(2), new int[] {-1, 7, 7, 4}))
        .containsExactly("conv/depthwise_kernel[3, 3, 4, 2]", "conv/bias[8]").inOrder();
    List<NodeDef> s = trace(new SeparableConv2D(10, 3).strides(2), new int[] {-1, 9, 9, 4}, new int[] {-1, 4, 4, 10});
    assertThat(names(s)).containsExactly("conv/DepthwiseConv2dNative:DepthwiseConv2dNative", "conv/Conv2D:Conv2D",
        "conv/BiasAdd:BiasAdd").inOrder();
    assertThat(weightShapes(new SeparableConv2D(10, 3).depthMultiplier(3), new int[] {-1, 9, 9, 4}))
        .containsExactly("conv/depthwise_kernel[3, 3, 4, 3]", "conv/pointwise_kernel[1, 1, 12, 10]", "conv/bias[10]").inOrder();
  }

  @Test
  void pooling() {
    List<NodeDef> m = trace(new MaxPooling2D(3).strides(2).padding(Padding.SAME), new int[] {-1, 7, 8, 3}, new int[] {-1, 4, 4, 3});
    assertThat(names(m)).containsExactly("conv/MaxPool:MaxPool");
    assertThat(m.get(0).attrs().getInts("ksize")).isEqualTo(new int[] {3, 3});
    assertThat(m.get(0).attrs().getInts("strides")).isEqualTo(new int[] {2, 2});
    assertThat(m.get(0).attrs().getString("padding")).isEqualTo("SAME");
    List<NodeDef> a = trace(new AveragePooling2D(), new int[] {-1, 7, 8, 3}, new int[] {-1, 3, 4, 3});
    assertThat(names(a)).containsExactly("conv/AvgPool:AvgPool");
    assertThat(a.get(0).attrs().getInts("strides")).isEqualTo(new int[] {2, 2});
    assertThat(names(trace(new MaxPooling1D(3), new int[] {-1, 10, 2}, new int[] {-1, 3, 2})))
        .containsExactly("conv/Reshape:Reshape", "conv/MaxPool:MaxPool", "conv/Reshape_1:Reshape").inOrder();
    trace(new AveragePooling1D().strides(1).padding(Padding.SAME), new int[] {-1, 10, 2}, new int[] {-1, 10, 2});
    assertThat(names(trace(new GlobalAveragePooling2D(), new int[] {-1, 7, 8, 3}, new int[] {-1, 3})))
        .containsExactly("conv/Mean:Mean");
    trace(new GlobalMaxPooling2D().keepDims(true), new int[] {-1, 7, 8, 3}, new int[] {-1, 1, 1, 3});
    trace(new GlobalAveragePooling1D().keepDims(true), new int[] {-1, 7, 3}, new int[] {-1, 1, 3});
    assertThat(names(trace(new GlobalMaxPooling1D(), new int[] {-1, 7, 3}, new int[] {-1, 3}))).containsExactly("conv/Max:Max");
  }

  /** Traces one op on placeholders, then runs OpKernels.execute on its node and compares with the eager op. */
  @Test
  void opKernelsExecuteEqualsEagerOps() {
    Random r = new Random(7);
    Tensor x = Tensor.of(Ref.random(r, 2 * 9 * 8 * 4), 2, 9, 8, 4);
    Tensor k = Tensor.of(Ref.random(r, 3 * 3 * 2 * 6), 3, 3, 2, 6);
    Tensor dk = Tensor.of(Ref.random(r, 3 * 2 * 4 * 2), 3, 2, 4, 2);
    Tensor tk = Tensor.of(Ref.random(r, 3 * 3 * 5 * 4), 3, 3, 5, 4);
    int[] s2 = {2, 2};
    int[] one = {1, 1};
    check(x, k, (a, b) -> ConvOps.conv2d(a, b, s2, new int[] {1, 2}, Padding.SAME, 2));
    check(x, dk, (a, b) -> ConvOps.depthwiseConv2d(a, b, new int[] {1, 2}, one, Padding.VALID));
    check(x, tk, (a, b) -> ConvOps.conv2dTranspose(a, b, s2, Padding.SAME, null));
    check(x, tk, (a, b) -> ConvOps.conv2dTranspose(a, b, s2, Padding.VALID, new int[] {1, 0}));
    check(x, null, (a, b) -> ConvOps.maxPool2d(a, new int[] {3, 2}, s2, Padding.SAME));
    check(x, null, (a, b) -> ConvOps.avgPool2d(a, new int[] {3, 3}, new int[] {2, 1}, Padding.SAME));
  }

  private static void check(Tensor x, Tensor k, java.util.function.BinaryOperator<Tensor> op) {
    Tensor eager = op.apply(x, k);
    NodeDef node;
    Tracer tracer = Tracer.begin();
    try {
      Tensor xs = tracer.placeholder("x", 0, DType.FLOAT32, x.shape());
      Tensor ks = k == null ? null : tracer.placeholder("k", 1, DType.FLOAT32, k.shape());
      Tensor y = op.apply(xs, ks);
      node = tracer.nodes().get(tracer.size() - 1);
      assertThat(y.shape()).isEqualTo(eager.shape());
    } finally {
      tracer.end();
    }
    Tensor[] out = node.op().compute(k == null ? new Tensor[] {x} : new Tensor[] {x, k});
    assertThat(out[0].shape()).isEqualTo(eager.shape());
    assertThat(out[0].toFloatArray()).isEqualTo(eager.toFloatArray());
  }
}

package dev.kiln.graph;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TracingTest {

  private static NodeDef node(List<NodeDef> nodes, String name) {
    for (NodeDef n : nodes) if (n.name().equals(name)) return n;
    throw new AssertionError("no node " + name + " in " + nodes);
  }

  @Test
  void denseTracesScopedNodesWithUnknownBatch() {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 4);
      tracer.pushScope("hidden");
      Tensor y = new Dense(3).activation(Activation.RELU).apply(x);
      tracer.popScope();
      assertThat(y.isSymbolic()).isTrue();
      assertThat(y.shape()).isEqualTo(new int[] {-1, 3});
      assertThat(y.symbol().name()).isEqualTo("hidden/Relu:0");
      List<NodeDef> nodes = tracer.nodes();
      NodeDef kernel = node(nodes, "hidden/kernel");
      assertThat(kernel.opType()).isEqualTo("Variable");
      assertThat(kernel.outputShape(0)).isEqualTo(new int[] {4, 3});
      assertThat(kernel.attrs().getString("initializer")).isEqualTo("glorot_uniform");
      NodeDef bias = node(nodes, "hidden/bias");
      assertThat(bias.opType()).isEqualTo("Variable");
      assertThat(bias.outputShape(0)).isEqualTo(new int[] {3});
      assertThat(bias.attrs().getString("initializer")).isEqualTo("zeros");
      NodeDef mm = node(nodes, "hidden/MatMul");
      assertThat(mm.opType()).isEqualTo("MatMul");
      assertThat(mm.inputs()).asList().containsExactly("x:0", "hidden/kernel:0").inOrder();
      assertThat(mm.outputShape(0)).isEqualTo(new int[] {-1, 3});
      NodeDef ba = node(nodes, "hidden/BiasAdd");
      assertThat(ba.inputs()).asList().containsExactly("hidden/MatMul:0", "hidden/bias:0").inOrder();
      assertThat(ba.outputShape(0)).isEqualTo(new int[] {-1, 3});
      NodeDef relu = node(nodes, "hidden/Relu");
      assertThat(relu.opType()).isEqualTo("Relu");
      assertThat(relu.outputShape(0)).isEqualTo(new int[] {-1, 3});
      assertThat(nodes).hasSize(6);
    } finally {
      tracer.end();
    }
  }

  @Test
  void denseNeedsKnownLastDimension() {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, 2, -1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dense(3).apply(x));
      assertThat(e).hasMessageThat().contains("Dense needs a known last dimension, got [2, -1]");
    } finally {
      tracer.end();
    }
  }

  @Test
  void dropoutTracesToNothingAndRejectsTraining() {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 4);
      assertThat(new Dropout(0.5f).apply(x, false)).isSameInstanceAs(x);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(0.5f).apply(x, true));
      assertThat(e).hasMessageThat().isEqualTo("Dropout: training=true is not supported in compiled sessions");
      assertThat(tracer.nodes()).hasSize(1);
    } finally {
      tracer.end();
    }
  }

  @Test
  void shapeRulesPropagateUnknownBatch() {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 2, 3);
      assertThat(Ops.flatten(x).shape()).isEqualTo(new int[] {-1, 6});
      Tensor r = Ops.reshape(x, -1, 6);
      assertThat(r.shape()).isEqualTo(new int[] {-1, 6});
      assertThat(r.symbol().node().attrs().getString("shape")).isEqualTo("[batch, 6]");
      assertThat(Ops.transpose(x, 0, 2, 1).shape()).isEqualTo(new int[] {-1, 3, 2});
      assertThat(Ops.concat(-1, x, x).shape()).isEqualTo(new int[] {-1, 2, 6});
      IllegalArgumentException batchConcat = assertThrows(IllegalArgumentException.class, () -> Ops.concat(0, x, x));
      assertThat(batchConcat).hasMessageThat().isEqualTo("ConcatV2: concatenating [batch, 2, 3], [batch, 2, 3] along axis 0"
          + " would add up the run-time dimension batch");
      Tensor c = Ops.concat(1, x, x);
      assertThat(c.symbol().node().attrs().getInt("axis")).isEqualTo(1);
      Tensor m = Ops.mean(x, -1, true);
      assertThat(m.shape()).isEqualTo(new int[] {-1, 2, 1});
      assertThat(m.symbol().node().attrs().getInts("axes")).isEqualTo(new int[] {2});
      assertThat(m.symbol().node().attrs().getBoolean("keep_dims")).isTrue();
      Tensor am = Ops.argmax(x, 1);
      assertThat(am.shape()).isEqualTo(new int[] {-1, 3});
      assertThat(am.dtype()).isEqualTo(DType.INT32);
      Tensor p = Ops.pad(x, new int[][] {{0, 0}, {1, 1}, {2, 0}});
      assertThat(p.shape()).isEqualTo(new int[] {-1, 4, 5});
      assertThat(p.symbol().node().attrs().getInts("paddings")).isEqualTo(new int[] {0, 0, 1, 1, 2, 0});
      Tensor s = Ops.slice(x, new int[] {0, 1, 0}, new int[] {-1, -1, 2});
      assertThat(s.shape()).isEqualTo(new int[] {-1, 1, 2});
      assertThat(s.symbol().node().attrs().getInts("size")).isEqualTo(new int[] {-1, 1, 2});
      Tensor sm = Ops.softmax(x, -2);
      assertThat(sm.symbol().node().attrs().getInt("axis")).isEqualTo(1);
      assertThat(Ops.add(x, Tensor.zeros(3)).shape()).isEqualTo(new int[] {-1, 2, 3});
      Tensor k = tracer.variable("k", DType.FLOAT32, new int[] {3, 5}, dev.kiln.Initializers.zeros());
      assertThat(Ops.matmul(x, k).shape()).isEqualTo(new int[] {-1, 2, 5});
      Tensor plus = Ops.add(x, 2f);
      NodeDef add = plus.symbol().node();
      assertThat(add.opType()).isEqualTo("Add");
      NodeDef cst = node(tracer.nodes(), NodeDef.nodeOf(add.input(1)));
      assertThat(cst.opType()).isEqualTo("Const");
      assertThat(cst.attrs().getFloats("value")).isEqualTo(new float[] {2f});
      assertThat(cst.outputShape(0)).isEqualTo(new int[0]);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(x, Tensor.zeros(4, 2)));
      assertThat(e).hasMessageThat().contains("MatMul: shapes [batch, 2, 3] and [4, 2]");
      assertThat(Ops.activation(x, Activation.LINEAR)).isSameInstanceAs(x);
      assertThat(Ops.activation(x, Activation.GELU).symbol().name()).isEqualTo("Gelu:0");
      assertThat(Ops.activation(x, Activation.HARD_SILU).symbol().node().opType()).isEqualTo("HardSilu");
    } finally {
      tracer.end();
    }
  }

  // ---- OpKernels.execute equals the eager Ops call ----------------------------------------------------

  /**
   * Traces {@code f} on placeholders shaped like {@code inputs} (batch -1 when {@code unknownBatch}), runs the
   * recorded graph node by node through OpKernels.execute, and compares with {@code f} run eagerly.
   */
  private static void checkGraphEqualsEager(Function<Tensor[], Tensor> f, boolean unknownBatch, Tensor... inputs) {
    Tensor want = f.apply(inputs);
    Tracer tracer = Tracer.begin();
    Tensor out;
    List<NodeDef> nodes;
    try {
      Tensor[] ph = new Tensor[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        int[] s = inputs[i].shape();
        if (unknownBatch && s.length > 1) s[0] = -1; // rank-1 operands broadcast along the batch
        ph[i] = tracer.placeholder("in" + i, i, inputs[i].dtype(), s);
      }
      out = f.apply(ph);
      nodes = tracer.nodes();
    } finally {
      tracer.end();
    }
    Map<String, Tensor> values = new HashMap<>();
    Map<String, Integer> symbols = new HashMap<>();
    for (NodeDef n : nodes) {
      if (n.opType().equals("Placeholder")) {
        Tensor v = inputs[n.attrs().getInt("index")];
        assertThat(Dims.bind(n.outputDims(0), v.shape(), symbols)).isTrue();
        values.put(n.name() + ":0", v);
        continue;
      }
      if (n.opType().equals("Variable")) { // the session's job: here deterministic initializers (ones, zeros)
        int[] shape = n.outputShape(0);
        values.put(n.name() + ":0",
            Tensor.of(dev.kiln.Initializers.parse(n.attrs().getString("initializer")).generate(shape, 0L), shape));
        continue;
      }
      if (n.op() instanceof dev.kiln.ops.Sources.Const) {
        values.put(n.name() + ":0", ((dev.kiln.ops.Sources.Const) n.op()).value(n.outputShape(0), n.outputType(0)));
        continue;
      }
      Tensor[] in = new Tensor[n.numInputs()];
      for (int i = 0; i < in.length; i++) in[i] = values.get(n.input(i));
      // as the session's interpreter: output shapes from the static ones with the run's symbols bound
      Tensor[] res = n.op().compute(in, new int[][] {Dims.evaluate(n.outputDims(0), symbols)},
          new DType[] {n.outputType(0)});
      values.put(n.name() + ":0", res[0]);
      assertThat(res[0].dtype()).isEqualTo(n.outputType(0));
      int[] declared = n.outputShape(0);
      int[] actual = res[0].shape();
      assertThat(actual.length).isEqualTo(declared.length);
      for (int d = 0; d < declared.length; d++) if (declared[d] >= 0) assertThat(actual[d]).isEqualTo(declared[d]);
    }
    Tensor got = values.get(out.symbol().name());
    assertThat(got.shape()).isEqualTo(want.shape());
    assertThat(got.dtype()).isEqualTo(want.dtype());
    if (want.dtype() == DType.INT32) assertThat(got.toIntArray()).isEqualTo(want.toIntArray());
    else assertThat(got.toFloatArray()).isEqualTo(want.toFloatArray());
  }

  @Test
  void opKernelsMatchEagerOpsForEveryNodeType() {
    Tensor a = Tensor.of(new float[] {-1.5f, 0.25f, 2f, 3f, -4f, 0.5f}, 2, 3);
    Tensor pos = Tensor.of(new float[] {1.5f, 0.25f, 2f, 3f, 4f, 0.5f}, 2, 3);
    Tensor row = Tensor.of(new float[] {1f, -2f, 0.5f}, 3);
    Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4);
    for (boolean unknown : new boolean[] {false, true}) {
      checkGraphEqualsEager(t -> Ops.add(t[0], t[1]), unknown, a, row);
      checkGraphEqualsEager(t -> Ops.subtract(t[0], t[1]), unknown, a, row);
      checkGraphEqualsEager(t -> Ops.multiply(t[0], t[1]), unknown, a, row);
      checkGraphEqualsEager(t -> Ops.divide(t[0], t[1]), unknown, a, row);
      checkGraphEqualsEager(t -> Ops.maximum(t[0], t[1]), unknown, a, row);
      checkGraphEqualsEager(t -> Ops.minimum(t[0], t[1]), unknown, a, row);
      checkGraphEqualsEager(t -> Ops.divide(t[0], 3f), unknown, a);
      checkGraphEqualsEager(t -> Ops.subtract(2f, t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.matmul(t[0], w), unknown, a);
      checkGraphEqualsEager(t -> Ops.biasAdd(t[0], row), unknown, a);
      checkGraphEqualsEager(t -> Ops.relu(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.relu6(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.sigmoid(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.tanh(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.silu(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.softplus(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.hardSigmoid(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.hardSilu(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.exp(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.log(t[0]), unknown, pos);
      checkGraphEqualsEager(t -> Ops.sqrt(t[0]), unknown, pos);
      checkGraphEqualsEager(t -> Ops.square(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.abs(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.negate(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.gelu(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.gelu(t[0], true), unknown, a);
      checkGraphEqualsEager(t -> Ops.elu(t[0], 0.7f), unknown, a);
      checkGraphEqualsEager(t -> Ops.leakyRelu(t[0], 0.3f), unknown, a);
      checkGraphEqualsEager(t -> Ops.softmax(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.softmax(t[0], 0), unknown, a);
      checkGraphEqualsEager(t -> Ops.clip(t[0], -1f, 1f), unknown, a);
      checkGraphEqualsEager(t -> Ops.concat(-1, t[0], t[1]), unknown, a, pos);
      if (!unknown) checkGraphEqualsEager(t -> Ops.concat(0, t[0], t[1]), false, a, pos); // not along a run-time batch
      checkGraphEqualsEager(t -> Ops.reshape(t[0], -1, 3, 1), unknown, a);
      checkGraphEqualsEager(t -> Ops.flatten(Ops.reshape(t[0], -1, 3, 1)), unknown, a);
      checkGraphEqualsEager(t -> Ops.transpose(t[0]), unknown, a);
      checkGraphEqualsEager(t -> Ops.mean(t[0], 1, false), unknown, a);
      checkGraphEqualsEager(t -> Ops.sum(t[0], -1, true), unknown, a);
      checkGraphEqualsEager(t -> Ops.max(t[0], 0, false), unknown, a);
      checkGraphEqualsEager(t -> Ops.argmax(t[0], 1), unknown, a);
      // a run-time batch can be neither padded nor sliced; the other axes can
      if (!unknown) checkGraphEqualsEager(t -> Ops.pad(t[0], new int[][] {{1, 0}, {0, 2}}, 7f), false, a);
      if (!unknown) checkGraphEqualsEager(t -> Ops.slice(t[0], new int[] {1, 1}, new int[] {-1, 2}), false, a);
      checkGraphEqualsEager(t -> Ops.pad(t[0], new int[][] {{0, 0}, {0, 2}}, 7f), unknown, a);
      checkGraphEqualsEager(t -> Ops.slice(t[0], new int[] {0, 1}, new int[] {-1, 2}), unknown, a);
      checkGraphEqualsEager(t -> Ops.identity(t[0]), unknown, a);
      checkGraphEqualsEager(t -> new Dense(2).kernelInitializer(dev.kiln.Initializers.ones()).activation(Activation.SOFTMAX)
          .apply(t[0]), unknown, a);
    }
  }

  @Test
  void constWithIntValuesAndUnknownOp() {
    dev.kiln.ops.Op c = dev.kiln.ops.OpRegistry.decode("Const", Attrs.of("ivalue", new int[] {1, 2}));
    Tensor v = ((dev.kiln.ops.Sources.Const) c).value(new int[] {2}, DType.INT32);
    assertThat(v.dtype()).isEqualTo(DType.INT32);
    assertThat(v.toIntArray()).isEqualTo(new int[] {1, 2});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dev.kiln.ops.OpRegistry.decode("Frobnicate", Attrs.NONE));
    assertThat(e).hasMessageThat().contains("Frobnicate");
  }
}

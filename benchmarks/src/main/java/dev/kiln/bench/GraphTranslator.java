package dev.kiln.bench;

import dev.kiln.Weights;
import dev.kiln.Padding;
import dev.kiln.graph.Dim;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.BatchNorm;
import dev.kiln.ops.BiasAdd;
import dev.kiln.ops.BinaryOp;
import dev.kiln.ops.Conv2D;
import dev.kiln.ops.DepthwiseConv2D;
import dev.kiln.ops.MatMul;
import dev.kiln.ops.Op;
import dev.kiln.ops.Pad;
import dev.kiln.ops.Pool2D;
import dev.kiln.ops.Reduce;
import dev.kiln.ops.Reshape;
import dev.kiln.ops.Softmax;
import dev.kiln.ops.Sources;
import dev.kiln.ops.UnaryOp;
import dev.kiln.ops.Window;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Writes a Kiln logical graph (one placeholder, one output; the op set of MobileNetV2-like networks) node by node
 * as TF ops and as ONNX nodes, with the given weights as constants. The MLP and the CNN are written by hand in their
 * specs; this is for MobileNetV2, whose 52 convolutions are not worth writing three times. What it checks is the
 * engines' kernels, not Kiln's tracing of the model (the graph comes from Kiln). It reads the typed ops of the registry
 * (attributes and window geometry as the compiler sees them), so its padding is the lowering's.
 */
public final class GraphTranslator {
  private GraphTranslator() {}

  // ---- TensorFlow ----------------------------------------------------------------------------------------

  public static Operand<TFloat32> tf(Ops tf, Operand<TFloat32> x, GraphDef g, Weights w) {
    Map<String, Operand<TFloat32>> v = new HashMap<>();
    for (NodeDef n : g.nodes()) {
      Op op = n.op();
      Operand<TFloat32> r;
      if (op instanceof Sources.Placeholder) {
        r = x;
      } else if (op instanceof Sources.Variable) {
        r = ModelSpec.tfConst(tf, w, n.name());
      } else if (op instanceof Conv2D c) {
        if (c.groups() != 1) throw unsupported(n);
        r = tf.nn.conv2d(in(v, n, 0), in(v, n, 1), strides4(c.strides(), c.dilations()), c.padding().name());
      } else if (op instanceof DepthwiseConv2D c) {
        r = tf.nn.depthwiseConv2dNative(in(v, n, 0), in(v, n, 1), strides4(c.strides(), c.dilations()),
            c.padding().name());
      } else if (op instanceof BatchNorm b) {
        if (b.axis() != 3 || !b.scale() || !b.center()) throw unsupported(n);
        // inputs: x, moving_mean, moving_variance, gamma, beta
        r = tf.nn.fusedBatchNorm(in(v, n, 0), in(v, n, b.gammaInput()), in(v, n, b.betaInput()), in(v, n, 1),
            in(v, n, 2), FusedBatchNorm.epsilon(b.epsilon()), FusedBatchNorm.isTraining(false)).y();
      } else if (isUnary(op, UnaryOp.Fn.RELU)) {
        r = tf.nn.relu(in(v, n, 0));
      } else if (isUnary(op, UnaryOp.Fn.RELU6)) {
        r = tf.nn.relu6(in(v, n, 0));
      } else if (op instanceof BinaryOp b && b.fn() == BinaryOp.Fn.ADD) {
        r = tf.math.add(in(v, n, 0), in(v, n, 1));
      } else if (op instanceof Pad p) {
        int[] pads = p.paddings();
        int[][] pp = new int[pads.length / 2][2];
        for (int d = 0; d < pp.length; d++) pp[d] = new int[] {pads[2 * d], pads[2 * d + 1]};
        r = tf.pad(in(v, n, 0), tf.constant(pp), tf.constant(p.value()));
      } else if (op instanceof Reduce m && m.fn() == Reduce.Fn.MEAN) {
        r = tf.math.mean(in(v, n, 0), tf.constant(m.axes()), Mean.keepDims(m.keepDims()));
      } else if (op instanceof MatMul m && m.isPlain()) {
        r = tf.linalg.matMul(in(v, n, 0), in(v, n, 1));
      } else if (op instanceof BiasAdd) {
        r = tf.nn.biasAdd(in(v, n, 0), in(v, n, 1));
      } else if (op instanceof Softmax s && s.axis() == n.outputShape(0).length - 1) {
        r = tf.nn.softmax(in(v, n, 0));
      } else {
        throw unsupported(n);
      }
      v.put(n.name() + ":0", r);
    }
    return v.get(g.outputs().get(0));
  }

  private static boolean isUnary(Op op, UnaryOp.Fn fn) {
    return op instanceof UnaryOp u && u.fn() == fn;
  }

  private static Operand<TFloat32> in(Map<String, Operand<TFloat32>> v, NodeDef n, int i) {
    Operand<TFloat32> o = v.get(n.input(i));
    if (o == null) throw new IllegalStateException(n.name() + ": input " + n.input(i) + " not translated");
    return o;
  }

  private static List<Long> strides4(int[] s, int[] d) {
    if (d[0] != 1 || d[1] != 1) throw new UnsupportedOperationException("dilated convolution");
    return List.of(1L, (long) s[0], (long) s[1], 1L);
  }

  private static UnsupportedOperationException unsupported(NodeDef n) {
    return new UnsupportedOperationException("GraphTranslator: " + n);
  }

  // ---- ONNX (NCHW inside: the placeholder is transposed once, 4-D values stay NCHW, 2-D as they are) -------

  public static void onnx(OnnxWriter g, GraphDef graph, Weights w) {
    NodeDef ph = graph.node(graph.placeholders().get(0));
    int[] s = ph.outputShape(0);
    long[] sample = new long[s.length - 1];
    for (int i = 1; i < s.length; i++) sample[i - 1] = s[i];
    g.input("x", sample);
    int[] os = graph.node(NodeDef.nodeOf(graph.outputs().get(0))).outputShape(0);
    long[] outSample = new long[os.length - 1];
    for (int i = 1; i < os.length; i++) outSample[i - 1] = os[i];
    if (os.length == 4) throw new UnsupportedOperationException("4-D output");
    g.output("y", outSample);
    g.initializer("relu6/min", new float[] {0f});
    g.initializer("relu6/max", new float[] {6f});
    for (NodeDef n : graph.nodes()) {
      String out = n.name() + ":0";
      Op op = n.op();
      if (op instanceof Sources.Placeholder) {
        if (s.length == 4) g.node("Transpose", new String[] {"x"}, new String[] {out}, "perm", new long[] {0, 3, 1, 2});
        else g.node("Identity", new String[] {"x"}, new String[] {out});
      } else if (op instanceof Sources.Variable) {
        // initializers are written where they are used, in the consumer's layout
      } else if (op instanceof Conv2D c) {
        if (c.groups() != 1) throw unsupported(n);
        String k = NodeDef.nodeOf(n.input(1));
        ModelSpec.onnxConvKernel(g, w, k);
        int[] ks = w.get(k).shape();
        Window.Geometry geo = c.geometry(inputDims(graph, n, 0), inputDims(graph, n, 1));
        g.node("Conv", new String[] {n.input(0), k}, new String[] {out}, convAttrs(geo, c.strides(), ks[0], ks[1], 1));
      } else if (op instanceof DepthwiseConv2D c) {
        String k = NodeDef.nodeOf(n.input(1));
        int[] ks = w.get(k).shape(); // [kh, kw, C, mult]
        int kh = ks[0], kw = ks[1], ch = ks[2], m = ks[3];
        ModelSpec.onnxConvKernel(g, k, w.get(k).toFloatArray(), kh, kw, 1, ch * m);
        Window.Geometry geo = c.geometry(inputDims(graph, n, 0), inputDims(graph, n, 1));
        g.node("Conv", new String[] {n.input(0), k}, new String[] {out}, convAttrs(geo, c.strides(), kh, kw, ch));
      } else if (op instanceof BatchNorm b) {
        String[] ins = new String[5];
        ins[0] = n.input(0);
        int[] order = {b.gammaInput(), b.betaInput(), 1, 2}; // scale, B, mean, var
        for (int i = 0; i < 4; i++) {
          String var = NodeDef.nodeOf(n.input(order[i]));
          g.initializer(var, w.get(var).toFloatArray(), w.get(var).shape()[0]);
          ins[i + 1] = var;
        }
        g.node("BatchNormalization", ins, new String[] {out}, "epsilon", b.epsilon());
      } else if (isUnary(op, UnaryOp.Fn.RELU)) {
        g.node("Relu", new String[] {n.input(0)}, new String[] {out});
      } else if (isUnary(op, UnaryOp.Fn.RELU6)) {
        g.node("Clip", new String[] {n.input(0), "relu6/min", "relu6/max"}, new String[] {out});
      } else if (op instanceof BinaryOp b && b.fn() == BinaryOp.Fn.ADD) {
        g.node("Add", new String[] {n.input(0), n.input(1)}, new String[] {out});
      } else if (op instanceof Pad pad) {
        int[] p = pad.paddings();
        if (p.length != 8 || pad.value() != 0f) throw unsupported(n);
        // NHWC [[n0,n1],[h0,h1],[w0,w1],[c0,c1]] -> NCHW begins then ends
        long[] pads = {p[0], p[6], p[2], p[4], p[1], p[7], p[3], p[5]};
        g.initializerInt64(out + "/pads", pads, 8);
        g.node("Pad", new String[] {n.input(0), out + "/pads"}, new String[] {out});
      } else if (op instanceof Reduce m && m.fn() == Reduce.Fn.MEAN) {
        int[] axes = m.axes();
        if (axes.length != 2 || axes[0] != 1 || axes[1] != 2 || m.keepDims()) throw unsupported(n);
        g.node("GlobalAveragePool", new String[] {n.input(0)}, new String[] {out + "/gap"});
        g.node("Flatten", new String[] {out + "/gap"}, new String[] {out}, "axis", 1L);
      } else if (op instanceof MatMul m && m.isPlain()) {
        String k = NodeDef.nodeOf(n.input(1));
        int[] ks = w.get(k).shape();
        g.initializer(k, w.get(k).toFloatArray(), ks[0], ks[1]);
        g.node("MatMul", new String[] {n.input(0), k}, new String[] {out});
      } else if (op instanceof BiasAdd) {
        String b = NodeDef.nodeOf(n.input(1));
        int c = w.get(b).shape()[0];
        // A convolution's bias broadcasts over NCHW as [C, 1, 1]; a dense layer's over the last axis.
        if (n.outputShape(0).length == 4) g.initializer(b, w.get(b).toFloatArray(), c, 1, 1);
        else g.initializer(b, w.get(b).toFloatArray(), c);
        g.node("Add", new String[] {n.input(0), b}, new String[] {out});
      } else if (op instanceof Pool2D p && p.isMax() && p.window().padding() == Padding.VALID) {
        int[] k = p.window().size();
        int[] st = p.window().strides();
        g.node("MaxPool", new String[] {n.input(0)}, new String[] {out}, "kernel_shape", new long[] {k[0], k[1]},
            "strides", new long[] {st[0], st[1]});
      } else if (op instanceof Reshape) {
        // Keras' Flatten of an NHWC value: back to NHWC order, then flatten.
        if (inputDims(graph, n, 0).length != 4 || n.outputShape(0).length != 2) throw unsupported(n);
        g.node("Transpose", new String[] {n.input(0)}, new String[] {out + "/nhwc"}, "perm", new long[] {0, 2, 3, 1});
        g.node("Flatten", new String[] {out + "/nhwc"}, new String[] {out}, "axis", 1L);
      } else if (op instanceof Softmax sm && sm.axis() == n.outputShape(0).length - 1) {
        g.node("Softmax", new String[] {n.input(0)}, new String[] {out}, "axis", -1L);
      } else {
        throw unsupported(n);
      }
    }
    g.node("Identity", new String[] {graph.outputs().get(0)}, new String[] {"y"});
  }

  /** Conv attributes with explicit pads, from the op's own window geometry (TF SAME: the odd pixel bottom/right). */
  private static Object[] convAttrs(Window.Geometry geo, int[] strides, int kh, int kw, int group) {
    long[] pads = {geo.padTop(), geo.padLeft(), geo.padBottom(), geo.padRight()};
    return new Object[] {"kernel_shape", new long[] {kh, kw}, "strides", new long[] {strides[0], strides[1]}, "pads",
        pads, "group", (long) group};
  }

  private static Dim[] inputDims(GraphDef graph, NodeDef n, int i) {
    return graph.node(NodeDef.nodeOf(n.input(i))).outputDims(NodeDef.indexOf(n.input(i)));
  }
}

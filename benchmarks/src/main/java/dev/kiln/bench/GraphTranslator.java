package dev.kiln.bench;

import dev.kiln.Weights;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
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
 * engines' kernels, not Kiln's tracing of the model (the graph comes from Kiln).
 */
public final class GraphTranslator {
  private GraphTranslator() {}

  // ---- TensorFlow ----------------------------------------------------------------------------------------

  public static Operand<TFloat32> tf(Ops tf, Operand<TFloat32> x, GraphDef g, Weights w) {
    Map<String, Operand<TFloat32>> v = new HashMap<>();
    for (NodeDef n : g.nodes()) {
      String out = n.name() + ":0";
      Attrs a = n.attrs();
      Operand<TFloat32> r;
      switch (n.opType()) {
        case "Placeholder": r = x; break;
        case "Variable": r = ModelSpec.tfConst(tf, w, n.name()); break;
        case "Conv2D": {
          if (a.getInt("groups", 1) != 1) throw unsupported(n);
          r = tf.nn.conv2d(in(v, n, 0), in(v, n, 1), strides4(a), a.getString("padding"));
          break;
        }
        case "DepthwiseConv2dNative":
          r = tf.nn.depthwiseConv2dNative(in(v, n, 0), in(v, n, 1), strides4(a), a.getString("padding"));
          break;
        case "BatchNorm": {
          if (a.getInt("axis") != 3 || !a.getBoolean("scale") || !a.getBoolean("center")) throw unsupported(n);
          // inputs: x, moving_mean, moving_variance, gamma, beta
          r = tf.nn.fusedBatchNorm(in(v, n, 0), in(v, n, 3), in(v, n, 4), in(v, n, 1), in(v, n, 2),
              FusedBatchNorm.epsilon(a.getFloat("epsilon")), FusedBatchNorm.isTraining(false)).y();
          break;
        }
        case "Relu": r = tf.nn.relu(in(v, n, 0)); break;
        case "Relu6": r = tf.nn.relu6(in(v, n, 0)); break;
        case "Add": r = tf.math.add(in(v, n, 0), in(v, n, 1)); break;
        case "Pad": {
          int[] p = a.getInts("paddings");
          int[][] pp = new int[p.length / 2][2];
          for (int d = 0; d < pp.length; d++) pp[d] = new int[] {p[2 * d], p[2 * d + 1]};
          r = tf.pad(in(v, n, 0), tf.constant(pp), tf.constant(a.getFloat("value", 0f)));
          break;
        }
        case "Mean":
          r = tf.math.mean(in(v, n, 0), tf.constant(a.getInts("axes")), Mean.keepDims(a.getBoolean("keep_dims", false)));
          break;
        case "MatMul": r = tf.linalg.matMul(in(v, n, 0), in(v, n, 1)); break;
        case "BiasAdd": r = tf.nn.biasAdd(in(v, n, 0), in(v, n, 1)); break;
        case "Softmax": {
          if (a.getInt("axis", -1) != -1 && a.getInt("axis", -1) != n.outputShape(0).length - 1) throw unsupported(n);
          r = tf.nn.softmax(in(v, n, 0));
          break;
        }
        default: throw unsupported(n);
      }
      v.put(out, r);
    }
    return v.get(g.outputs().get(0));
  }

  private static Operand<TFloat32> in(Map<String, Operand<TFloat32>> v, NodeDef n, int i) {
    Operand<TFloat32> o = v.get(n.input(i));
    if (o == null) throw new IllegalStateException(n.name() + ": input " + n.input(i) + " not translated");
    return o;
  }

  private static List<Long> strides4(Attrs a) {
    int[] s = a.getInts("strides");
    int[] d = a.getInts("dilations");
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
    Map<String, int[]> shapes = new HashMap<>();
    for (NodeDef n : graph.nodes()) {
      for (int i = 0; i < n.numOutputs(); i++) shapes.put(n.name() + ":" + i, n.outputShape(i));
    }
    g.initializer("relu6/min", new float[] {0f});
    g.initializer("relu6/max", new float[] {6f});
    for (NodeDef n : graph.nodes()) {
      String out = n.name() + ":0";
      Attrs a = n.attrs();
      switch (n.opType()) {
        case "Placeholder":
          if (s.length == 4) g.node("Transpose", new String[] {"x"}, new String[] {out}, "perm", new long[] {0, 3, 1, 2});
          else g.node("Identity", new String[] {"x"}, new String[] {out});
          break;
        case "Variable": break; // initializers are written where they are used, in the consumer's layout
        case "Conv2D": {
          String k = NodeDef.nodeOf(n.input(1));
          ModelSpec.onnxConvKernel(g, w, k);
          int[] ks = w.get(k).shape();
          g.node("Conv", new String[] {n.input(0), k}, new String[] {out}, convAttrs(n, ks[0], ks[1], 1, shapes));
          break;
        }
        case "DepthwiseConv2dNative": {
          String k = NodeDef.nodeOf(n.input(1));
          int[] ks = w.get(k).shape(); // [kh, kw, C, mult]
          int kh = ks[0], kw = ks[1], c = ks[2], m = ks[3];
          float[] src = w.get(k).toFloatArray();
          float[] dst = new float[src.length];
          for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
              for (int ci = 0; ci < c; ci++)
                for (int mi = 0; mi < m; mi++) dst[((ci * m + mi) * kh + y) * kw + x] = src[((y * kw + x) * c + ci) * m + mi];
          g.initializer(k, dst, c * m, 1, kh, kw);
          g.node("Conv", new String[] {n.input(0), k}, new String[] {out}, convAttrs(n, kh, kw, c, shapes));
          break;
        }
        case "BatchNorm": {
          String[] ins = new String[5];
          ins[0] = n.input(0);
          int[] order = {3, 4, 1, 2}; // scale, B, mean, var
          for (int i = 0; i < 4; i++) {
            String var = NodeDef.nodeOf(n.input(order[i]));
            g.initializer(var, w.get(var).toFloatArray(), w.get(var).shape()[0]);
            ins[i + 1] = var;
          }
          g.node("BatchNormalization", ins, new String[] {out}, "epsilon", a.getFloat("epsilon"));
          break;
        }
        case "Relu": g.node("Relu", new String[] {n.input(0)}, new String[] {out}); break;
        case "Relu6": g.node("Clip", new String[] {n.input(0), "relu6/min", "relu6/max"}, new String[] {out}); break;
        case "Add": g.node("Add", new String[] {n.input(0), n.input(1)}, new String[] {out}); break;
        case "Pad": {
          int[] p = a.getInts("paddings");
          if (p.length != 8 || a.getFloat("value", 0f) != 0f) throw unsupported(n);
          // NHWC [[n0,n1],[h0,h1],[w0,w1],[c0,c1]] -> NCHW begins then ends
          long[] pads = {p[0], p[6], p[2], p[4], p[1], p[7], p[3], p[5]};
          g.initializerInt64(out + "/pads", pads, 8);
          g.node("Pad", new String[] {n.input(0), out + "/pads"}, new String[] {out});
          break;
        }
        case "Mean": {
          int[] axes = a.getInts("axes");
          if (axes.length != 2 || axes[0] != 1 || axes[1] != 2 || a.getBoolean("keep_dims", false)) throw unsupported(n);
          g.node("GlobalAveragePool", new String[] {n.input(0)}, new String[] {out + "/gap"});
          g.node("Flatten", new String[] {out + "/gap"}, new String[] {out}, "axis", 1L);
          break;
        }
        case "MatMul": {
          String k = NodeDef.nodeOf(n.input(1));
          int[] ks = w.get(k).shape();
          g.initializer(k, w.get(k).toFloatArray(), ks[0], ks[1]);
          g.node("MatMul", new String[] {n.input(0), k}, new String[] {out});
          break;
        }
        case "BiasAdd": {
          String b = NodeDef.nodeOf(n.input(1));
          int c = w.get(b).shape()[0];
          // A convolution's bias broadcasts over NCHW as [C, 1, 1]; a dense layer's over the last axis.
          if (n.outputShape(0).length == 4) g.initializer(b, w.get(b).toFloatArray(), c, 1, 1);
          else g.initializer(b, w.get(b).toFloatArray(), c);
          g.node("Add", new String[] {n.input(0), b}, new String[] {out});
          break;
        }
        case "MaxPool": {
          int[] k = a.getInts("ksize");
          int[] st = a.getInts("strides");
          if (!a.getString("padding").equals("VALID")) throw unsupported(n);
          g.node("MaxPool", new String[] {n.input(0)}, new String[] {out}, "kernel_shape", new long[] {k[0], k[1]},
              "strides", new long[] {st[0], st[1]});
          break;
        }
        case "Reshape": {
          // Keras' Flatten of an NHWC value: back to NHWC order, then flatten.
          if (shapes.get(n.input(0)).length != 4 || n.outputShape(0).length != 2) throw unsupported(n);
          g.node("Transpose", new String[] {n.input(0)}, new String[] {out + "/nhwc"}, "perm", new long[] {0, 2, 3, 1});
          g.node("Flatten", new String[] {out + "/nhwc"}, new String[] {out}, "axis", 1L);
          break;
        }
        case "Softmax": g.node("Softmax", new String[] {n.input(0)}, new String[] {out}, "axis", -1L); break;
        default: throw unsupported(n);
      }
    }
    g.node("Identity", new String[] {graph.outputs().get(0)}, new String[] {"y"});
  }

  /** Conv attributes with explicit pads: TF SAME puts the odd extra row/column at the bottom/right. */
  private static Object[] convAttrs(NodeDef n, int kh, int kw, int group, Map<String, int[]> shapes) {
    Attrs a = n.attrs();
    int[] st = a.getInts("strides");
    int[] is = shapes.get(n.input(0));
    int[] os = n.outputShape(0);
    long[] pads = {0, 0, 0, 0};
    if (a.getString("padding").equals("SAME")) {
      int padH = Math.max((os[1] - 1) * st[0] + kh - is[1], 0);
      int padW = Math.max((os[2] - 1) * st[1] + kw - is[2], 0);
      pads = new long[] {padH / 2, padW / 2, padH - padH / 2, padW - padW / 2};
    }
    return new Object[] {"kernel_shape", new long[] {kh, kw}, "strides", new long[] {st[0], st[1]}, "pads", pads,
        "group", (long) group};
  }
}

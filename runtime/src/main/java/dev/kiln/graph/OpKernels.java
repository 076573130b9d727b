package dev.kiln.graph;

import dev.kiln.ConvOps;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Padding;
import dev.kiln.Tensor;

/**
 * Executes one graph node eagerly: the general {@code Session.run} path (feeds of any tensor, fetches of
 * any tensor) calls this for each node it must compute. The generated typed {@code call} does not use it.
 * Placeholder and Variable nodes are never executed here: the session supplies their values.
 *
 * <p>Every node type of the op language documented on {@link Ops} is supported, by calling the matching
 * {@link Ops} method with the node's attributes.
 */
public final class OpKernels {
  private OpKernels() {}

  public static Tensor[] execute(NodeDef node, Tensor[] inputs) {
    return new Tensor[] {executeOne(node, inputs)};
  }

  private static Tensor executeOne(NodeDef node, Tensor[] in) {
    Attrs a = node.attrs();
    switch (node.op()) {
      case "Const":
        if (a.has("ivalue")) {
          int[] v = a.getInts("ivalue");
          return node.outputType(0) == DType.BOOL ? bools(v, node.outputShape(0)) : Tensor.ofInts(v, node.outputShape(0));
        }
        return Tensor.of(a.getFloats("value"), node.outputShape(0));
      case "Identity": return Ops.identity(in[0]);
      case "Add": return Ops.add(in[0], in[1]);
      case "Sub": return Ops.subtract(in[0], in[1]);
      case "Mul": return Ops.multiply(in[0], in[1]);
      case "Div": return Ops.divide(in[0], in[1]);
      case "Maximum": return Ops.maximum(in[0], in[1]);
      case "Minimum": return Ops.minimum(in[0], in[1]);
      case "MatMul": return Ops.matmul(in[0], in[1]);
      case "BiasAdd": return Ops.biasAdd(in[0], in[1]);
      case "Relu": return Ops.relu(in[0]);
      case "Relu6": return Ops.relu6(in[0]);
      case "Sigmoid": return Ops.sigmoid(in[0]);
      case "Tanh": return Ops.tanh(in[0]);
      case "Silu": return Ops.silu(in[0]);
      case "Softplus": return Ops.softplus(in[0]);
      case "Softsign": return Ops.softsign(in[0]);
      case "HardSigmoid": return Ops.hardSigmoid(in[0]);
      case "HardSilu": return Ops.hardSilu(in[0]);
      case "Exp": return Ops.exp(in[0]);
      case "Log": return Ops.log(in[0]);
      case "Sqrt": return Ops.sqrt(in[0]);
      case "Square": return Ops.square(in[0]);
      case "Abs": return Ops.abs(in[0]);
      case "Neg": return Ops.negate(in[0]);
      case "Gelu": return Ops.gelu(in[0], a.getBoolean("approximate", false));
      case "Elu": return Ops.elu(in[0], a.getFloat("alpha", 1f));
      case "LeakyRelu": return Ops.leakyRelu(in[0], a.getFloat("alpha", Ops.LEAKY_RELU_ALPHA));
      case "Softmax": return Ops.softmax(in[0], a.getInt("axis", -1));
      case "ClipByValue": return Ops.clip(in[0], a.getFloat("min"), a.getFloat("max"));
      case "ConcatV2": return Ops.concat(a.getInt("axis"), in);
      case "Reshape": return Ops.reshape(in[0], a.getInts("shape"));
      case "Transpose": return Ops.transpose(in[0], a.getInts("perm"));
      case "Mean": return Ops.mean(in[0], a.getInts("axes"), a.getBoolean("keep_dims", false));
      case "Sum": return Ops.sum(in[0], a.getInts("axes"), a.getBoolean("keep_dims", false));
      case "Max": return Ops.max(in[0], a.getInts("axes"), a.getBoolean("keep_dims", false));
      case "ArgMax": return Ops.argmax(in[0], a.getInt("axis"));
      case "Pad": {
        int[] flat = a.getInts("paddings");
        int[][] p = new int[flat.length / 2][];
        for (int d = 0; d < p.length; d++) p[d] = new int[] {flat[2 * d], flat[2 * d + 1]};
        return Ops.pad(in[0], p, a.getFloat("value", 0f));
      }
      case "Slice": return Ops.slice(in[0], a.getInts("begin"), a.getInts("size"));
      case "BatchNorm": {
        int i = 3;
        Tensor gamma = a.getBoolean("scale") ? in[i++] : null;
        Tensor beta = a.getBoolean("center") ? in[i] : null;
        return dev.kiln.NormOps.batchNorm(in[0], in[1], in[2], gamma, beta, a.getInt("axis"), a.getFloat("epsilon"));
      }
      case "LayerNorm": {
        int i = 1;
        Tensor gamma = a.getBoolean("scale") ? in[i++] : null;
        Tensor beta = a.getBoolean("center") ? in[i] : null;
        return dev.kiln.NormOps.layerNorm(in[0], gamma, beta, a.getInts("axes"), a.getFloat("epsilon"));
      }
      case "Resize": {
        int[] scale = a.getInts("scale");
        return dev.kiln.NormOps.resize(in[0], scale[0], scale[1], a.getString("method"));
      }
      case "Conv2D":
        return ConvOps.conv2d(in[0], in[1], a.getInts("strides"), a.getInts("dilations"),
            Padding.valueOf(a.getString("padding")), a.getInt("groups", 1));
      case "DepthwiseConv2dNative":
        return ConvOps.depthwiseConv2d(in[0], in[1], a.getInts("strides"), a.getInts("dilations"),
            Padding.valueOf(a.getString("padding")));
      case "Conv2DTranspose":
        return ConvOps.conv2dTranspose(in[0], in[1], a.getInts("strides"), Padding.valueOf(a.getString("padding")),
            a.has("output_padding") ? a.getInts("output_padding") : null);
      case "MaxPool":
        return ConvOps.maxPool2d(in[0], a.getInts("ksize"), a.getInts("strides"), Padding.valueOf(a.getString("padding")));
      case "AvgPool":
        return ConvOps.avgPool2d(in[0], a.getInts("ksize"), a.getInts("strides"), Padding.valueOf(a.getString("padding")));
      default:
        throw new UnsupportedOperationException(node.name() + ": op " + node.op() + " has no kernel");
    }
  }

  private static Tensor bools(int[] v, int[] shape) {
    boolean[] b = new boolean[v.length];
    for (int i = 0; i < v.length; i++) b[i] = v[i] != 0;
    return Tensor.ofBooleans(b, shape);
  }
}

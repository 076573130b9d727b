package dev.kiln;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Tracer;
import dev.kiln.kernels.Activations;
import dev.kiln.kernels.Elementwise;
import dev.kiln.kernels.Gemm;
import dev.kiln.kernels.Reductions;
import dev.kiln.kernels.Shaping;
import dev.kiln.kernels.Softmax;
import dev.kiln.kernels.Unary;

/**
 * Tensor operations (TensorFlow / Keras ops), usable in {@code @Call} bodies and eagerly. Axes may be negative
 * (counted from the end). Every op first computes its static output shape ({@code -1} = unknown, propagated);
 * a shape that cannot work throws {@link IllegalArgumentException} naming the op and the shapes. When an
 * input is symbolic (tracing), the op records a graph node and returns a symbolic tensor; otherwise it
 * computes eagerly into a new tensor with the kernels of {@code dev.kiln.kernels}.
 *
 * <p>The graph op language. The code generator and the session rely on exactly these node types and attrs;
 * nodes are named {@code scope/Type} (uniqued by the tracer):
 * <table>
 * <caption>Node types</caption>
 * <tr><th>Type</th><th>Inputs</th><th>Attrs</th></tr>
 * <tr><td>Add, Sub, Mul, Div, Maximum, Minimum</td><td>a, b (NumPy broadcasting)</td><td>-</td></tr>
 * <tr><td>MatMul</td><td>a {@code [..., m, k]}, b {@code [k, n]} or {@code [..., k, n]}</td><td>-</td></tr>
 * <tr><td>BiasAdd</td><td>x, bias (last axis)</td><td>-</td></tr>
 * <tr><td>Relu, Relu6, Sigmoid, Tanh, Silu, Softplus, Softsign, HardSigmoid, HardSilu, Exp, Log, Sqrt, Square, Abs,
 *   Neg</td><td>x</td><td>-</td></tr>
 * <tr><td>Gelu</td><td>x</td><td>approximate: Boolean (true = tanh approximation)</td></tr>
 * <tr><td>Elu, LeakyRelu</td><td>x</td><td>alpha: Float</td></tr>
 * <tr><td>Softmax</td><td>x</td><td>axis: Integer (normalized, non-negative)</td></tr>
 * <tr><td>ClipByValue</td><td>x</td><td>min, max: Float</td></tr>
 * <tr><td>ConcatV2</td><td>n inputs</td><td>axis: Integer (normalized)</td></tr>
 * <tr><td>Reshape</td><td>x</td><td>shape: int[] (the output shape; -1 where unknown, normally the batch)</td></tr>
 * <tr><td>Transpose</td><td>x</td><td>perm: int[]</td></tr>
 * <tr><td>Mean, Sum, Max</td><td>x</td><td>axes: int[] (normalized, sorted, no duplicates; may be empty),
 *   keep_dims: Boolean</td></tr>
 * <tr><td>ArgMax</td><td>x</td><td>axis: Integer (normalized); output INT32</td></tr>
 * <tr><td>Pad</td><td>x</td><td>paddings: int[] {@code [before0, after0, before1, ...]}, value: Float</td></tr>
 * <tr><td>Slice</td><td>x</td><td>begin: int[], size: int[] (-1 resolved where statically known)</td></tr>
 * <tr><td>Identity</td><td>x</td><td>-</td></tr>
 * <tr><td>Const</td><td>-</td><td>value: float[] or ivalue: int[]</td></tr>
 * </table>
 *
 * <p>A {@code float} operand of the {@code (Tensor, float)} overloads becomes a scalar {@code Const} input
 * when tracing. Activations are named after {@link Activation#opName()}.
 */
public final class Ops {
  private Ops() {}

  /** TensorFlow's {@code tf.nn.leaky_relu} default slope (the Keras {@code LeakyReLU} layer uses 0.3). */
  public static final float LEAKY_RELU_ALPHA = 0.2f;

  // ---- binary, broadcasting ------------------------------------------------------------------------------

  public static Tensor add(Tensor a, Tensor b) {
    return binary("Add", Elementwise.ADD, a, b);
  }

  public static Tensor add(Tensor a, float b) {
    return binary("Add", Elementwise.ADD, a, Tensor.scalar(b));
  }

  public static Tensor add(float a, Tensor b) {
    return binary("Add", Elementwise.ADD, Tensor.scalar(a), b);
  }

  public static Tensor subtract(Tensor a, Tensor b) {
    return binary("Sub", Elementwise.SUB, a, b);
  }

  public static Tensor subtract(Tensor a, float b) {
    return binary("Sub", Elementwise.SUB, a, Tensor.scalar(b));
  }

  public static Tensor subtract(float a, Tensor b) {
    return binary("Sub", Elementwise.SUB, Tensor.scalar(a), b);
  }

  public static Tensor multiply(Tensor a, Tensor b) {
    return binary("Mul", Elementwise.MUL, a, b);
  }

  public static Tensor multiply(Tensor a, float b) {
    return binary("Mul", Elementwise.MUL, a, Tensor.scalar(b));
  }

  public static Tensor multiply(float a, Tensor b) {
    return binary("Mul", Elementwise.MUL, Tensor.scalar(a), b);
  }

  public static Tensor divide(Tensor a, Tensor b) {
    return binary("Div", Elementwise.DIV, a, b);
  }

  public static Tensor divide(Tensor a, float b) {
    return binary("Div", Elementwise.DIV, a, Tensor.scalar(b));
  }

  public static Tensor divide(float a, Tensor b) {
    return binary("Div", Elementwise.DIV, Tensor.scalar(a), b);
  }

  public static Tensor maximum(Tensor a, Tensor b) {
    return binary("Maximum", Elementwise.MAX, a, b);
  }

  public static Tensor maximum(Tensor a, float b) {
    return binary("Maximum", Elementwise.MAX, a, Tensor.scalar(b));
  }

  public static Tensor minimum(Tensor a, Tensor b) {
    return binary("Minimum", Elementwise.MIN, a, b);
  }

  public static Tensor minimum(Tensor a, float b) {
    return binary("Minimum", Elementwise.MIN, a, Tensor.scalar(b));
  }

  private static Tensor binary(String type, int op, Tensor a, Tensor b) {
    int[] out = Shapes.broadcast(a.shape(), b.shape(), type);
    if (Tracer.anySymbolic(a, b)) return Tracer.require().op(type, Attrs.NONE, out, DType.FLOAT32, a, b);
    float[] r = new float[Shapes.size(out)];
    Elementwise.binary(op, floats(a), a.shape(), floats(b), b.shape(), r, out);
    return Tensor.wrap(r, out);
  }

  // ---- linear algebra ------------------------------------------------------------------------------------

  /** {@code a [..., m, k]} times {@code b [k, n]}, or an equal-rank batched product {@code [..., k, n]}. */
  public static Tensor matmul(Tensor a, Tensor b) {
    int[] as = a.shape();
    int[] bs = b.shape();
    int[] out = OpShapes.matmul(as, bs);
    if (Tracer.anySymbolic(a, b)) return Tracer.require().op("MatMul", Attrs.NONE, out, DType.FLOAT32, a, b);
    int k = as[as.length - 1];
    int n = bs[bs.length - 1];
    float[] c = new float[Shapes.size(out)];
    if (bs.length == 2) {
      int m = prod(as, 0, as.length - 1);
      Gemm.matmul(floats(a), floats(b), c, m, k, n);
    } else {
      int m = as[as.length - 2];
      int batch = prod(out, 0, out.length - 2);
      float[] af = floats(a);
      float[] bf = floats(b);
      for (int i = 0; i < batch; i++) Gemm.matmul(af, i * m * k, bf, i * k * n, c, i * m * n, m, k, n);
    }
    return Tensor.wrap(c, out);
  }

  /** Adds a rank-1 {@code bias} along the last axis of {@code x}. */
  public static Tensor biasAdd(Tensor x, Tensor bias) {
    int[] out = OpShapes.biasAdd(x.shape(), bias.shape());
    if (Tracer.anySymbolic(x, bias)) return Tracer.require().op("BiasAdd", Attrs.NONE, out, DType.FLOAT32, x, bias);
    float[] r = new float[Shapes.size(out)];
    Elementwise.binary(Elementwise.ADD, floats(x), out, floats(bias), bias.shape(), r, out);
    return Tensor.wrap(r, out);
  }

  // ---- activations ---------------------------------------------------------------------------------------

  public static Tensor relu(Tensor x) {
    return unary("Relu", Attrs.NONE, x);
  }

  public static Tensor relu6(Tensor x) {
    return unary("Relu6", Attrs.NONE, x);
  }

  public static Tensor sigmoid(Tensor x) {
    return unary("Sigmoid", Attrs.NONE, x);
  }

  public static Tensor tanh(Tensor x) {
    return unary("Tanh", Attrs.NONE, x);
  }

  /** Exact GELU ({@code 0.5 x (1 + erf(x / sqrt 2))}), the Keras default. */
  public static Tensor gelu(Tensor x) {
    return gelu(x, false);
  }

  /** GELU; {@code approximate} selects the tanh approximation. */
  public static Tensor gelu(Tensor x, boolean approximate) {
    return unary("Gelu", Attrs.of("approximate", approximate), x);
  }

  public static Tensor silu(Tensor x) {
    return unary("Silu", Attrs.NONE, x);
  }

  /** ELU with alpha 1. */
  public static Tensor elu(Tensor x) {
    return elu(x, 1f);
  }

  public static Tensor elu(Tensor x, float alpha) {
    return unary("Elu", Attrs.of("alpha", alpha), x);
  }

  /** Leaky ReLU with TensorFlow's default slope 0.2 ({@link #LEAKY_RELU_ALPHA}); Keras' layer default is 0.3. */
  public static Tensor leakyRelu(Tensor x) {
    return leakyRelu(x, LEAKY_RELU_ALPHA);
  }

  public static Tensor leakyRelu(Tensor x, float alpha) {
    return unary("LeakyRelu", Attrs.of("alpha", alpha), x);
  }

  public static Tensor softplus(Tensor x) {
    return unary("Softplus", Attrs.NONE, x);
  }

  /** {@code x / (1 + |x|)} (Keras {@code softsign}). */
  public static Tensor softsign(Tensor x) {
    return unary("Softsign", Attrs.NONE, x);
  }

  /** {@code exp(x)}, the Keras {@code exponential} activation: an {@code Exp} node. */
  public static Tensor exponential(Tensor x) {
    return exp(x);
  }

  /** Keras 3 hard sigmoid: {@code relu6(x + 3) / 6}. */
  public static Tensor hardSigmoid(Tensor x) {
    return unary("HardSigmoid", Attrs.NONE, x);
  }

  /** {@code x * hardSigmoid(x)}. */
  public static Tensor hardSilu(Tensor x) {
    return unary("HardSilu", Attrs.NONE, x);
  }

  /** Softmax over the last axis. */
  public static Tensor softmax(Tensor x) {
    return softmax(x, -1);
  }

  public static Tensor softmax(Tensor x, int axis) {
    int[] shape = x.shape();
    int ax = Shapes.axis(axis, shape.length, "Softmax");
    if (Tracer.anySymbolic(x)) return Tracer.require().op("Softmax", Attrs.of("axis", ax), shape, DType.FLOAT32, x);
    float[] out = new float[Shapes.size(shape)];
    Softmax.softmax(floats(x), out, prod(shape, 0, ax), shape[ax], prod(shape, ax + 1, shape.length));
    return Tensor.wrap(out, shape);
  }

  /**
   * Applies an activation: LINEAR returns {@code x} itself (no node), SOFTMAX is over the last axis, GELU is
   * exact, ELU uses alpha 1 and LEAKY_RELU alpha 0.2 (Keras activation-function defaults).
   */
  public static Tensor activation(Tensor x, Activation a) {
    switch (a) {
      case LINEAR: return x;
      case RELU: return relu(x);
      case RELU6: return relu6(x);
      case SIGMOID: return sigmoid(x);
      case TANH: return tanh(x);
      case SOFTMAX: return softmax(x);
      case GELU: return gelu(x);
      case GELU_APPROXIMATE: return gelu(x, true);
      case SILU: return silu(x);
      case HARD_SIGMOID: return hardSigmoid(x);
      case HARD_SILU: return hardSilu(x);
      case ELU: return elu(x);
      case LEAKY_RELU: return leakyRelu(x);
      case SOFTPLUS: return softplus(x);
      case SOFTSIGN: return softsign(x);
      case EXPONENTIAL: return exponential(x);
      default: throw new IllegalArgumentException("activation: unknown " + a);
    }
  }

  // ---- elementwise math ----------------------------------------------------------------------------------

  public static Tensor exp(Tensor x) {
    return unary("Exp", Attrs.NONE, x);
  }

  public static Tensor log(Tensor x) {
    return unary("Log", Attrs.NONE, x);
  }

  public static Tensor sqrt(Tensor x) {
    return unary("Sqrt", Attrs.NONE, x);
  }

  public static Tensor square(Tensor x) {
    return unary("Square", Attrs.NONE, x);
  }

  public static Tensor abs(Tensor x) {
    return unary("Abs", Attrs.NONE, x);
  }

  public static Tensor negate(Tensor x) {
    return unary("Neg", Attrs.NONE, x);
  }

  /** {@code min(max(x, min), max)} ({@code tf.clip_by_value}). */
  public static Tensor clip(Tensor x, float min, float max) {
    int[] shape = x.shape();
    if (Tracer.anySymbolic(x)) {
      return Tracer.require().op("ClipByValue", Attrs.of("min", min, "max", max), shape, DType.FLOAT32, x);
    }
    int n = Shapes.size(shape);
    float[] out = new float[n];
    Shaping.clip(floats(x), min, max, out, n);
    return Tensor.wrap(out, shape);
  }

  private static Tensor unary(String type, Attrs attrs, Tensor x) {
    int[] shape = x.shape();
    if (Tracer.anySymbolic(x)) return Tracer.require().op(type, attrs, shape, DType.FLOAT32, x);
    int n = Shapes.size(shape);
    float[] in = floats(x);
    float[] out = new float[n];
    switch (type) {
      case "Relu": Activations.apply(Activation.RELU, in, out, n); break;
      case "Relu6": Activations.apply(Activation.RELU6, in, out, n); break;
      case "Sigmoid": Activations.apply(Activation.SIGMOID, in, out, n); break;
      case "Tanh": Activations.apply(Activation.TANH, in, out, n); break;
      case "Silu": Activations.apply(Activation.SILU, in, out, n); break;
      case "Softplus": Activations.apply(Activation.SOFTPLUS, in, out, n); break;
      case "Softsign": Activations.apply(Activation.SOFTSIGN, in, out, n); break;
      case "HardSigmoid": Activations.apply(Activation.HARD_SIGMOID, in, out, n); break;
      case "HardSilu": Activations.apply(Activation.HARD_SILU, in, out, n); break;
      case "Gelu":
        if (attrs.getBoolean("approximate", false)) Activations.geluTanh(in, out, n);
        else Activations.apply(Activation.GELU, in, out, n);
        break;
      case "Elu": Activations.elu(in, out, n, attrs.getFloat("alpha", 1f)); break;
      case "LeakyRelu": Activations.leakyRelu(in, out, n, attrs.getFloat("alpha", LEAKY_RELU_ALPHA)); break;
      case "Exp": Unary.apply(Unary.EXP, in, out, n); break;
      case "Log": Unary.apply(Unary.LOG, in, out, n); break;
      case "Sqrt": Unary.apply(Unary.SQRT, in, out, n); break;
      case "Square": Unary.apply(Unary.SQUARE, in, out, n); break;
      case "Abs": Unary.apply(Unary.ABS, in, out, n); break;
      case "Neg": Unary.apply(Unary.NEG, in, out, n); break;
      default: throw new IllegalArgumentException("unknown unary op " + type);
    }
    return Tensor.wrap(out, shape);
  }

  // ---- shaping -------------------------------------------------------------------------------------------

  /** Concatenates along {@code axis}; all other dimensions must match. */
  public static Tensor concat(int axis, Tensor... xs) {
    int[][] shapes = new int[xs.length][];
    for (int i = 0; i < xs.length; i++) shapes[i] = xs[i].shape();
    int[] out = OpShapes.concat(axis, shapes);
    int ax = Shapes.axis(axis, out.length, "ConcatV2");
    if (Tracer.anySymbolic(xs)) return Tracer.require().op("ConcatV2", Attrs.of("axis", ax), out, xs[0].dtype(), xs);
    float[][] data = new float[xs.length][];
    int[] sizes = new int[xs.length];
    for (int i = 0; i < xs.length; i++) {
      data[i] = floats(xs[i]);
      sizes[i] = shapes[i][ax];
    }
    float[] r = new float[Shapes.size(out)];
    Shaping.concat(data, sizes, prod(out, 0, ax), prod(out, ax + 1, out.length), r);
    return Tensor.wrap(r, out);
  }

  /** Reshapes (one {@code -1} allowed; in a traced graph the unknown batch stays -1). */
  public static Tensor reshape(Tensor x, int... shape) {
    int[] out = OpShapes.reshape(x.shape(), shape);
    if (Tracer.anySymbolic(x)) return Tracer.require().op("Reshape", Attrs.of("shape", out), out, x.dtype(), x);
    return copy(x, out);
  }

  /** Permutes the axes; with no {@code perm}, reverses them. */
  public static Tensor transpose(Tensor x, int... perm) {
    int[] in = x.shape();
    if (perm == null || perm.length == 0) {
      perm = new int[in.length];
      for (int i = 0; i < in.length; i++) perm[i] = in.length - 1 - i;
    } else {
      perm = perm.clone();
      for (int i = 0; i < perm.length; i++) if (perm[i] < 0) perm[i] += in.length;
    }
    int[] out = OpShapes.transpose(in, perm);
    if (Tracer.anySymbolic(x)) return Tracer.require().op("Transpose", Attrs.of("perm", perm), out, x.dtype(), x);
    float[] r = new float[Shapes.size(out)];
    Shaping.transpose(floats(x), in, perm, r);
    return Tensor.wrap(r, out);
  }

  /** Keeps axis 0 and flattens the rest (Keras {@code Flatten}); a Reshape node when traced. */
  public static Tensor flatten(Tensor x) {
    int[] out = OpShapes.flatten(x.shape());
    if (Tracer.anySymbolic(x)) return Tracer.require().op("Reshape", Attrs.of("shape", out), out, x.dtype(), x);
    return copy(x, out);
  }

  /** Mean over one axis ({@code tf.reduce_mean}); the node carries {@code axes = {axis}}. */
  public static Tensor mean(Tensor x, int axis, boolean keepDims) {
    return reduce("Mean", Reductions.MEAN, x, new int[] {axis}, keepDims);
  }

  /** Mean over several axes (any order, negative allowed, duplicates ignored); an empty list reduces nothing. */
  public static Tensor mean(Tensor x, int[] axes, boolean keepDims) {
    return reduce("Mean", Reductions.MEAN, x, axes, keepDims);
  }

  public static Tensor sum(Tensor x, int axis, boolean keepDims) {
    return reduce("Sum", Reductions.SUM, x, new int[] {axis}, keepDims);
  }

  public static Tensor sum(Tensor x, int[] axes, boolean keepDims) {
    return reduce("Sum", Reductions.SUM, x, axes, keepDims);
  }

  public static Tensor max(Tensor x, int axis, boolean keepDims) {
    return reduce("Max", Reductions.MAX, x, new int[] {axis}, keepDims);
  }

  public static Tensor max(Tensor x, int[] axes, boolean keepDims) {
    return reduce("Max", Reductions.MAX, x, axes, keepDims);
  }

  private static Tensor reduce(String type, int op, Tensor x, int[] axes, boolean keepDims) {
    int[] in = x.shape();
    int[] ax = Shapes.axes(axes, in.length, type);
    int[] out = OpShapes.reduce(type, in, ax, keepDims);
    if (Tracer.anySymbolic(x)) {
      return Tracer.require().op(type, Attrs.of("axes", ax, "keep_dims", keepDims), out, DType.FLOAT32, x);
    }
    float[] r = new float[Shapes.size(out)];
    float[] xf = floats(x);
    if (ax.length == 0) {
      System.arraycopy(xf, 0, r, 0, r.length);
    } else if (ax[ax.length - 1] - ax[0] == ax.length - 1) { // contiguous axes: one [outer, axisLen, inner] view
      int first = ax[0];
      int last = ax[ax.length - 1];
      Reductions.reduce(op, xf, r, prod(in, 0, first), prod(in, first, last + 1), prod(in, last + 1, in.length));
    } else {
      Reductions.reduceAxes(op, xf, in, ax, r);
    }
    return Tensor.wrap(r, out);
  }

  /** Index of the largest value along {@code axis} (first one on ties); INT32, the axis removed. */
  public static Tensor argmax(Tensor x, int axis) {
    int[] in = x.shape();
    int ax = Shapes.axis(axis, in.length, "ArgMax");
    int[] out = OpShapes.reduce("ArgMax", in, new int[] {ax}, false);
    if (Tracer.anySymbolic(x)) return Tracer.require().op("ArgMax", Attrs.of("axis", ax), out, DType.INT32, x);
    int[] r = new int[Shapes.size(out)];
    if (in[ax] == 0 && r.length > 0) {
      throw new IllegalArgumentException("ArgMax: axis " + axis + " of shape " + Shapes.toString(in) + " is empty");
    }
    Reductions.argmax(floats(x), r, prod(in, 0, ax), in[ax], prod(in, ax + 1, in.length));
    return Tensor.wrapInts(r, out);
  }

  /** Zero padding ({@code tf.pad}); {@code paddings[axis] = {before, after}}. */
  public static Tensor pad(Tensor x, int[][] paddings) {
    return pad(x, paddings, 0f);
  }

  /** Constant padding with {@code value}. */
  public static Tensor pad(Tensor x, int[][] paddings, float value) {
    int[] in = x.shape();
    int[] out = OpShapes.pad(in, paddings);
    int[] flat = new int[2 * in.length];
    for (int d = 0; d < in.length; d++) {
      flat[2 * d] = paddings[d][0];
      flat[2 * d + 1] = paddings[d][1];
    }
    if (Tracer.anySymbolic(x)) {
      return Tracer.require().op("Pad", Attrs.of("paddings", flat, "value", value), out, DType.FLOAT32, x);
    }
    float[] r = new float[Shapes.size(out)];
    Shaping.pad(floats(x), in, flat, value, r);
    return Tensor.wrap(r, out);
  }

  /** {@code tf.slice}: {@code size[d] == -1} takes everything from {@code begin[d]} to the end. */
  public static Tensor slice(Tensor x, int[] begin, int[] size) {
    int[] in = x.shape();
    int[] out = OpShapes.sliceSize(in, begin, size);
    if (Tracer.anySymbolic(x)) {
      return Tracer.require().op("Slice", Attrs.of("begin", begin.clone(), "size", out), out, x.dtype(), x);
    }
    float[] r = new float[Shapes.size(out)];
    Shaping.slice(floats(x), in, begin, out, r);
    return Tensor.wrap(r, out);
  }

  /** A copy of {@code x} ({@code tf.identity}). */
  public static Tensor identity(Tensor x) {
    if (Tracer.anySymbolic(x)) return Tracer.require().op("Identity", Attrs.NONE, x.shape(), x.dtype(), x);
    return copy(x, x.shape());
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /** The float values of a concrete tensor (the backing array when it is float32). */
  static float[] floats(Tensor t) {
    return t.dtype() == DType.FLOAT32 ? t.floatBuffer() : t.toFloatArray();
  }

  private static Tensor copy(Tensor x, int[] shape) {
    return x.dtype() == DType.FLOAT32
        ? Tensor.wrap(x.floatBuffer().clone(), shape)
        : x.dtype() == DType.INT32 ? Tensor.wrapInts(x.intBuffer().clone(), shape) : x.reshape(shape);
  }

  private static int prod(int[] shape, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) p *= shape[i];
    return p;
  }
}

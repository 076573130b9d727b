package dev.kiln;

import dev.kiln.graph.Dims;
import dev.kiln.ops.ArgMax;
import dev.kiln.ops.BiasAdd;
import dev.kiln.ops.BinaryOp;
import dev.kiln.ops.Concat;
import dev.kiln.ops.Identity;
import dev.kiln.ops.MatMul;
import dev.kiln.ops.Pad;
import dev.kiln.ops.Reduce;
import dev.kiln.ops.Reshape;
import dev.kiln.ops.Slice;
import dev.kiln.ops.Softmax;
import dev.kiln.ops.Transpose;
import dev.kiln.ops.UnaryOp;

/**
 * Tensor operations (TensorFlow / Keras ops), usable in {@code @Call} bodies and eagerly. Axes may be negative
 * (counted from the end). Each method applies one op of {@link dev.kiln.ops}: its shape rule runs first (a shape that
 * cannot work throws {@link IllegalArgumentException} naming the op and the shapes); with a symbolic input (the
 * processor tracing a model) it records a graph node named {@code scope/Type}, otherwise it computes into a new
 * tensor. {@link dev.kiln.ops.OpRegistry} lists the node types; a {@code float} operand of the
 * {@code (Tensor, float)} overloads becomes a scalar {@code Const} input when tracing.
 */
public final class Ops {
  private Ops() {}

  /** TensorFlow's {@code tf.nn.leaky_relu} default slope (the Keras {@code LeakyReLU} layer uses 0.3). */
  public static final float LEAKY_RELU_ALPHA = UnaryOp.LEAKY_RELU_ALPHA;

  // ---- binary, broadcasting ------------------------------------------------------------------------------

  public static Tensor add(Tensor a, Tensor b) {
    return binary(BinaryOp.Fn.ADD, a, b);
  }

  public static Tensor add(Tensor a, float b) {
    return binary(BinaryOp.Fn.ADD, a, Tensor.scalar(b));
  }

  public static Tensor add(float a, Tensor b) {
    return binary(BinaryOp.Fn.ADD, Tensor.scalar(a), b);
  }

  public static Tensor subtract(Tensor a, Tensor b) {
    return binary(BinaryOp.Fn.SUB, a, b);
  }

  public static Tensor subtract(Tensor a, float b) {
    return binary(BinaryOp.Fn.SUB, a, Tensor.scalar(b));
  }

  public static Tensor subtract(float a, Tensor b) {
    return binary(BinaryOp.Fn.SUB, Tensor.scalar(a), b);
  }

  public static Tensor multiply(Tensor a, Tensor b) {
    return binary(BinaryOp.Fn.MUL, a, b);
  }

  public static Tensor multiply(Tensor a, float b) {
    return binary(BinaryOp.Fn.MUL, a, Tensor.scalar(b));
  }

  public static Tensor multiply(float a, Tensor b) {
    return binary(BinaryOp.Fn.MUL, Tensor.scalar(a), b);
  }

  public static Tensor divide(Tensor a, Tensor b) {
    return binary(BinaryOp.Fn.DIV, a, b);
  }

  public static Tensor divide(Tensor a, float b) {
    return binary(BinaryOp.Fn.DIV, a, Tensor.scalar(b));
  }

  public static Tensor divide(float a, Tensor b) {
    return binary(BinaryOp.Fn.DIV, Tensor.scalar(a), b);
  }

  public static Tensor maximum(Tensor a, Tensor b) {
    return binary(BinaryOp.Fn.MAXIMUM, a, b);
  }

  public static Tensor maximum(Tensor a, float b) {
    return binary(BinaryOp.Fn.MAXIMUM, a, Tensor.scalar(b));
  }

  public static Tensor minimum(Tensor a, Tensor b) {
    return binary(BinaryOp.Fn.MINIMUM, a, b);
  }

  public static Tensor minimum(Tensor a, float b) {
    return binary(BinaryOp.Fn.MINIMUM, a, Tensor.scalar(b));
  }

  private static Tensor binary(BinaryOp.Fn fn, Tensor a, Tensor b) {
    return BinaryOp.of(fn).apply(a, b);
  }

  // ---- linear algebra ------------------------------------------------------------------------------------

  /** {@code a [..., m, k]} times {@code b [k, n]}, or an equal-rank batched product {@code [..., k, n]}. */
  public static Tensor matmul(Tensor a, Tensor b) {
    return MatMul.INSTANCE.apply(a, b);
  }

  /** Adds a rank-1 {@code bias} along the last axis of {@code x}. */
  public static Tensor biasAdd(Tensor x, Tensor bias) {
    return BiasAdd.INSTANCE.apply(x, bias);
  }

  // ---- activations ---------------------------------------------------------------------------------------

  public static Tensor relu(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.RELU).apply(x);
  }

  public static Tensor relu6(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.RELU6).apply(x);
  }

  public static Tensor sigmoid(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.SIGMOID).apply(x);
  }

  public static Tensor tanh(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.TANH).apply(x);
  }

  /** Exact GELU ({@code 0.5 x (1 + erf(x / sqrt 2))}), the Keras default. */
  public static Tensor gelu(Tensor x) {
    return gelu(x, false);
  }

  /** GELU; {@code approximate} selects the tanh approximation. */
  public static Tensor gelu(Tensor x, boolean approximate) {
    return UnaryOp.gelu(approximate).apply(x);
  }

  public static Tensor silu(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.SILU).apply(x);
  }

  /** ELU with alpha 1. */
  public static Tensor elu(Tensor x) {
    return elu(x, 1f);
  }

  public static Tensor elu(Tensor x, float alpha) {
    return UnaryOp.elu(alpha).apply(x);
  }

  /** Leaky ReLU with TensorFlow's default slope 0.2 ({@link #LEAKY_RELU_ALPHA}); Keras' layer default is 0.3. */
  public static Tensor leakyRelu(Tensor x) {
    return leakyRelu(x, LEAKY_RELU_ALPHA);
  }

  public static Tensor leakyRelu(Tensor x, float alpha) {
    return UnaryOp.leakyRelu(alpha).apply(x);
  }

  public static Tensor softplus(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.SOFTPLUS).apply(x);
  }

  /** {@code x / (1 + |x|)} (Keras {@code softsign}). */
  public static Tensor softsign(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.SOFTSIGN).apply(x);
  }

  /** {@code exp(x)}, the Keras {@code exponential} activation: an {@code Exp} node. */
  public static Tensor exponential(Tensor x) {
    return exp(x);
  }

  /** Keras 3 hard sigmoid: {@code relu6(x + 3) / 6}. */
  public static Tensor hardSigmoid(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.HARD_SIGMOID).apply(x);
  }

  /** {@code x * hardSigmoid(x)}. */
  public static Tensor hardSilu(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.HARD_SILU).apply(x);
  }

  /** Softmax over the last axis. */
  public static Tensor softmax(Tensor x) {
    return softmax(x, -1);
  }

  public static Tensor softmax(Tensor x, int axis) {
    return new Softmax(Shapes.axis(axis, x.rank(), "Softmax")).apply(x);
  }

  /**
   * Applies an activation: LINEAR returns {@code x} itself (no node), SOFTMAX is over the last axis, GELU is
   * exact, ELU uses alpha 1 and LEAKY_RELU alpha 0.2 (Keras activation-function defaults).
   */
  public static Tensor activation(Tensor x, Activation a) {
    if (a == null || a == Activation.LINEAR) return x;
    if (a == Activation.SOFTMAX) return softmax(x);
    return UnaryOp.of(a).apply(x);
  }

  // ---- elementwise math ----------------------------------------------------------------------------------

  public static Tensor exp(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.EXP).apply(x);
  }

  public static Tensor log(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.LOG).apply(x);
  }

  public static Tensor sqrt(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.SQRT).apply(x);
  }

  public static Tensor square(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.SQUARE).apply(x);
  }

  public static Tensor abs(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.ABS).apply(x);
  }

  public static Tensor negate(Tensor x) {
    return UnaryOp.of(UnaryOp.Fn.NEG).apply(x);
  }

  /** {@code min(max(x, min), max)} ({@code tf.clip_by_value}). */
  public static Tensor clip(Tensor x, float min, float max) {
    return UnaryOp.clip(min, max).apply(x);
  }

  // ---- shaping -------------------------------------------------------------------------------------------

  /** Concatenates along {@code axis}; all other dimensions must match. */
  public static Tensor concat(int axis, Tensor... xs) {
    if (xs.length == 0) throw new IllegalArgumentException("ConcatV2: needs at least one input");
    return new Concat(Shapes.axis(axis, xs[0].rank(), "ConcatV2")).apply(xs);
  }

  /** Reshapes; one {@code -1} is resolved from the element count (a run-time batch stays the batch). */
  public static Tensor reshape(Tensor x, int... shape) {
    return Reshape.to(Dims.of(x), shape).apply(x);
  }

  /** Permutes the axes; with no {@code perm}, reverses them. */
  public static Tensor transpose(Tensor x, int... perm) {
    int rank = x.rank();
    int[] p = new int[rank];
    if (perm == null || perm.length == 0) {
      for (int i = 0; i < rank; i++) p[i] = rank - 1 - i;
    } else {
      p = perm.clone();
      for (int i = 0; i < p.length; i++) if (p[i] < 0) p[i] += rank;
    }
    return new Transpose(p).apply(x);
  }

  /** Keeps axis 0 and flattens the rest (Keras {@code Flatten}); a Reshape node when traced. */
  public static Tensor flatten(Tensor x) {
    if (x.rank() == 0) throw new IllegalArgumentException("Flatten: cannot flatten a scalar");
    dev.kiln.graph.Dim[] in = Dims.of(x);
    dev.kiln.graph.Dim rest = dev.kiln.graph.Dim.product(in, 1, in.length);
    if (!rest.isConstant() && !in[0].isConstant()) {
      throw new IllegalArgumentException("Flatten: shape " + Dims.toString(in)
          + " would merge the run-time dimensions " + rest + " into one axis after " + in[0]);
    }
    return new Reshape(new dev.kiln.graph.Dim[] {in[0], rest}).apply(x);
  }

  /** Mean over one axis ({@code tf.reduce_mean}); the node carries {@code axes = {axis}}. */
  public static Tensor mean(Tensor x, int axis, boolean keepDims) {
    return reduce(Reduce.Fn.MEAN, x, new int[] {axis}, keepDims);
  }

  /** Mean over several axes (any order, negative allowed, duplicates ignored); an empty list reduces nothing. */
  public static Tensor mean(Tensor x, int[] axes, boolean keepDims) {
    return reduce(Reduce.Fn.MEAN, x, axes, keepDims);
  }

  public static Tensor sum(Tensor x, int axis, boolean keepDims) {
    return reduce(Reduce.Fn.SUM, x, new int[] {axis}, keepDims);
  }

  public static Tensor sum(Tensor x, int[] axes, boolean keepDims) {
    return reduce(Reduce.Fn.SUM, x, axes, keepDims);
  }

  public static Tensor max(Tensor x, int axis, boolean keepDims) {
    return reduce(Reduce.Fn.MAX, x, new int[] {axis}, keepDims);
  }

  public static Tensor max(Tensor x, int[] axes, boolean keepDims) {
    return reduce(Reduce.Fn.MAX, x, axes, keepDims);
  }

  private static Tensor reduce(Reduce.Fn fn, Tensor x, int[] axes, boolean keepDims) {
    return new Reduce(fn, Shapes.axes(axes, x.rank(), fn.type()), keepDims).apply(x);
  }

  /** Index of the largest value along {@code axis} (first one on ties); INT32, the axis removed. */
  public static Tensor argmax(Tensor x, int axis) {
    return new ArgMax(Shapes.axis(axis, x.rank(), "ArgMax")).apply(x);
  }

  /** Zero padding ({@code tf.pad}); {@code paddings[axis] = {before, after}}. */
  public static Tensor pad(Tensor x, int[][] paddings) {
    return pad(x, paddings, 0f);
  }

  /** Constant padding with {@code value}. */
  public static Tensor pad(Tensor x, int[][] paddings, float value) {
    if (paddings.length != x.rank()) {
      throw new IllegalArgumentException("Pad: paddings for " + paddings.length + " axes do not fit shape "
          + Dims.toString(Dims.of(x)));
    }
    int[] flat = new int[2 * paddings.length];
    for (int d = 0; d < paddings.length; d++) {
      if (paddings[d] == null || paddings[d].length != 2 || paddings[d][0] < 0 || paddings[d][1] < 0) {
        throw new IllegalArgumentException("Pad: paddings[" + d + "] must be two non-negative values, for shape "
            + Dims.toString(Dims.of(x)));
      }
      flat[2 * d] = paddings[d][0];
      flat[2 * d + 1] = paddings[d][1];
    }
    return new Pad(flat, value).apply(x);
  }

  /** {@code tf.slice}: {@code size[d] == -1} takes everything from {@code begin[d]} to the end. */
  public static Tensor slice(Tensor x, int[] begin, int[] size) {
    if (begin.length != x.rank() || size.length != x.rank()) {
      throw new IllegalArgumentException("Slice: begin " + Shapes.toString(begin) + " and size " + Shapes.toString(size)
          + " do not fit shape " + Dims.toString(Dims.of(x)));
    }
    // sizes to the end are stored resolved where the dimension is known, as TensorFlow's graph shows them
    dev.kiln.graph.Dim[] in = Dims.of(x);
    int[] resolved = size.clone();
    for (int d = 0; d < resolved.length; d++) {
      if (resolved[d] == -1 && in[d].isConstant() && begin[d] >= 0 && begin[d] <= in[d].value()) {
        resolved[d] = in[d].value() - begin[d];
      }
    }
    return new Slice(begin, resolved).apply(x);
  }

  /** A copy of {@code x} ({@code tf.identity}). */
  public static Tensor identity(Tensor x) {
    return Identity.INSTANCE.apply(x);
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /** The float values of a concrete tensor (the backing array when it is float32). */
  static float[] floats(Tensor t) {
    return t.dtype() == DType.FLOAT32 ? t.floatBuffer() : t.toFloatArray();
  }
}

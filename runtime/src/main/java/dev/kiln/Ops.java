package dev.kiln;

import dev.kiln.graph.Dims;
import dev.kiln.ops.ArgMax;
import dev.kiln.ops.BiasAdd;
import dev.kiln.ops.BinaryOp;
import dev.kiln.ops.BoolReduce;
import dev.kiln.ops.BroadcastTo;
import dev.kiln.ops.Cast;
import dev.kiln.ops.Compare;
import dev.kiln.ops.ExpandDims;
import dev.kiln.ops.Gather;
import dev.kiln.ops.Logical;
import dev.kiln.ops.OnesLike;
import dev.kiln.ops.Range;
import dev.kiln.ops.Reverse;
import dev.kiln.ops.Select;
import dev.kiln.ops.Squeeze;
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

  /**
   * {@code tf.matmul(a, b, transpose_a, transpose_b)}: with {@code transposeA}, {@code a} is read as {@code [..., k, m]};
   * with {@code transposeB}, {@code b} as {@code [..., n, k]} ({@code q·kᵀ} of attention scores).
   */
  public static Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
    return MatMul.of(transposeA, transposeB).apply(a, b);
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

  // ---- sequences: indices, dtypes, comparisons, masks ------------------------------------------------------

  /**
   * {@code tf.gather}: the slices of {@code params} along {@code axis} at the INT32 {@code indices}; shape
   * {@code params[:axis] + indices + params[axis+1:]} ({@code gather(embeddings, tokens, 0)} is an embedding lookup).
   */
  public static Tensor gather(Tensor params, Tensor indices, int axis) {
    return new Gather(Shapes.axis(axis, params.rank(), "GatherV2")).apply(params, indices);
  }

  /** {@code tf.cast}: float to int truncates toward zero, anything to BOOL is {@code != 0}, BOOL to a number 1 / 0. */
  public static Tensor cast(Tensor x, DType dtype) {
    return new Cast(dtype).apply(x);
  }

  /** Elementwise {@code a == b} (broadcasting, same dtypes): BOOL. */
  public static Tensor equal(Tensor a, Tensor b) {
    return Compare.of(Compare.Fn.EQUAL).apply(a, b);
  }

  /** Elementwise {@code a == b} against a scalar of {@code a}'s dtype. */
  public static Tensor equal(Tensor a, float b) {
    return equal(a, scalarLike(a, b));
  }

  /** Elementwise {@code a != b} (broadcasting, same dtypes): BOOL. */
  public static Tensor notEqual(Tensor a, Tensor b) {
    return Compare.of(Compare.Fn.NOT_EQUAL).apply(a, b);
  }

  /** Elementwise {@code a != b} against a scalar of {@code a}'s dtype ({@code notEqual(tokens, 0)}). */
  public static Tensor notEqual(Tensor a, float b) {
    return notEqual(a, scalarLike(a, b));
  }

  public static Tensor less(Tensor a, Tensor b) {
    return Compare.of(Compare.Fn.LESS).apply(a, b);
  }

  public static Tensor lessEqual(Tensor a, Tensor b) {
    return Compare.of(Compare.Fn.LESS_EQUAL).apply(a, b);
  }

  public static Tensor greater(Tensor a, Tensor b) {
    return Compare.of(Compare.Fn.GREATER).apply(a, b);
  }

  public static Tensor greaterEqual(Tensor a, Tensor b) {
    return Compare.of(Compare.Fn.GREATER_EQUAL).apply(a, b);
  }

  /** Elementwise logical and of two BOOL tensors (broadcasting). */
  public static Tensor logicalAnd(Tensor a, Tensor b) {
    return Logical.of(Logical.Fn.AND).apply(a, b);
  }

  /** Elementwise logical or of two BOOL tensors (broadcasting). */
  public static Tensor logicalOr(Tensor a, Tensor b) {
    return Logical.of(Logical.Fn.OR).apply(a, b);
  }

  public static Tensor logicalNot(Tensor a) {
    return Logical.of(Logical.Fn.NOT).apply(a);
  }

  /** {@code tf.where(cond, a, b)}: {@code a} where the BOOL {@code cond} holds, else {@code b}; all three broadcast. */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    return Select.INSTANCE.apply(cond, a, b);
  }

  /** {@code where} with a scalar {@code b} of {@code a}'s dtype ({@code where(mask, x, 0)}). */
  public static Tensor where(Tensor cond, Tensor a, float b) {
    return where(cond, a, scalarLike(a, b));
  }

  /**
   * INT32 {@code [x.dim(axis)]} holding {@code 0 .. x.dim(axis) - 1}, known at run time: {@code range(x, 1)} of
   * {@code [batch, time, d]} is {@code [time]}, the positions for a position embedding.
   */
  public static Tensor range(Tensor x, int axis) {
    return new Range(Shapes.axis(axis, x.rank(), "Range")).apply(x);
  }

  /** A new axis of size 1 at {@code axis} (negative counts from the end of the result). */
  public static Tensor expandDims(Tensor x, int axis) {
    return new ExpandDims(Shapes.axis(axis, x.rank() + 1, "ExpandDims")).apply(x);
  }

  /** Removes {@code axis}, which must have size 1. */
  public static Tensor squeeze(Tensor x, int axis) {
    return new Squeeze(new int[] {Shapes.axis(axis, x.rank(), "Squeeze")}).apply(x);
  }

  /** Whether any element along {@code axis} of a BOOL tensor is true ({@code tf.reduce_any}). */
  public static Tensor any(Tensor x, int axis, boolean keepDims) {
    return new BoolReduce(false, new int[] {Shapes.axis(axis, x.rank(), "Any")}, keepDims).apply(x);
  }

  /** Whether every element along {@code axis} of a BOOL tensor is true ({@code tf.reduce_all}). */
  public static Tensor all(Tensor x, int axis, boolean keepDims) {
    return new BoolReduce(true, new int[] {Shapes.axis(axis, x.rank(), "All")}, keepDims).apply(x);
  }

  /** {@code x} with the order of {@code axis} reversed ({@code ops.flip}). */
  public static Tensor reverse(Tensor x, int axis) {
    return new Reverse(Shapes.axis(axis, x.rank(), "ReverseV2")).apply(x);
  }

  /** Ones (BOOL: true) of {@code x}'s shape in {@code dtype}; {@code x} is read for its shape only. */
  public static Tensor onesLike(Tensor x, DType dtype) {
    return new OnesLike(dtype).apply(x);
  }

  /** {@code x} repeated to the shape of {@code like} (NumPy broadcasting); {@code like} is read for its shape only. */
  public static Tensor broadcastTo(Tensor x, Tensor like) {
    return BroadcastTo.INSTANCE.apply(x, like);
  }

  /** A scalar of {@code like}'s dtype: a float, or the int {@code value} is exactly. */
  private static Tensor scalarLike(Tensor like, float value) {
    if (like.dtype() == DType.FLOAT32) return Tensor.scalar(value);
    if (value != (int) value) {
      throw new IllegalArgumentException("cannot compare the " + like.dtype().kerasName() + " tensor " + like
          + " with the fraction " + value);
    }
    if (like.dtype() == DType.BOOL) return Tensor.ofBooleans(new boolean[] {value != 0});
    return Tensor.ofInts(new int[] {(int) value});
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  /** The float values of a concrete tensor (the backing array when it is float32). */
  static float[] floats(Tensor t) {
    return t.dtype() == DType.FLOAT32 ? t.floatBuffer() : t.toFloatArray();
  }
}

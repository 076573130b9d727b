package dev.kiln.conformance;

import static dev.kiln.conformance.Cases.s;

import dev.kiln.Ops;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Every {@link dev.kiln.Ops} op, eagerly, against the TensorFlow op (or, where TF Java has no such op, Keras'
 * formula written with TF primitive ops) over grids of shapes, axes, broadcasting pairs and batch sizes. The
 * metric and the seeds are described in {@link Check}.
 */
class OpConformanceTest {
  @AfterAll
  static void report() {
    Check.report();
  }

  /** Shapes for elementwise ops: scalar, vectors, and batched ranks 2-4 with batch 1, 2 and 5. */
  static final int[][] ELEMENTWISE_SHAPES = {
    {}, {1}, {9}, {1, 6}, {2, 7}, {5, 3}, {2, 3, 4}, {5, 1, 8}, {1, 4, 3, 2}, {2, 3, 4, 5}, {5, 2, 2, 3},
  };

  /** Inputs with a wide spread plus fixed edge values (0, ±tiny, saturation range) in front. */
  static Tensor activationInput(Random r, int[] shape) {
    float[] edges = {0f, -0f, 1e-6f, -1e-6f, 1f, -1f, 6f, -6f, 25f, -25f, 60f, -60f};
    Tensor g = Check.gaussian(r, shape);
    float[] d = g.toFloatArray();
    for (int i = 0; i < d.length; i++) d[i] = i < edges.length && d.length >= 20 ? edges[i] : 3f * d[i];
    return Tensor.of(d, shape);
  }

  record Unary(String name, Function<Tensor, Tensor> kiln, BiFunction<Tf, Operand<TFloat32>, Operand<TFloat32>> tf,
      boolean positive) {}

  /**
   * Keras formulas that TF Java has no single op for are evaluated in float64 and rounded once to float32, so
   * the oracle does not add float32 cancellation of its own (as in {@code 1 + tanh(z)} for negative {@code z}).
   */
  static Operand<TFloat32> inDouble(Tf t, Operand<TFloat32> x,
      java.util.function.UnaryOperator<Operand<TFloat64>> formula) {
    return t.tf.dtypes.cast(formula.apply(t.tf.dtypes.cast(x, TFloat64.class)), TFloat32.class);
  }

  static Operand<TFloat32> geluExact(Tf t, Operand<TFloat32> x32) {
    var tf = t.tf;
    // Keras: 0.5 * x * (1 + erf(x / sqrt(2)))
    return inDouble(t, x32, x -> tf.math.mul(tf.math.mul(tf.constant(0.5), x),
        tf.math.add(tf.constant(1.0), tf.math.erf(tf.math.mul(x, tf.constant(0.7071067811865476))))));
  }

  static Operand<TFloat32> geluTanh(Tf t, Operand<TFloat32> x32) {
    var tf = t.tf;
    // Keras: 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    return inDouble(t, x32, x -> {
      Operand<TFloat64> cube = tf.math.mul(tf.math.mul(x, x), x);
      Operand<TFloat64> inner = tf.math.mul(tf.constant(0.7978845608028654),
          tf.math.add(x, tf.math.mul(tf.constant(0.044715), cube)));
      return tf.math.mul(tf.math.mul(tf.constant(0.5), x), tf.math.add(tf.constant(1.0), tf.math.tanh(inner)));
    });
  }

  static Operand<TFloat32> silu(Tf t, Operand<TFloat32> x32) {
    return inDouble(t, x32, x -> t.tf.math.mul(x, t.tf.math.sigmoid(x)));
  }

  /** ELU with any alpha: {@code relu(x) + alpha * elu(min(x, 0))} (TF's Elu op has alpha 1 only). */
  static Operand<TFloat32> elu(Tf t, Operand<TFloat32> x, float alpha) {
    var tf = t.tf;
    return tf.math.add(tf.nn.relu(x), tf.math.mul(t.scalar(alpha), tf.nn.elu(tf.math.minimum(x, t.scalar(0f)))));
  }

  /** Keras 3 hard sigmoid {@code relu6(x + 3) / 6}. */
  static Operand<TFloat32> hardSigmoid(Tf t, Operand<TFloat32> x32) {
    return inDouble(t, x32, x -> hardSigmoid64(t, x));
  }

  static Operand<TFloat64> hardSigmoid64(Tf t, Operand<TFloat64> x) {
    return t.tf.math.div(t.tf.nn.relu6(t.tf.math.add(x, t.tf.constant(3.0))), t.tf.constant(6.0));
  }

  static Operand<TFloat32> hardSilu(Tf t, Operand<TFloat32> x32) {
    return inDouble(t, x32, x -> t.tf.math.mul(x, hardSigmoid64(t, x)));
  }

  static final List<Unary> UNARY = List.of(
      new Unary("Relu", Ops::relu, (t, x) -> t.tf.nn.relu(x), false),
      new Unary("Relu6", Ops::relu6, (t, x) -> t.tf.nn.relu6(x), false),
      new Unary("Sigmoid", Ops::sigmoid, (t, x) -> t.tf.math.sigmoid(x), false),
      new Unary("Tanh", Ops::tanh, (t, x) -> t.tf.math.tanh(x), false),
      new Unary("Elu", Ops::elu, (t, x) -> t.tf.nn.elu(x), false),
      new Unary("Elu(alpha=0.5)", x -> Ops.elu(x, 0.5f), (t, x) -> elu(t, x, 0.5f), false),
      new Unary("Elu(alpha=2)", x -> Ops.elu(x, 2f), (t, x) -> elu(t, x, 2f), false),
      new Unary("LeakyRelu(default)", Ops::leakyRelu, (t, x) -> t.tf.nn.leakyRelu(x), false),
      new Unary("LeakyRelu(alpha=0.01)", x -> Ops.leakyRelu(x, 0.01f),
          (t, x) -> t.tf.nn.leakyRelu(x, LeakyRelu.alpha(0.01f)), false),
      new Unary("LeakyRelu(alpha=0.3)", x -> Ops.leakyRelu(x, 0.3f),
          (t, x) -> t.tf.nn.leakyRelu(x, LeakyRelu.alpha(0.3f)), false),
      new Unary("Softplus", Ops::softplus, (t, x) -> t.tf.math.softplus(x), false),
      new Unary("Gelu(exact)", Ops::gelu, OpConformanceTest::geluExact, false),
      new Unary("Gelu(approximate)", x -> Ops.gelu(x, true), OpConformanceTest::geluTanh, false),
      new Unary("Silu", Ops::silu, OpConformanceTest::silu, false),
      new Unary("HardSigmoid", Ops::hardSigmoid, OpConformanceTest::hardSigmoid, false),
      new Unary("HardSilu", Ops::hardSilu, OpConformanceTest::hardSilu, false),
      new Unary("Softsign", Ops::softsign, (t, x) -> t.tf.nn.softsign(x), false),
      new Unary("Exponential", Ops::exponential, (t, x) -> t.tf.math.exp(x), false),
      new Unary("Exp", Ops::exp, (t, x) -> t.tf.math.exp(x), false),
      new Unary("Log", Ops::log, (t, x) -> t.tf.math.log(x), true),
      new Unary("Sqrt", Ops::sqrt, (t, x) -> t.tf.math.sqrt(x), true),
      new Unary("Square", Ops::square, (t, x) -> t.tf.math.square(x), false),
      new Unary("Abs", Ops::abs, (t, x) -> t.tf.math.abs(x), false),
      new Unary("Neg", Ops::negate, (t, x) -> t.tf.math.neg(x), false),
      new Unary("Identity", Ops::identity, (t, x) -> t.tf.identity(x), false));

  @TestFactory
  List<DynamicTest> unary() {
    List<DynamicTest> cases = new ArrayList<>();
    for (Unary u : UNARY) {
      for (int[] shape : ELEMENTWISE_SHAPES) {
        String name = u.name() + " " + s(shape);
        Random r = Check.random(name);
        Tensor x;
        if (u.positive()) x = Check.uniform(r, 1e-3f, 20f, shape);
        else if (u.name().startsWith("Exp")) x = Check.uniform(r, -8f, 8f, shape);
        else x = activationInput(r, shape);
        cases.add(Cases.of(u.name(), s(shape), () -> u.kiln().apply(x), t -> u.tf().apply(t, t.placeholder(x))));
      }
    }
    return cases;
  }

  // ---- binary ops with broadcasting ------------------------------------------------------------------------

  record Binary(String name, BiFunction<Tensor, Tensor, Tensor> kiln,
      java.util.function.BiFunction<Tf, List<Operand<TFloat32>>, Operand<TFloat32>> tf) {}

  static final List<Binary> BINARY = List.of(
      new Binary("Add", Ops::add, (t, o) -> t.tf.math.add(o.get(0), o.get(1))),
      new Binary("Sub", Ops::subtract, (t, o) -> t.tf.math.sub(o.get(0), o.get(1))),
      new Binary("Mul", Ops::multiply, (t, o) -> t.tf.math.mul(o.get(0), o.get(1))),
      new Binary("Div", Ops::divide, (t, o) -> t.tf.math.div(o.get(0), o.get(1))),
      new Binary("Maximum", Ops::maximum, (t, o) -> t.tf.math.maximum(o.get(0), o.get(1))),
      new Binary("Minimum", Ops::minimum, (t, o) -> t.tf.math.minimum(o.get(0), o.get(1))));

  /** NumPy broadcasting pairs: equal, trailing vector, ones on either side, scalars, rank differences. */
  static final int[][][] BROADCAST_PAIRS = {
    {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{3}, {2, 3}}, {{2, 3}, {1, 3}}, {{2, 1}, {1, 3}}, {{2, 3}, {2, 1}},
    {{}, {2, 3}}, {{2, 3}, {}}, {{}, {}}, {{4, 1, 5}, {3, 1}}, {{2, 3, 4}, {2, 1, 4}}, {{1}, {5, 1, 1}},
    {{5, 2, 3, 4}, {4}}, {{5, 2, 3, 4}, {1, 2, 1, 4}}, {{1, 1, 3, 1}, {2, 1, 1, 6}}, {{1, 7}, {5, 7}},
  };

  /** Divisors bounded away from 0: sign * U(0.25, 2). */
  static Tensor awayFromZero(Random r, int[] shape) {
    float[] d = new float[Check.size(shape)];
    for (int i = 0; i < d.length; i++) d[i] = (r.nextBoolean() ? 1 : -1) * (0.25f + 1.75f * r.nextFloat());
    return Tensor.of(d, shape);
  }

  @TestFactory
  List<DynamicTest> binaryBroadcasting() {
    List<DynamicTest> cases = new ArrayList<>();
    for (Binary b : BINARY) {
      for (int[][] pair : BROADCAST_PAIRS) {
        String name = s(pair[0]) + " ⊕ " + s(pair[1]);
        Random r = Check.random(b.name() + name);
        Tensor x = Check.gaussian(r, pair[0]);
        Tensor y = b.name().equals("Div") ? awayFromZero(r, pair[1]) : Check.gaussian(r, pair[1]);
        cases.add(Cases.of(b.name(), name, () -> b.kiln().apply(x, y),
            t -> b.tf().apply(t, List.of(t.placeholder(x), t.placeholder(y)))));
      }
    }
    // Equal values (ties) for Maximum / Minimum.
    Tensor a = Tensor.of(new float[] {1, 2, 3, -0f, 0f, 5}, 2, 3);
    Tensor c = Tensor.of(new float[] {1, 0, 4, 0f, -0f, 5}, 2, 3);
    for (Binary b : BINARY.subList(4, 6)) {
      cases.add(Cases.of(b.name(), "ties", () -> b.kiln().apply(a, c),
          t -> b.tf().apply(t, List.of(t.placeholder(a), t.placeholder(c)))));
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> scalarOperands() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : new int[][] {{}, {4}, {2, 3}, {2, 3, 4}}) {
      Random r = Check.random("scalar" + s(shape));
      Tensor x = Check.gaussian(r, shape);
      Tensor nz = awayFromZero(r, shape);
      float k = 2.5f;
      String n = s(shape);
      cases.add(Cases.of("Add", "x + 2.5 " + n, () -> Ops.add(x, k), t -> t.tf.math.add(t.placeholder(x), t.scalar(k))));
      cases.add(Cases.of("Add", "2.5 + x " + n, () -> Ops.add(k, x), t -> t.tf.math.add(t.scalar(k), t.placeholder(x))));
      cases.add(Cases.of("Sub", "x - 2.5 " + n, () -> Ops.subtract(x, k), t -> t.tf.math.sub(t.placeholder(x), t.scalar(k))));
      cases.add(Cases.of("Sub", "2.5 - x " + n, () -> Ops.subtract(k, x), t -> t.tf.math.sub(t.scalar(k), t.placeholder(x))));
      cases.add(Cases.of("Mul", "x * 2.5 " + n, () -> Ops.multiply(x, k), t -> t.tf.math.mul(t.placeholder(x), t.scalar(k))));
      cases.add(Cases.of("Mul", "2.5 * x " + n, () -> Ops.multiply(k, x), t -> t.tf.math.mul(t.scalar(k), t.placeholder(x))));
      cases.add(Cases.of("Div", "x / 2.5 " + n, () -> Ops.divide(x, k), t -> t.tf.math.div(t.placeholder(x), t.scalar(k))));
      cases.add(Cases.of("Div", "2.5 / x " + n, () -> Ops.divide(k, nz), t -> t.tf.math.div(t.scalar(k), t.placeholder(nz))));
      cases.add(Cases.of("Maximum", "max(x, 0.3) " + n, () -> Ops.maximum(x, 0.3f),
          t -> t.tf.math.maximum(t.placeholder(x), t.scalar(0.3f))));
      cases.add(Cases.of("Minimum", "min(x, 0.3) " + n, () -> Ops.minimum(x, 0.3f),
          t -> t.tf.math.minimum(t.placeholder(x), t.scalar(0.3f))));
    }
    return cases;
  }

  // ---- linear algebra --------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> matmul() {
    List<DynamicTest> cases = new ArrayList<>();
    int[] ms = {1, 3, 17};
    int[] ks = {1, 8, 65, 300};
    int[] ns = {1, 5, 33};
    for (int m : ms) {
      for (int k : ks) {
        for (int n : ns) {
          addMatmul(cases, new int[] {m, k}, new int[] {k, n});
        }
      }
    }
    // Rank-3 and rank-4 inputs times a rank-2 kernel (Dense on sequences), batch 1, 2, 5.
    for (int b : new int[] {1, 2, 5}) {
      addMatmul(cases, new int[] {b, 4, 16}, new int[] {16, 7});
      addMatmul(cases, new int[] {b, 1, 33}, new int[] {33, 2});
      addMatmul(cases, new int[] {b, 3, 2, 9}, new int[] {9, 4});
      // Batched equal-rank products.
      addMatmul(cases, new int[] {b, 4, 16}, new int[] {b, 16, 7});
      addMatmul(cases, new int[] {b, 9, 70}, new int[] {b, 70, 3});
      addMatmul(cases, new int[] {b, 2, 3, 5}, new int[] {b, 2, 5, 6});
    }
    addMatmul(cases, new int[] {64, 128}, new int[] {128, 96});
    return cases;
  }

  private static void addMatmul(List<DynamicTest> cases, int[] as, int[] bs) {
    String name = s(as) + " x " + s(bs);
    Random r = Check.random("MatMul" + name);
    Tensor a = Check.gaussian(r, as);
    Tensor b = Check.gaussian(r, bs);
    cases.add(Cases.of("MatMul", name, () -> Ops.matmul(a, b), t -> as.length == 2
        ? t.tf.linalg.matMul(t.placeholder(a), t.placeholder(b))
        : t.tf.train.batchMatMul(t.placeholder(a), t.placeholder(b), TFloat32.class)));
  }

  @TestFactory
  List<DynamicTest> biasAdd() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : new int[][] {{1, 5}, {2, 5}, {5, 1}, {3, 4, 5}, {2, 3, 4, 5}, {5, 2, 2, 9}}) {
      Random r = Check.random("BiasAdd" + s(shape));
      Tensor x = Check.gaussian(r, shape);
      Tensor bias = Check.gaussian(r, shape[shape.length - 1]);
      cases.add(Cases.of("BiasAdd", s(shape), () -> Ops.biasAdd(x, bias),
          t -> t.tf.nn.biasAdd(t.placeholder(x), t.placeholder(bias))));
    }
    return cases;
  }

  // ---- softmax over every axis -----------------------------------------------------------------------------

  /** {@code tf.nn.softmax(x, axis)}: TF's Softmax op works on the last axis, so transpose around it. */
  static Operand<TFloat32> softmax(Tf t, Operand<TFloat32> x, int rank, int axis) {
    int ax = axis < 0 ? axis + rank : axis;
    if (ax == rank - 1) return t.tf.nn.softmax(x);
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) perm[i] = i;
    perm[ax] = rank - 1;
    perm[rank - 1] = ax;
    return t.tf.linalg.transpose(t.tf.nn.softmax(t.tf.linalg.transpose(x, t.ints(perm))), t.ints(perm));
  }

  @TestFactory
  List<DynamicTest> softmaxAxes() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : new int[][] {{5}, {1, 1}, {2, 7}, {3, 4, 5}, {2, 3, 4, 5}, {5, 1, 10}}) {
      for (int axis = -shape.length; axis < shape.length; axis++) {
        for (float scale : new float[] {1f, 40f}) {
          String name = s(shape) + " axis " + axis + (scale != 1f ? " logits*" + scale : "");
          Random r = Check.random("Softmax" + name);
          Tensor x = Ops.multiply(Check.gaussian(r, shape), scale);
          int ax = axis;
          cases.add(Cases.of("Softmax", name, () -> Ops.softmax(x, ax), t -> softmax(t, t.placeholder(x), shape.length, ax)));
        }
      }
      Random r = Check.random("Softmax default" + s(shape));
      Tensor x = Check.gaussian(r, shape);
      cases.add(Cases.of("Softmax", s(shape) + " default axis", () -> Ops.softmax(x),
          t -> t.tf.nn.softmax(t.placeholder(x))));
    }
    return cases;
  }

  // ---- clip, concat, reshape, transpose ------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> clipByValue() {
    List<DynamicTest> cases = new ArrayList<>();
    float[][] bounds = {{-1, 1}, {0, 6}, {-0.5f, 0.25f}, {2, 3}, {-3, -2}, {0, 0}};
    for (int[] shape : new int[][] {{}, {9}, {2, 3, 4}}) {
      for (float[] mm : bounds) {
        String name = s(shape) + " [" + mm[0] + ", " + mm[1] + "]";
        Tensor x = Ops.multiply(Check.gaussian(Check.random("Clip" + name), shape), 3f);
        cases.add(Cases.of("ClipByValue", name, () -> Ops.clip(x, mm[0], mm[1]),
            t -> t.tf.clipByValue(t.placeholder(x), t.scalar(mm[0]), t.scalar(mm[1]))));
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> concat() {
    List<DynamicTest> cases = new ArrayList<>();
    int[][] bases = {{4}, {2, 3}, {2, 3, 4}, {2, 1, 3, 2}};
    for (int[] base : bases) {
      for (int axis = -base.length; axis < base.length; axis++) {
        int ax = axis < 0 ? axis + base.length : axis;
        for (int n : new int[] {1, 2, 3}) {
          Tensor[] xs = new Tensor[n];
          Random r = Check.random("Concat" + s(base) + axis + n);
          for (int i = 0; i < n; i++) {
            int[] shape = base.clone();
            shape[ax] = 1 + i; // differing sizes along the axis
            xs[i] = Check.gaussian(r, shape);
          }
          int axisF = axis;
          cases.add(Cases.of("ConcatV2", n + " x " + s(base) + " axis " + axis, () -> Ops.concat(axisF, xs), t -> {
            List<Operand<TFloat32>> ops = new ArrayList<>();
            for (Tensor x : xs) ops.add(t.placeholder(x));
            // TF's ConcatV2 needs N >= 2; tf.concat of one tensor is that tensor.
            return ops.size() == 1 ? t.tf.identity(ops.get(0)) : t.tf.concat(ops, t.tf.constant(axisF));
          }));
        }
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> reshape() {
    List<DynamicTest> cases = new ArrayList<>();
    int[] in = {2, 3, 4};
    int[][] targets = {{6, 4}, {-1, 12}, {2, -1}, {24}, {-1}, {4, 3, 2}, {1, 24, 1}, {2, 3, 2, 2}, {3, -1, 2}};
    for (int[] target : targets) {
      Tensor x = Check.gaussian(Check.random("Reshape" + s(target)), in);
      cases.add(Cases.of("Reshape", s(in) + " -> " + s(target), () -> Ops.reshape(x, target),
          t -> t.tf.reshape(t.placeholder(x), t.ints(target))));
    }
    for (int b : new int[] {1, 2, 5}) {
      Tensor x = Check.gaussian(Check.random("Flatten" + b), b, 3, 4, 2);
      cases.add(Cases.of("Reshape", "flatten " + s(x.shape()), () -> Ops.flatten(x),
          t -> t.tf.reshape(t.placeholder(x), t.ints(b, -1))));
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> transpose() {
    List<DynamicTest> cases = new ArrayList<>();
    int[][] perms = {
      {0, 1}, {1, 0}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}, {0, 1, 2},
      {0, 3, 1, 2}, {0, 2, 3, 1}, {3, 2, 1, 0}, {1, 0, 3, 2}, {0, -1, -3, -2},
    };
    for (int[] perm : perms) {
      int[] shape = new int[perm.length];
      for (int i = 0; i < shape.length; i++) shape[i] = 2 + i;
      Tensor x = Check.gaussian(Check.random("Transpose" + s(perm)), shape);
      int[] positive = perm.clone();
      for (int i = 0; i < positive.length; i++) if (positive[i] < 0) positive[i] += perm.length;
      cases.add(Cases.of("Transpose", s(shape) + " perm " + s(perm), () -> Ops.transpose(x, perm),
          t -> t.tf.linalg.transpose(t.placeholder(x), t.ints(positive))));
    }
    Tensor x = Check.gaussian(Check.random("Transpose reverse"), 2, 3, 4);
    cases.add(Cases.of("Transpose", "[2, 3, 4] no perm (reverse)", () -> Ops.transpose(x),
        t -> t.tf.linalg.transpose(t.placeholder(x), t.ints(2, 1, 0))));
    return cases;
  }

  // ---- reductions, argmax -------------------------------------------------------------------------------

  static final int[][] REDUCE_SHAPES = {{7}, {3, 5}, {2, 3, 4}, {2, 3, 4, 5}, {1, 300}, {5, 1, 2}};

  @TestFactory
  List<DynamicTest> reductions() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : REDUCE_SHAPES) {
      for (int axis = -shape.length; axis < shape.length; axis++) {
        for (boolean keep : new boolean[] {false, true}) {
          String name = s(shape) + " axis " + axis + (keep ? " keepDims" : "");
          Tensor x = Check.gaussian(Check.random("Reduce" + name), shape);
          int ax = axis;
          cases.add(Cases.of("Mean", name, () -> Ops.mean(x, ax, keep),
              t -> t.tf.math.mean(t.placeholder(x), t.tf.constant(ax), Mean.keepDims(keep))));
          cases.add(Cases.of("Sum", name, () -> Ops.sum(x, ax, keep),
              t -> t.tf.sum(t.placeholder(x), t.tf.constant(ax), Sum.keepDims(keep))));
          cases.add(Cases.of("Max", name, () -> Ops.max(x, ax, keep),
              t -> t.tf.max(t.placeholder(x), t.tf.constant(ax), Max.keepDims(keep))));
        }
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> multiAxisReductions() {
    List<DynamicTest> cases = new ArrayList<>();
    int[] shape = {2, 3, 4, 5};
    int[][] axesGrid = {{1, 2}, {0, 3}, {-1, -2}, {0, 1, 2, 3}, {2}, {1, 3}, {-3, 2}};
    for (int[] axes : axesGrid) {
      for (boolean keep : new boolean[] {false, true}) {
        String name = s(shape) + " axes " + s(axes) + (keep ? " keepDims" : "");
        Tensor x = Check.gaussian(Check.random("ReduceAxes" + name), shape);
        cases.add(Cases.of("Mean", name, () -> Ops.mean(x, axes, keep),
            t -> t.tf.math.mean(t.placeholder(x), t.ints(axes), Mean.keepDims(keep))));
        cases.add(Cases.of("Sum", name, () -> Ops.sum(x, axes, keep),
            t -> t.tf.sum(t.placeholder(x), t.ints(axes), Sum.keepDims(keep))));
        cases.add(Cases.of("Max", name, () -> Ops.max(x, axes, keep),
            t -> t.tf.max(t.placeholder(x), t.ints(axes), Max.keepDims(keep))));
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> argmax() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : REDUCE_SHAPES) {
      for (int axis = -shape.length; axis < shape.length; axis++) {
        Tensor x = Check.gaussian(Check.random("ArgMax" + s(shape) + axis), shape);
        int ax = axis;
        cases.add(Cases.of("ArgMax", s(shape) + " axis " + axis, () -> Ops.argmax(x, ax),
            t -> t.tf.math.argMax(t.placeholder(x), t.tf.constant(ax), TInt32.class)));
      }
    }
    // Ties: small integers, so many rows have equal maxima; both pick the first.
    Random r = new Random(Check.seedOf("ArgMax ties"));
    float[] d = new float[4 * 6];
    for (int i = 0; i < d.length; i++) d[i] = r.nextInt(3);
    Tensor ties = Tensor.of(d, 4, 6);
    for (int axis : new int[] {0, 1}) {
      cases.add(Cases.of("ArgMax", "ties axis " + axis, () -> Ops.argmax(ties, axis),
          t -> t.tf.math.argMax(t.placeholder(ties), t.tf.constant(axis), TInt32.class)));
    }
    return cases;
  }

  // ---- pad, slice -----------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> pad() {
    List<DynamicTest> cases = new ArrayList<>();
    int[][][] grid = {
      {{3}, {1, 2}}, {{3}, {0, 0}}, {{2, 3}, {1, 1, 0, 2}}, {{2, 3}, {0, 0, 3, 0}},
      {{2, 3, 4}, {0, 1, 2, 0, 1, 1}}, {{1, 4, 4, 2}, {0, 0, 1, 1, 1, 1, 0, 0}}, {{1, 4, 4, 2}, {0, 0, 0, 1, 2, 0, 0, 0}},
    };
    for (int[][] g : grid) {
      int[] shape = g[0];
      int[] flat = g[1];
      int[][] paddings = new int[shape.length][2];
      for (int d = 0; d < shape.length; d++) paddings[d] = new int[] {flat[2 * d], flat[2 * d + 1]};
      for (float value : new float[] {0f, -1.5f}) {
        String name = s(shape) + " paddings " + s(flat) + " value " + value;
        Tensor x = Check.gaussian(Check.random("Pad" + name), shape);
        cases.add(Cases.of("Pad", name, () -> value == 0f ? Ops.pad(x, paddings) : Ops.pad(x, paddings, value),
            t -> t.tf.pad(t.placeholder(x), t.ints(flat, shape.length, 2), t.scalar(value))));
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> slice() {
    List<DynamicTest> cases = new ArrayList<>();
    int[][][] grid = {
      {{7}, {2}, {3}}, {{7}, {0}, {-1}}, {{7}, {6}, {1}}, {{3, 5}, {1, 2}, {2, 3}}, {{3, 5}, {0, 1}, {-1, 2}},
      {{2, 3, 4}, {1, 0, 1}, {1, -1, 2}}, {{2, 3, 4}, {0, 0, 0}, {2, 3, 4}}, {{2, 3, 4, 5}, {0, 1, 1, 2}, {-1, 2, 3, -1}},
    };
    for (int[][] g : grid) {
      String name = s(g[0]) + " begin " + s(g[1]) + " size " + s(g[2]);
      Tensor x = Check.gaussian(Check.random("Slice" + name), g[0]);
      cases.add(Cases.of("Slice", name, () -> Ops.slice(x, g[1], g[2]),
          t -> t.tf.slice(t.placeholder(x), t.ints(g[1]), t.ints(g[2]))));
    }
    return cases;
  }
}

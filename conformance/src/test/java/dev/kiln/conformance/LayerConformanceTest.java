package dev.kiln.conformance;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.conformance.Cases.s;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.layers.ActivationLayer;
import dev.kiln.layers.Add;
import dev.kiln.layers.Average;
import dev.kiln.layers.Concatenate;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.Maximum;
import dev.kiln.layers.Minimum;
import dev.kiln.layers.Multiply;
import dev.kiln.layers.Permute;
import dev.kiln.layers.ReLU;
import dev.kiln.layers.Reshape;
import dev.kiln.layers.Softmax;
import dev.kiln.layers.Subtract;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.tensorflow.Operand;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/**
 * The built-in layers of {@code dev.kiln.layers}, eagerly (built by {@code apply}, weights given with
 * {@code loadWeights}), against the TensorFlow ops a Keras layer of the same configuration runs. Metric and seeds:
 * {@link Check}.
 */
class LayerConformanceTest {
  @AfterAll
  static void report() {
    Check.report();
  }

  /** The TF computation of a Keras activation function with its Keras defaults. */
  static Operand<TFloat32> activation(Tf t, Operand<TFloat32> x, Activation a) {
    switch (a) {
      case LINEAR: return t.tf.identity(x); // (a fed placeholder cannot be fetched)
      case RELU: return t.tf.nn.relu(x);
      case RELU6: return t.tf.nn.relu6(x);
      case SIGMOID: return t.tf.math.sigmoid(x);
      case TANH: return t.tf.math.tanh(x);
      case SOFTMAX: return t.tf.nn.softmax(x);
      case GELU: return OpConformanceTest.geluExact(t, x);
      case GELU_APPROXIMATE: return OpConformanceTest.geluTanh(t, x);
      case SILU: return OpConformanceTest.silu(t, x);
      case HARD_SIGMOID: return OpConformanceTest.hardSigmoid(t, x);
      case HARD_SILU: return OpConformanceTest.hardSilu(t, x);
      case ELU: return t.tf.nn.elu(x);
      case LEAKY_RELU: return t.tf.nn.leakyRelu(x, LeakyRelu.alpha(0.2f)); // keras.activations.leaky_relu
      case SOFTPLUS: return t.tf.math.softplus(x);
      case SOFTSIGN: return t.tf.nn.softsign(x);
      case EXPONENTIAL: return t.tf.math.exp(x);
      default: throw new AssertionError("no TF reference for activation " + a + ": add one here");
    }
  }

  static <L extends AbstractLayer> L withWeights(L layer, Map<String, Tensor> weights) {
    layer.loadWeights("", Weights.of(weights));
    return layer;
  }

  // ---- Dense -----------------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> dense() {
    List<DynamicTest> cases = new ArrayList<>();
    int[][] inputs = {{1, 1}, {2, 7}, {5, 64}, {1, 3, 7}, {2, 4, 16}, {5, 1, 9}, {2, 3, 2, 5}};
    int[] unitsGrid = {1, 3, 32};
    for (int[] in : inputs) {
      for (int units : unitsGrid) {
        for (Activation a : Activation.values()) {
          for (boolean useBias : new boolean[] {true, false}) {
            if (!useBias && a != Activation.LINEAR && a != Activation.RELU) continue;
            String name = s(in) + " units " + units + " " + a + (useBias ? "" : " no bias");
            Random r = Check.random("Dense" + name);
            Tensor x = Check.gaussian(r, in);
            int fanIn = in[in.length - 1];
            Tensor kernel = Check.uniform(r, -1f, 1f, fanIn, units);
            Tensor bias = Check.gaussian(r, units);
            Map<String, Tensor> w = new LinkedHashMap<>();
            w.put("kernel", kernel);
            if (useBias) w.put("bias", bias);
            cases.add(Cases.of("Dense", name,
                () -> withWeights(new Dense(units).activation(a).useBias(useBias), w).apply(x),
                t -> denseTf(t, t.placeholder(x), in, t.constant(kernel), useBias ? t.constant(bias) : null, a)));
          }
        }
      }
    }
    return cases;
  }

  /** Keras Dense: tensordot (reshape to 2-D, MatMul, reshape back), BiasAdd, activation. */
  static Operand<TFloat32> denseTf(Tf t, Operand<TFloat32> x, int[] in, Operand<TFloat32> kernel,
      Operand<TFloat32> bias, Activation a) {
    int fanIn = in[in.length - 1];
    Operand<TFloat32> y;
    if (in.length == 2) {
      y = t.tf.linalg.matMul(x, kernel);
    } else {
      int units = (int) kernel.shape().get(1);
      int[] outShape = in.clone();
      outShape[in.length - 1] = units;
      y = t.tf.reshape(t.tf.linalg.matMul(t.tf.reshape(x, t.ints(-1, fanIn)), kernel), t.ints(outShape));
    }
    if (bias != null) y = t.tf.nn.biasAdd(y, bias);
    return activation(t, y, a);
  }

  // ---- activation layers ----------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> activationLayer() {
    List<DynamicTest> cases = new ArrayList<>();
    for (Activation a : Activation.values()) {
      for (int[] shape : new int[][] {{1, 5}, {2, 3, 4}, {5, 2, 2, 3}}) {
        String name = a + " " + s(shape);
        Tensor x = OpConformanceTest.activationInput(Check.random("Activation" + name), shape);
        cases.add(Cases.of("ActivationLayer", name, () -> new ActivationLayer(a).apply(x),
            t -> activation(t, t.placeholder(x), a)));
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> reluLayer() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : new int[][] {{2, 9}, {5, 3, 4}}) {
      Tensor x = Tensor.of(Check.uniform(Check.random("ReLU" + s(shape)), -8f, 8f, shape).toFloatArray(), shape);
      String n = " " + s(shape);
      cases.add(Cases.of("ReLU", "default" + n, () -> new ReLU().apply(x), t -> t.tf.nn.relu(t.placeholder(x))));
      cases.add(Cases.of("ReLU", "maxValue 6" + n, () -> new ReLU(6f).apply(x), t -> t.tf.nn.relu6(t.placeholder(x))));
      cases.add(Cases.of("ReLU", "maxValue 2.5" + n, () -> new ReLU().maxValue(2.5f).apply(x),
          t -> t.tf.math.minimum(t.tf.nn.relu(t.placeholder(x)), t.scalar(2.5f))));
      cases.add(Cases.of("ReLU", "maxValue 0" + n, () -> new ReLU(0f).apply(x),
          t -> t.tf.math.minimum(t.tf.nn.relu(t.placeholder(x)), t.scalar(0f))));
      cases.add(Cases.of("ReLU", "negativeSlope 0.1" + n, () -> new ReLU().negativeSlope(0.1f).apply(x),
          t -> t.tf.nn.leakyRelu(t.placeholder(x), LeakyRelu.alpha(0.1f))));
      // Keras: x >= maxValue -> maxValue; 0 <= x < maxValue -> x; x < 0 -> negativeSlope * x.
      for (float max : new float[] {3f, 6f}) {
        cases.add(Cases.of("ReLU", "maxValue " + max + " negativeSlope 0.2" + n,
            () -> new ReLU(max).negativeSlope(0.2f).apply(x), t -> {
              Operand<TFloat32> p = t.placeholder(x);
              return t.tf.select(t.tf.math.less(p, t.scalar(0f)), t.tf.math.mul(p, t.scalar(0.2f)),
                  t.tf.math.minimum(p, t.scalar(max)));
            }));
      }
    }
    return cases;
  }

  @Test
  void reluThresholdIsRejectedNotSilentlyWrong() {
    Tensor x = Tensor.of(new float[] {-1, 0.5f, 2}, 1, 3);
    assertThrows(IllegalArgumentException.class, () -> new ReLU().threshold(1f).apply(x));
  }

  @TestFactory
  List<DynamicTest> softmaxLayer() {
    List<DynamicTest> cases = new ArrayList<>();
    int[] shape = {2, 3, 4};
    for (int axis : new int[] {-1, 1, 2, -2}) {
      Tensor x = Ops3.times(Check.gaussian(Check.random("SoftmaxLayer" + axis), shape), 4f);
      cases.add(Cases.of("SoftmaxLayer", s(shape) + " axis " + axis, () -> new Softmax(axis).apply(x),
          t -> OpConformanceTest.softmax(t, t.placeholder(x), 3, axis)));
    }
    Tensor x = Check.gaussian(Check.random("SoftmaxLayer default"), shape);
    cases.add(Cases.of("SoftmaxLayer", s(shape) + " default", () -> new Softmax().apply(x),
        t -> t.tf.nn.softmax(t.placeholder(x))));
    return cases;
  }

  // ---- merge layers ----------------------------------------------------------------------------------------

  record Merge(String name, java.util.function.Supplier<AbstractLayer> layer,
      BinaryOperator<Operand<TFloat32>> fold, boolean average) {}

  @TestFactory
  List<DynamicTest> mergeLayers() {
    List<DynamicTest> cases = new ArrayList<>();
    List<Merge> merges = List.of(
        new Merge("Add", Add::new, null, false),
        new Merge("Multiply", Multiply::new, null, false),
        new Merge("Maximum", Maximum::new, null, false),
        new Merge("Minimum", Minimum::new, null, false),
        new Merge("Average", Average::new, null, true));
    for (Merge m : merges) {
      for (int n : new int[] {2, 3, 4}) {
        for (int[] shape : new int[][] {{1, 6}, {5, 3, 4}}) {
          String name = m.name() + " of " + n + " " + s(shape);
          Random r = Check.random("Merge" + name);
          Tensor[] xs = new Tensor[n];
          for (int i = 0; i < n; i++) xs[i] = Check.gaussian(r, shape);
          cases.add(Cases.of("Merge:" + m.name(), name, () -> m.layer().get().apply(xs), t -> {
            Operand<TFloat32> y = t.placeholder(xs[0]);
            for (int i = 1; i < n; i++) {
              Operand<TFloat32> o = t.placeholder(xs[i]);
              switch (m.name()) {
                case "Multiply": y = t.tf.math.mul(y, o); break;
                case "Maximum": y = t.tf.math.maximum(y, o); break;
                case "Minimum": y = t.tf.math.minimum(y, o); break;
                default: y = t.tf.math.add(y, o);
              }
            }
            return m.average() ? t.tf.math.div(y, t.scalar(n)) : y;
          }));
        }
      }
    }
    // Subtract: exactly two inputs; broadcasting pair too.
    for (int[][] pair : new int[][][] {{{2, 5}, {2, 5}}, {{3, 2, 4}, {3, 1, 4}}}) {
      Random r = Check.random("Subtract" + s(pair[0]));
      Tensor a = Check.gaussian(r, pair[0]);
      Tensor b = Check.gaussian(r, pair[1]);
      cases.add(Cases.of("Merge:Subtract", s(pair[0]) + " - " + s(pair[1]), () -> new Subtract().apply(a, b),
          t -> t.tf.math.sub(t.placeholder(a), t.placeholder(b))));
    }
    // Concatenate: default axis -1 and explicit axes.
    for (int axis : new int[] {Integer.MIN_VALUE, -1, 1, 0, -2}) {
      Random r = Check.random("Concatenate" + axis);
      Tensor a = Check.gaussian(r, 2, 3, 4);
      Tensor b = Check.gaussian(r, 2, 3, 4);
      Tensor c = Check.gaussian(r, 2, 3, 4);
      int tfAxis = axis == Integer.MIN_VALUE ? -1 : axis;
      String name = axis == Integer.MIN_VALUE ? "default axis" : "axis " + axis;
      cases.add(Cases.of("Merge:Concatenate", name,
          () -> (axis == Integer.MIN_VALUE ? new Concatenate() : new Concatenate(axis)).apply(a, b, c),
          t -> t.tf.concat(List.of(t.placeholder(a), t.placeholder(b), t.placeholder(c)), t.tf.constant(tfAxis))));
    }
    return cases;
  }

  // ---- shaping layers, dropout -----------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> shapingLayers() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int b : new int[] {1, 2, 5}) {
      Tensor x = Check.gaussian(Check.random("Shaping" + b), b, 3, 4, 2);
      cases.add(Cases.of("Flatten", "batch " + b, () -> new Flatten().apply(x), t -> t.tf.reshape(t.placeholder(x), t.ints(b, -1))));
      cases.add(Cases.of("Reshape(layer)", "(-1, 4) batch " + b, () -> new Reshape(-1, 4).apply(x),
          t -> t.tf.reshape(t.placeholder(x), t.ints(b, 6, 4))));
      cases.add(Cases.of("Reshape(layer)", "(12, 2) batch " + b, () -> new Reshape(12, 2).apply(x),
          t -> t.tf.reshape(t.placeholder(x), t.ints(b, 12, 2))));
      cases.add(Cases.of("Permute", "(3, 1, 2) batch " + b, () -> new Permute(3, 1, 2).apply(x),
          t -> t.tf.linalg.transpose(t.placeholder(x), t.ints(0, 3, 1, 2))));
      cases.add(Cases.of("Permute", "(2, 1, 3) batch " + b, () -> new Permute(2, 1, 3).apply(x),
          t -> t.tf.linalg.transpose(t.placeholder(x), t.ints(0, 2, 1, 3))));
      cases.add(Cases.of("Dropout", "inference identity batch " + b, () -> new Dropout(0.5f).apply(x, false),
          t -> t.tf.identity(t.placeholder(x))));
    }
    return cases;
  }

  @Test
  void dropoutTrainingKeepsOrZeroesAndScales() {
    Tensor x = Check.uniform(Check.random("Dropout training"), 1f, 2f, 4, 256);
    Tensor y = new Dropout(0.25f).seed(7).apply(x, true);
    float[] a = x.toFloatArray();
    float[] b = y.toFloatArray();
    int zeros = 0;
    for (int i = 0; i < a.length; i++) {
      if (b[i] == 0f) zeros++;
      else assertThat((double) b[i]).isWithin(1e-6).of(a[i] / 0.75);
    }
    // 1024 values at rate 0.25: 256 expected, far outside 150..360 only with negligible probability.
    assertThat(zeros).isIn(com.google.common.collect.Range.closed(150, 360));
  }

  /** Small helper to scale a tensor without importing Ops here twice. */
  static final class Ops3 {
    static Tensor times(Tensor x, float k) {
      return dev.kiln.Ops.multiply(x, k);
    }
  }
}

package dev.kiln.layers;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import dev.kiln.Initializers;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayersTest {
  private static Tensor t(float[] v, int... shape) {
    return Tensor.of(v, shape);
  }

  private static void assertValues(Tensor x, int[] shape, float... want) {
    assertThat(x.shape()).isEqualTo(shape);
    assertThat(x.toFloatArray()).usingTolerance(1e-6).containsExactly(want).inOrder();
  }

  @Test
  void denseWithLoadedWeights() {
    Dense d = new Dense(2).activation(Activation.RELU);
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("hidden/kernel", t(new float[] {1, -1, 2, 0, -1, 3}, 3, 2));
    w.put("hidden/bias", t(new float[] {0.5f, -10f}, 2));
    d.loadWeights("hidden", Weights.of(w));
    Tensor x = t(new float[] {1, 2, 3, 0, 1, 0}, 2, 3);
    // row 0: [1+4-3, -1+0+9] + bias = [2.5, -2] -> relu [2.5, 0]; row 1: [2, 0] + bias = [2.5, -10] -> [2.5, 0]
    assertValues(d.apply(x), new int[] {2, 2}, 2.5f, 0, 2.5f, 0);
    assertThat(d.weights().keySet()).containsExactly("kernel", "bias").inOrder();
  }

  @Test
  void denseInitializersNoBiasAndRank3() {
    Dense d = new Dense(2).useBias(false).kernelInitializer(Initializers.constant(0.5f));
    Tensor x = t(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2);
    // each output = 0.5 * (x0 + x1)
    assertValues(d.apply(x), new int[] {2, 2, 2}, 1.5f, 1.5f, 3.5f, 3.5f, 5.5f, 5.5f, 7.5f, 7.5f);
    assertThat(d.weights().keySet()).containsExactly("kernel");
    Dense s = new Dense(3).kernelInitializer(Initializers.zeros()).biasInitializer(Initializers.constant(1f))
        .activation(Activation.SOFTMAX);
    assertValues(s.apply(t(new float[] {4, 5}, 1, 2)), new int[] {1, 3}, 1f / 3, 1f / 3, 1f / 3);
    Dense g = new Dense(4);
    g.apply(t(new float[6], 2, 3));
    float[] k = g.weights().get("kernel").toFloatArray();
    double limit = Math.sqrt(6.0 / 7);
    for (float v : k) assertThat((double) Math.abs(v)).isAtMost(limit);
  }

  @Test
  void activationLayerAndReLU() {
    Tensor x = t(new float[] {-2, -0.5f, 1, 8}, 4);
    assertValues(new ActivationLayer(Activation.TANH).apply(x), new int[] {4}, -0.9640276f, -0.46211717f, 0.7615942f, 0.99999977f);
    assertValues(new ActivationLayer(Activation.LINEAR).apply(x), new int[] {4}, -2, -0.5f, 1, 8);
    assertValues(new ReLU().apply(x), new int[] {4}, 0, 0, 1, 8);
    assertValues(new ReLU(6f).apply(x), new int[] {4}, 0, 0, 1, 6);
    assertValues(new ReLU(4f).apply(x), new int[] {4}, 0, 0, 1, 4);
    assertValues(new ReLU().negativeSlope(0.1f).apply(x), new int[] {4}, -0.2f, -0.05f, 1, 8);
    assertValues(new ReLU(5f).negativeSlope(0.5f).apply(x), new int[] {4}, -1f, -0.25f, 1, 5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReLU().threshold(1f).apply(x));
    assertThat(e).hasMessageThat().contains("threshold");
  }

  @Test
  void softmaxLayer() {
    Tensor x = t(new float[] {0, 0, 1, 3}, 2, 2);
    float s = (float) (1 / (1 + Math.exp(2)));
    assertValues(new Softmax().apply(x), new int[] {2, 2}, 0.5f, 0.5f, s, 1 - s);
    float u = (float) (1 / (1 + Math.exp(1)));
    float v = (float) (1 / (1 + Math.exp(3)));
    assertValues(new Softmax(0).apply(x), new int[] {2, 2}, u, v, 1 - u, 1 - v);
  }

  @Test
  void dropout() {
    Tensor x = t(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4);
    assertThat(new Dropout(0.5f).apply(x, false)).isSameInstanceAs(x);
    assertThat(new Dropout(0.5f).apply(x)).isSameInstanceAs(x);
    float[] y = new Dropout(0.5f).seed(3).apply(x, true).toFloatArray();
    float[] y2 = new Dropout(0.5f).seed(3).apply(x, true).toFloatArray();
    assertThat(y).isEqualTo(y2);
    int zeros = 0;
    for (int i = 0; i < y.length; i++) {
      if (y[i] == 0) zeros++;
      else assertThat(y[i]).isEqualTo(2f * (i + 1));
    }
    assertThat(zeros).isGreaterThan(0);
    assertThat(zeros).isLessThan(8);
    // rate statistics over many values
    float[] ones = new float[100000];
    java.util.Arrays.fill(ones, 1f);
    float[] d = new Dropout(0.3f).seed(1).apply(Tensor.of(ones, 100000), true).toFloatArray();
    int kept = 0;
    for (float v : d) if (v != 0) {
      kept++;
      assertThat(v).isWithin(1e-6f).of(1f / 0.7f);
    }
    assertThat(kept / 100000.0).isWithin(0.01).of(0.7);
    assertThrows(IllegalArgumentException.class, () -> new Dropout(1f));
  }

  @Test
  void flattenReshapePermute() {
    Tensor x = t(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 3, 2);
    assertValues(new Flatten().apply(x), new int[] {2, 6}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    assertValues(new Reshape(2, 3).apply(x), new int[] {2, 2, 3}, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(new Reshape(-1, 2).apply(x).shape()).isEqualTo(new int[] {2, 3, 2});
    assertThat(new Reshape(6).apply(x).shape()).isEqualTo(new int[] {2, 6});
    // Permute(2, 1): [b, 3, 2] -> [b, 2, 3]
    assertValues(new Permute(2, 1).apply(x), new int[] {2, 2, 3}, 1, 3, 5, 2, 4, 6, 7, 9, 11, 8, 10, 12);
  }

  @Test
  void mergeLayers() {
    Tensor a = t(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor b = t(new float[] {4, 1, 2, 8}, 2, 2);
    Tensor c = t(new float[] {1, 1, 1, 1}, 2, 2);
    assertValues(new Add().apply(a, b), new int[] {2, 2}, 5, 3, 5, 12);
    assertValues(new Add().apply(a, b, c), new int[] {2, 2}, 6, 4, 6, 13);
    assertValues(new Subtract().apply(a, b), new int[] {2, 2}, -3, 1, 1, -4);
    assertThrows(IllegalArgumentException.class, () -> new Subtract().apply(a, b, c));
    assertValues(new Multiply().apply(a, b), new int[] {2, 2}, 4, 2, 6, 32);
    assertValues(new Average().apply(a, b), new int[] {2, 2}, 2.5f, 1.5f, 2.5f, 6);
    assertValues(new Average().apply(a, b, c), new int[] {2, 2}, 2f, 4f / 3, 2f, 13f / 3);
    assertValues(new Maximum().apply(a, b), new int[] {2, 2}, 4, 2, 3, 8);
    assertValues(new Minimum().apply(a, b, c), new int[] {2, 2}, 1, 1, 1, 1);
    assertValues(new Concatenate().apply(a, b), new int[] {2, 4}, 1, 2, 4, 1, 3, 4, 2, 8);
    assertValues(new Concatenate(0).apply(a, c), new int[] {4, 2}, 1, 2, 3, 4, 1, 1, 1, 1);
  }
}

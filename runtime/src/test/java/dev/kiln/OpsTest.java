package dev.kiln;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OpsTest {
  private static Tensor t(float[] v, int... shape) {
    return Tensor.of(v, shape);
  }

  private static void assertValues(Tensor x, int[] shape, float... want) {
    assertThat(x.shape()).isEqualTo(shape);
    assertThat(x.toFloatArray()).usingTolerance(1e-6).containsExactly(want).inOrder();
  }

  @Test
  void arithmeticWithBroadcasting() {
    Tensor a = t(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor row = t(new float[] {10, 20, 30}, 3);
    Tensor col = t(new float[] {100, 200}, 2, 1);
    assertValues(Ops.add(a, row), new int[] {2, 3}, 11, 22, 33, 14, 25, 36);
    assertValues(Ops.add(a, col), new int[] {2, 3}, 101, 102, 103, 204, 205, 206);
    assertValues(Ops.subtract(a, row), new int[] {2, 3}, -9, -18, -27, -6, -15, -24);
    assertValues(Ops.multiply(a, col), new int[] {2, 3}, 100, 200, 300, 800, 1000, 1200);
    assertValues(Ops.divide(a, row), new int[] {2, 3}, 0.1f, 0.1f, 0.1f, 0.4f, 0.25f, 0.2f);
    assertValues(Ops.add(a, 1f), new int[] {2, 3}, 2, 3, 4, 5, 6, 7);
    assertValues(Ops.subtract(a, 1f), new int[] {2, 3}, 0, 1, 2, 3, 4, 5);
    assertValues(Ops.multiply(a, 2f), new int[] {2, 3}, 2, 4, 6, 8, 10, 12);
    assertValues(Ops.divide(a, 4f), new int[] {2, 3}, 0.25f, 0.5f, 0.75f, 1, 1.25f, 1.5f);
    assertValues(Ops.subtract(1f, a), new int[] {2, 3}, 0, -1, -2, -3, -4, -5);
    // [2,1] x [1,3] -> [2,3]
    Tensor r13 = t(new float[] {1, 2, 3}, 1, 3);
    assertValues(Ops.maximum(t(new float[] {2, 0}, 2, 1), r13), new int[] {2, 3}, 2, 2, 3, 1, 2, 3);
    assertValues(Ops.minimum(t(new float[] {2, 0}, 2, 1), r13), new int[] {2, 3}, 1, 2, 2, 0, 0, 0);
    assertValues(Ops.maximum(a, 3.5f), new int[] {2, 3}, 3.5f, 3.5f, 3.5f, 4, 5, 6);
  }

  @Test
  void broadcastErrorNamesOpAndShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Ops.add(Tensor.zeros(2, 3), Tensor.zeros(4)));
    assertThat(e).hasMessageThat().contains("Add: shapes [2, 3] and [4] cannot be broadcast");
    e = assertThrows(IllegalArgumentException.class, () -> Ops.multiply(Tensor.zeros(2, 3), Tensor.zeros(3, 3)));
    assertThat(e).hasMessageThat().contains("Mul: shapes [2, 3] and [3, 3]");
  }

  @Test
  void matmul() {
    Tensor a = t(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor b = t(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
    // [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12]
    assertValues(Ops.matmul(a, b), new int[] {2, 2}, 58, 64, 139, 154);
    // rank 3 x rank 2
    Tensor a3 = t(new float[] {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0}, 2, 2, 3);
    assertValues(Ops.matmul(a3, b), new int[] {2, 2, 2}, 58, 64, 139, 154, 7, 8, 9, 10);
    // batched: [2,1,2] x [2,2,1]
    Tensor x = t(new float[] {1, 2, 3, 4}, 2, 1, 2);
    Tensor y = t(new float[] {5, 6, 7, 8}, 2, 2, 1);
    assertValues(Ops.matmul(x, y), new int[] {2, 1, 1}, 17, 53);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.matmul(a, a));
    assertThat(e).hasMessageThat().contains("MatMul: shapes [2, 3] and [2, 3]");
  }

  @Test
  void biasAdd() {
    assertValues(Ops.biasAdd(t(new float[] {1, 2, 3, 4}, 2, 2), t(new float[] {10, 20}, 2)), new int[] {2, 2}, 11, 22, 13, 24);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Ops.biasAdd(Tensor.zeros(2, 3), Tensor.zeros(2)));
    assertThat(e).hasMessageThat().contains("BiasAdd: shapes [2, 3] and [2]");
  }

  @Test
  void activations() {
    Tensor x = t(new float[] {-2, 0, 1, 7}, 4);
    assertValues(Ops.relu(x), new int[] {4}, 0, 0, 1, 7);
    assertValues(Ops.relu6(x), new int[] {4}, 0, 0, 1, 6);
    assertValues(Ops.sigmoid(x), new int[] {4}, 0.11920292f, 0.5f, 0.7310586f, 0.99908894f);
    assertValues(Ops.tanh(x), new int[] {4}, -0.9640276f, 0, 0.7615942f, 0.99999834f);
    assertValues(Ops.gelu(x), new int[] {4}, -0.04550026f, 0, 0.8413447f, 7f);
    assertValues(Ops.gelu(x, true), new int[] {4}, -0.04540231f, 0, 0.841192f, 7f);
    assertValues(Ops.silu(x), new int[] {4}, -0.23840584f, 0, 0.7310586f, 6.9936227f);
    assertValues(Ops.elu(x), new int[] {4}, -0.86466473f, 0, 1, 7);
    assertValues(Ops.elu(x, 0.5f), new int[] {4}, -0.43233237f, 0, 1, 7);
    assertValues(Ops.leakyRelu(x), new int[] {4}, -0.4f, 0, 1, 7);
    assertValues(Ops.leakyRelu(x, 0.3f), new int[] {4}, -0.6f, 0, 1, 7);
    assertValues(Ops.softplus(x), new int[] {4}, 0.12692802f, 0.6931472f, 1.3132616f, 7.000912f);
    assertValues(Ops.hardSigmoid(x), new int[] {4}, 1f / 6, 0.5f, 2f / 3, 1);
    assertValues(Ops.hardSilu(x), new int[] {4}, -1f / 3, 0, 2f / 3, 7);
    assertThat(Ops.activation(x, Activation.LINEAR)).isSameInstanceAs(x);
    assertValues(Ops.activation(x, Activation.LEAKY_RELU), new int[] {4}, -0.4f, 0, 1, 7);
    assertValues(Ops.activation(x, Activation.RELU6), new int[] {4}, 0, 0, 1, 6);
  }

  @Test
  void softmaxAxes() {
    Tensor x = t(new float[] {1, 2, 3, 1, 1, 1}, 2, 3);
    float a = 0.09003057f, b = 0.24472847f, c = 0.66524096f, third = 1f / 3;
    assertValues(Ops.softmax(x), new int[] {2, 3}, a, b, c, third, third, third);
    assertValues(Ops.softmax(x, 1), new int[] {2, 3}, a, b, c, third, third, third);
    // axis 0: columns (1,1), (2,1), (3,1)
    float e1 = (float) (Math.exp(1) / (Math.exp(1) + 1)), e2 = (float) (Math.exp(2) / (Math.exp(2) + 1));
    assertValues(Ops.softmax(x, -2), new int[] {2, 3}, 0.5f, e1, e2, 0.5f, 1 - e1, 1 - e2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.softmax(x, 2));
    assertThat(e).hasMessageThat().contains("Softmax: axis 2 is out of range for rank 2");
  }

  @Test
  void elementwiseMath() {
    Tensor x = t(new float[] {1, 4, 9}, 3);
    assertValues(Ops.sqrt(x), new int[] {3}, 1, 2, 3);
    assertValues(Ops.square(x), new int[] {3}, 1, 16, 81);
    assertValues(Ops.log(x), new int[] {3}, 0, 1.3862944f, 2.1972246f);
    assertValues(Ops.exp(t(new float[] {0, 1}, 2)), new int[] {2}, 1, 2.7182817f);
    assertValues(Ops.abs(t(new float[] {-1, 2}, 2)), new int[] {2}, 1, 2);
    assertValues(Ops.negate(t(new float[] {-1, 2}, 2)), new int[] {2}, 1, -2);
    assertValues(Ops.clip(t(new float[] {-1, 0.5f, 3}, 3), 0, 1), new int[] {3}, 0, 0.5f, 1);
  }

  @Test
  void concatReshapeTransposeFlatten() {
    Tensor a = t(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor b = t(new float[] {5, 6}, 2, 1);
    assertValues(Ops.concat(-1, a, b), new int[] {2, 3}, 1, 2, 5, 3, 4, 6);
    assertValues(Ops.concat(0, a, t(new float[] {7, 8}, 1, 2)), new int[] {3, 2}, 1, 2, 3, 4, 7, 8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.concat(0, a, b));
    assertThat(e).hasMessageThat().contains("ConcatV2: shapes [2, 2], [2, 1]");

    Tensor x = t(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertValues(Ops.reshape(x, 3, -1), new int[] {3, 2}, 1, 2, 3, 4, 5, 6);
    e = assertThrows(IllegalArgumentException.class, () -> Ops.reshape(x, 4, -1));
    assertThat(e).hasMessageThat().contains("Reshape: cannot reshape [2, 3] (6 elements) to [4, -1]");
    assertValues(Ops.transpose(x), new int[] {3, 2}, 1, 4, 2, 5, 3, 6);
    assertValues(Ops.transpose(x, 1, 0), new int[] {3, 2}, 1, 4, 2, 5, 3, 6);
    Tensor y = t(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2);
    // perm (0, 2, 1): y[i][j][k] -> out[i][k][j]
    assertValues(Ops.transpose(y, 0, -1, 1), new int[] {2, 2, 2}, 1, 3, 2, 4, 5, 7, 6, 8);
    e = assertThrows(IllegalArgumentException.class, () -> Ops.transpose(x, 0, 0));
    assertThat(e).hasMessageThat().contains("Transpose");
    assertValues(Ops.flatten(y), new int[] {2, 4}, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(x.toFloatArray()).usingTolerance(0).containsExactly(1f, 2f, 3f, 4f, 5f, 6f).inOrder();
  }

  @Test
  void reductionsAndArgmax() {
    Tensor x = t(new float[] {1, 5, 3, 4, 2, 6}, 2, 3);
    assertValues(Ops.sum(x, 0, false), new int[] {3}, 5, 7, 9);
    assertValues(Ops.sum(x, -1, true), new int[] {2, 1}, 9, 12);
    assertValues(Ops.mean(x, 1, false), new int[] {2}, 3, 4);
    assertValues(Ops.max(x, 0, true), new int[] {1, 3}, 4, 5, 6);
    Tensor am = Ops.argmax(x, -1);
    assertThat(am.dtype()).isEqualTo(DType.INT32);
    assertThat(am.shape()).isEqualTo(new int[] {2});
    assertThat(am.toIntArray()).asList().containsExactly(1, 2).inOrder();
    assertThat(Ops.argmax(x, 0).toIntArray()).asList().containsExactly(1, 0, 1).inOrder();
    assertThat(Ops.argmax(t(new float[] {2, 2, 1}, 3), 0).toIntArray()).asList().containsExactly(0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.mean(x, -3, false));
    assertThat(e).hasMessageThat().contains("Mean: axis -3 is out of range for rank 2");
  }

  @Test
  void padSliceIdentity() {
    Tensor x = t(new float[] {1, 2, 3, 4}, 2, 2);
    assertValues(Ops.pad(x, new int[][] {{0, 1}, {1, 0}}), new int[] {3, 3}, 0, 1, 2, 0, 3, 4, 0, 0, 0);
    assertValues(Ops.pad(x, new int[][] {{1, 0}, {0, 0}}, -1f), new int[] {3, 2}, -1, -1, 1, 2, 3, 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.pad(x, new int[][] {{1, 1}}));
    assertThat(e).hasMessageThat().contains("Pad");
    Tensor y = t(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4);
    assertValues(Ops.slice(y, new int[] {1, 1}, new int[] {-1, 2}), new int[] {2, 2}, 5, 6, 9, 10);
    assertValues(Ops.slice(y, new int[] {0, 3}, new int[] {2, -1}), new int[] {2, 1}, 3, 7);
    e = assertThrows(IllegalArgumentException.class, () -> Ops.slice(y, new int[] {2, 0}, new int[] {2, 1}));
    assertThat(e).hasMessageThat().contains("Slice: begin [2, 0] and size [2, 1] are out of bounds for shape [3, 4]");
    Tensor id = Ops.identity(x);
    assertValues(id, new int[] {2, 2}, 1, 2, 3, 4);
    assertThat(id).isNotSameInstanceAs(x);
  }
}

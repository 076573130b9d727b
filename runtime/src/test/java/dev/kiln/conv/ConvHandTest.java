package dev.kiln.conv;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.Activation;
import dev.kiln.ConvOps;
import dev.kiln.Initializers;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.kernels.ConvShapes;
import dev.kiln.layers.AveragePooling1D;
import dev.kiln.layers.AveragePooling2D;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.Conv2DTranspose;
import dev.kiln.layers.DepthwiseConv2D;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.GlobalAveragePooling2D;
import dev.kiln.layers.GlobalMaxPooling2D;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.layers.MaxPooling2D;
import dev.kiln.layers.SeparableConv2D;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Small cases computed by hand. */
class ConvHandTest {
  private static final int[] ONE = {1, 1};

  private static void assertValues(Tensor t, int[] shape, float... want) {
    assertThat(t.shape()).isEqualTo(shape);
    assertThat(t.toFloatArray()).usingTolerance(1e-5).containsExactly(want).inOrder();
  }

  /** 3x3 image 1..9, one channel. */
  private static Tensor nine(float sign) {
    float[] v = new float[9];
    for (int i = 0; i < 9; i++) v[i] = sign * (i + 1);
    return Tensor.of(v, 1, 3, 3, 1);
  }

  @Test
  void convShapes() {
    assertThat(ConvShapes.samePadding(3, 2, 1, 1)).isEqualTo(new int[] {0, 1, 3});
    assertThat(ConvShapes.samePadding(5, 3, 2, 1)).isEqualTo(new int[] {1, 1, 3});
    assertThat(ConvShapes.samePadding(6, 3, 2, 1)).isEqualTo(new int[] {0, 1, 3}); // odd pixel bottom/right
    assertThat(ConvShapes.samePadding(7, 3, 1, 2)).isEqualTo(new int[] {2, 2, 7});
    assertThat(ConvShapes.samePadding(4, 1, 3, 1)).isEqualTo(new int[] {0, 0, 2});
    assertThat(ConvShapes.validOut(7, 3, 2, 1)).isEqualTo(3);
    assertThat(ConvShapes.validOut(8, 3, 2, 2)).isEqualTo(2);
    assertThat(ConvShapes.validOut(5, 5, 3, 1)).isEqualTo(1);
  }

  @Test
  void conv2dValidAndSameWithA2x2Kernel() {
    Tensor k = Tensor.of(new float[] {1, 0, 0, 1}, 2, 2, 1, 1); // x[i][j] + x[i+1][j+1]
    assertValues(ConvOps.conv2d(nine(1), k, ONE, ONE, Padding.VALID, 1), new int[] {1, 2, 2, 1}, 6, 8, 12, 14);
    // SAME: total pad 1, all of it bottom/right
    assertValues(ConvOps.conv2d(nine(1), k, ONE, ONE, Padding.SAME, 1), new int[] {1, 3, 3, 1}, 6, 8, 3, 12, 14, 6, 7, 8, 9);
    // stride 2 SAME on 3x3 with a 2x2 kernel: out 2x2, pad total 1 bottom/right
    assertValues(ConvOps.conv2d(nine(1), k, new int[] {2, 2}, ONE, Padding.SAME, 1), new int[] {1, 2, 2, 1}, 6, 3, 7, 9);
    // dilation 2 on 3x3, VALID: x[0][0] + x[2][2]
    assertValues(ConvOps.conv2d(nine(1), k, ONE, new int[] {2, 2}, Padding.VALID, 1), new int[] {1, 1, 1, 1}, 10);
  }

  @Test
  void conv2dTwoGroups() {
    // 1x1 image, channels [1, 2], groups 2, 1x1 kernel [1, 1, 1, 2]: filter 0 sees channel 0, filter 1 channel 1
    Tensor x = Tensor.of(new float[] {1, 2}, 1, 1, 1, 2);
    Tensor k = Tensor.of(new float[] {10, 100}, 1, 1, 1, 2);
    assertValues(ConvOps.conv2d(x, k, ONE, ONE, Padding.VALID, 2), new int[] {1, 1, 1, 2}, 10, 200);
  }

  @Test
  void depthwiseWithMultiplier() {
    // 2x2 image, 2 channels, 2x2 kernel all ones for m=0 and all twos for m=1: sums per channel
    Tensor x = Tensor.of(new float[] {1, 10, 2, 20, 3, 30, 4, 40}, 1, 2, 2, 2);
    float[] k = new float[2 * 2 * 2 * 2];
    for (int i = 0; i < k.length; i++) k[i] = i % 2 == 0 ? 1 : 2;
    assertValues(ConvOps.depthwiseConv2d(x, Tensor.of(k, 2, 2, 2, 2), ONE, ONE, Padding.VALID), new int[] {1, 1, 1, 4},
        10, 20, 100, 200);
  }

  @Test
  void conv2dTransposeByHand() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1);
    Tensor k = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2, 1, 1);
    // stride 2 VALID: every input pixel scatters value * kernel into its own 2x2 block
    assertValues(ConvOps.conv2dTranspose(x, k, new int[] {2, 2}, Padding.VALID, null), new int[] {1, 4, 4, 1},
        1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16);
    // stride 1 VALID, kernel of ones: overlapping sums
    Tensor ones = Tensor.of(new float[] {1, 1, 1, 1}, 2, 2, 1, 1);
    assertValues(ConvOps.conv2dTranspose(x, ones, ONE, Padding.VALID, null), new int[] {1, 3, 3, 1}, 1, 3, 2, 4, 10, 6, 3, 7, 4);
    // stride 1 SAME: out 2x2, pad total 1 (top 0): the top-left 2x2 of the VALID result
    assertValues(ConvOps.conv2dTranspose(x, ones, ONE, Padding.SAME, null), new int[] {1, 2, 2, 1}, 1, 3, 4, 10);
    // stride 2 VALID with output_padding 1: one more row/column of zeros at the bottom/right
    Tensor p = ConvOps.conv2dTranspose(x, k, new int[] {2, 2}, Padding.VALID, new int[] {1, 1});
    assertThat(p.shape()).isEqualTo(new int[] {1, 5, 5, 1});
    assertThat(p.getFloat(0, 3, 3, 0)).isEqualTo(16f);
    assertThat(p.getFloat(0, 4, 4, 0)).isEqualTo(0f);
  }

  @Test
  void poolSameCountsOnlyCellsInside() {
    int[] two = {2, 2};
    assertValues(ConvOps.avgPool2d(nine(1), two, two, Padding.SAME), new int[] {1, 2, 2, 1}, 3, 4.5f, 7.5f, 9);
    assertValues(ConvOps.maxPool2d(nine(1), two, two, Padding.SAME), new int[] {1, 2, 2, 1}, 5, 6, 8, 9);
    // all negative: padding must not contribute zeros
    assertValues(ConvOps.maxPool2d(nine(-1), two, two, Padding.SAME), new int[] {1, 2, 2, 1}, -1, -3, -7, -9);
    assertValues(ConvOps.avgPool2d(nine(1), two, two, Padding.VALID), new int[] {1, 1, 1, 1}, 3);
    // 3x3 window stride 1 SAME: corners average 4 cells, edges 6, center 9
    assertValues(ConvOps.avgPool2d(nine(1), new int[] {3, 3}, ONE, Padding.SAME), new int[] {1, 3, 3, 1},
        3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7);
  }

  private static Weights weights(Object... kv) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (Tensor) kv[i + 1]);
    return Weights.of(m);
  }

  @Test
  void causalConv1D() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4, 1);
    Conv1D c = new Conv1D(1, 2).padding("causal").useBias(false);
    c.loadWeights("c", weights("c/kernel", Tensor.of(new float[] {1, 10}, 2, 1, 1)));
    // left pad 1: [0, 1, 2, 3, 4]; out[t] = xp[t] + 10 xp[t + 1]
    assertValues(c.apply(x), new int[] {1, 4, 1}, 10, 21, 32, 43);
    Conv1D d = new Conv1D(1, 2).padding("CAUSAL").dilationRate(2).useBias(false);
    d.loadWeights("d", weights("d/kernel", Tensor.of(new float[] {1, 10}, 2, 1, 1)));
    // left pad 2: [0, 0, 1, 2, 3, 4]; out[t] = xp[t] + 10 xp[t + 2]
    assertValues(d.apply(x), new int[] {1, 4, 1}, 10, 20, 31, 42);
    Conv1D v = new Conv1D(1, 2).padding("valid").strides(2).biasInitializer(Initializers.constant(0.5f))
        .kernelInitializer(Initializers.ones());
    assertValues(v.apply(x), new int[] {1, 2, 1}, 3.5f, 7.5f);
  }

  @Test
  void conv2DLayerWithBiasAndActivation() {
    Conv2D c = new Conv2D(1, 2).activation(Activation.RELU);
    c.loadWeights("c", weights("c/kernel", Tensor.of(new float[] {1, 0, 0, -1}, 2, 2, 1, 1), "c/bias", Tensor.of(new float[] {1}, 1)));
    // x[i][j] - x[i+1][j+1] + 1 = -3 everywhere -> relu 0; SAME bottom-right row: x - 0 + 1
    assertValues(c.apply(nine(1)), new int[] {1, 2, 2, 1}, 0, 0, 0, 0);
    assertThat(c.weights().keySet()).containsExactly("kernel", "bias").inOrder();
    Conv2D s = new Conv2D(1, 2).padding(Padding.SAME).kernelInitializer(Initializers.constant(1f));
    assertValues(s.apply(nine(1)), new int[] {1, 3, 3, 1}, 12, 16, 9, 24, 28, 15, 15, 17, 9);
  }

  @Test
  void otherLayersEagerly() {
    Conv2DTranspose t = new Conv2DTranspose(1, 2).strides(2).kernelInitializer(Initializers.ones())
        .biasInitializer(Initializers.constant(1f));
    Tensor y = t.apply(Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 2, 1));
    assertValues(y, new int[] {1, 4, 4, 1}, 2, 2, 3, 3, 2, 2, 3, 3, 4, 4, 5, 5, 4, 4, 5, 5);
    DepthwiseConv2D d = new DepthwiseConv2D(2).depthwiseInitializer(Initializers.ones()).depthMultiplier(2);
    assertValues(d.apply(nine(1)), new int[] {1, 2, 2, 2}, 12, 12, 16, 16, 24, 24, 28, 28);
    assertThat(d.weights().get("depthwise_kernel").shape()).isEqualTo(new int[] {2, 2, 1, 2});
    assertThat(d.weights().get("bias").shape()).isEqualTo(new int[] {2});
    SeparableConv2D s = new SeparableConv2D(3, 2).depthwiseInitializer(Initializers.ones())
        .pointwiseInitializer(Initializers.constant(0.5f)).biasInitializer(Initializers.constant(1f));
    assertValues(s.apply(nine(1)), new int[] {1, 2, 2, 3}, 7, 7, 7, 9, 9, 9, 13, 13, 13, 15, 15, 15);
    assertThat(s.weights().get("pointwise_kernel").shape()).isEqualTo(new int[] {1, 1, 1, 3});
    assertValues(new MaxPooling2D().apply(nine(1)), new int[] {1, 1, 1, 1}, 5);
    assertValues(new AveragePooling2D(2).strides(1).apply(nine(1)), new int[] {1, 2, 2, 1}, 3, 4, 6, 7);
    assertValues(new MaxPooling2D(3, 1).padding(Padding.SAME).apply(nine(1)), new int[] {1, 1, 3, 1}, 7, 8, 9);
    Tensor seq = Tensor.of(new float[] {1, -1, 2, -2, 3, -3, 4, -4, 5, -5}, 1, 5, 2);
    assertValues(new MaxPooling1D().apply(seq), new int[] {1, 2, 2}, 2, -1, 4, -3);
    assertValues(new AveragePooling1D(2).padding(Padding.SAME).apply(seq), new int[] {1, 3, 2}, 1.5f, -1.5f, 3.5f, -3.5f, 5, -5);
    assertValues(new GlobalAveragePooling1D().apply(seq), new int[] {1, 2}, 3, -3);
    assertValues(new GlobalAveragePooling2D().apply(nine(1)), new int[] {1, 1}, 5);
    assertValues(new GlobalAveragePooling2D().keepDims(true).apply(nine(1)), new int[] {1, 1, 1, 1}, 5);
    assertValues(new GlobalMaxPooling2D().apply(nine(-1)), new int[] {1, 1}, -1);
  }
}

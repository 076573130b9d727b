package dev.kiln.conv;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.ConvOps;
import dev.kiln.DType;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.graph.Tracer;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.DepthwiseConv2D;
import dev.kiln.layers.MaxPooling2D;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every impossible configuration throws IllegalArgumentException naming the op, the shapes and the values. */
class ConvErrorsTest {
  private static final int[] ONE = {1, 1};
  private static final Tensor X = Tensor.zeros(1, 5, 5, 4);
  private static final Tensor K = Tensor.zeros(3, 3, 4, 2);

  private static String message(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

  @Test
  void conv2dErrors() {
    assertThat(message(() -> ConvOps.conv2d(X, K, new int[] {0, 1}, ONE, Padding.SAME, 1)))
        .isEqualTo("Conv2D: strides must be positive, got [0, 1]");
    assertThat(message(() -> ConvOps.conv2d(X, K, ONE, new int[] {1, -2}, Padding.SAME, 1)))
        .isEqualTo("Conv2D: dilations must be positive, got [1, -2]");
    assertThat(message(() -> ConvOps.conv2d(X, K, new int[] {1}, ONE, Padding.SAME, 1)))
        .isEqualTo("Conv2D: strides must have 2 values (height, width), got [1]");
    assertThat(message(() -> ConvOps.conv2d(X, Tensor.zeros(0, 3, 4, 2), ONE, ONE, Padding.SAME, 1)))
        .isEqualTo("Conv2D: kernel size must be positive, got 0x3");
    assertThat(message(() -> ConvOps.conv2d(X, Tensor.zeros(6, 3, 4, 2), ONE, ONE, Padding.VALID, 1)))
        .isEqualTo("Conv2D: VALID height kernel 6 is larger than the input height 5 of [1, 5, 5, 4]");
    assertThat(message(() -> ConvOps.conv2d(X, K, ONE, new int[] {1, 3}, Padding.VALID, 1)))
        .isEqualTo("Conv2D: VALID width kernel 3 with dilation 3 (effective 7) is larger than the input width 5 of [1, 5, 5, 4]");
    assertThat(message(() -> ConvOps.conv2d(X, Tensor.zeros(3, 3, 3, 2), ONE, ONE, Padding.SAME, 1)))
        .isEqualTo("Conv2D: input [1, 5, 5, 4] has 4 channels but kernel [3, 3, 3, 2] expects 3 x 1 group(s) = 3");
    assertThat(message(() -> ConvOps.conv2d(X, Tensor.zeros(3, 3, 2, 3), ONE, ONE, Padding.SAME, 2)))
        .isEqualTo("Conv2D: groups 2 does not divide the 3 filters of kernel [3, 3, 2, 3]");
    assertThat(message(() -> ConvOps.conv2d(X, Tensor.zeros(3, 3, 1, 3), ONE, ONE, Padding.SAME, 3)))
        .isEqualTo("Conv2D: groups 3 does not divide the 4 channels of input [1, 5, 5, 4]");
    assertThat(message(() -> ConvOps.conv2d(X, K, ONE, ONE, Padding.SAME, 0)))
        .isEqualTo("Conv2D: groups must be positive, got 0");
    assertThat(message(() -> ConvOps.conv2d(Tensor.zeros(5, 5, 4), K, ONE, ONE, Padding.SAME, 1)))
        .isEqualTo("Conv2D: input must have rank 4 [batch, height, width, channels], got [5, 5, 4] (other operand [3, 3, 4, 2])");
    assertThat(message(() -> ConvOps.conv2d(X, Tensor.zeros(3, 4, 2), ONE, ONE, Padding.SAME, 1)))
        .isEqualTo("Conv2D: kernel must have rank 4 [kh, kw, in, out], got [3, 4, 2] (other operand [1, 5, 5, 4])");
  }

  @Test
  void otherOpErrors() {
    assertThat(message(() -> ConvOps.depthwiseConv2d(X, Tensor.zeros(3, 3, 2, 1), ONE, ONE, Padding.SAME)))
        .isEqualTo("DepthwiseConv2dNative: input [1, 5, 5, 4] has 4 channels but kernel [3, 3, 2, 1] expects 2");
    assertThat(message(() -> ConvOps.depthwiseConv2d(X, Tensor.zeros(3, 3, 4, 1), new int[] {1, 0}, ONE, Padding.SAME)))
        .isEqualTo("DepthwiseConv2dNative: strides must be positive, got [1, 0]");
    assertThat(message(() -> ConvOps.conv2dTranspose(X, Tensor.zeros(3, 3, 2, 3), ONE, Padding.SAME, null)))
        .isEqualTo("Conv2DTranspose: input [1, 5, 5, 4] has 4 channels but kernel [3, 3, 2, 3] [kh, kw, filters, in] expects 3");
    assertThat(message(() -> ConvOps.conv2dTranspose(X, Tensor.zeros(3, 3, 2, 4), new int[] {2, 2}, Padding.SAME, new int[] {2, 0})))
        .isEqualTo("Conv2DTranspose: output_padding [2, 0] must be non-negative and smaller than strides [2, 2]");
    assertThat(message(() -> ConvOps.conv2dTranspose(X, Tensor.zeros(3, 0, 2, 4), ONE, Padding.SAME, null)))
        .isEqualTo("Conv2DTranspose: kernel size must be positive, got 3x0");
    assertThat(message(() -> ConvOps.maxPool2d(X, new int[] {6, 1}, ONE, Padding.VALID)))
        .isEqualTo("MaxPool: VALID height kernel 6 is larger than the input height 5 of [1, 5, 5, 4]");
    assertThat(message(() -> ConvOps.avgPool2d(X, new int[] {2, 2}, new int[] {0, 2}, Padding.VALID)))
        .isEqualTo("AvgPool: strides must be positive, got [0, 2]");
    assertThat(message(() -> ConvOps.avgPool2d(X, new int[] {2, -1}, ONE, Padding.VALID)))
        .isEqualTo("AvgPool: ksize must be positive, got [2, -1]");
    assertThat(message(() -> ConvOps.maxPool2d(Tensor.zeros(5, 4), ONE, ONE, Padding.VALID)))
        .isEqualTo("MaxPool: input must have rank 4 [batch, height, width, channels], got [5, 4]");
  }

  @Test
  void layerErrors() {
    assertThat(message(() -> new Conv2D(0, 3))).isEqualTo("Conv2D: filters must be positive, got 0");
    assertThat(message(() -> new Conv2D(4, 3).strides(0))).isEqualTo("Conv2D: stride must be positive, got 0");
    assertThat(message(() -> new Conv2D(4, 3).apply(Tensor.zeros(5, 5, 3))))
        .isEqualTo("Conv2D: input must have rank 4 [batch, height, width, channels], got [5, 5, 3]");
    assertThat(message(() -> new Conv2D(4, 3).groups(2).apply(Tensor.zeros(1, 5, 5, 3))))
        .isEqualTo("Conv2D: groups 2 must divide the 3 input channels of [1, 5, 5, 3] and the 4 filters");
    assertThat(message(() -> new Conv1D(4, 3).padding("full")))
        .isEqualTo("Conv1D: padding must be \"valid\", \"same\" or \"causal\", got \"full\"");
    assertThat(message(() -> new Conv1D(4, 7).apply(Tensor.zeros(1, 5, 2))))
        .isEqualTo("Conv2D: VALID height kernel 7 is larger than the input height 5 of [1, 5, 1, 2]");
    assertThat(message(() -> new DepthwiseConv2D(3).depthMultiplier(0))).isEqualTo("DepthwiseConv2D: depth multiplier must be positive, got 0");
    assertThat(message(() -> new MaxPooling2D(3).apply(Tensor.zeros(1, 2, 5, 1))))
        .isEqualTo("MaxPool: VALID height kernel 3 is larger than the input height 2 of [1, 2, 5, 1]");
    Tracer tracer = Tracer.begin();
    try {
      // channels only known at run time (a symbol no placeholder makes, but a graph may hold)
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32,
          new dev.kiln.graph.Dim[] {dev.kiln.graph.Dim.BATCH, dev.kiln.graph.Dim.of(5), dev.kiln.graph.Dim.of(5),
              dev.kiln.graph.Dim.symbol("c")});
      assertThat(message(() -> new Conv2D(4, 3).apply(x)))
          .isEqualTo("Conv2D needs a known channel dimension, got [-1, 5, 5, -1]");
    } finally {
      tracer.end();
    }
  }
}

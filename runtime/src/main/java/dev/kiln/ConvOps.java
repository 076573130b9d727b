package dev.kiln;

import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.ops.Conv2D;
import dev.kiln.ops.Conv2DTranspose;
import dev.kiln.ops.DepthwiseConv2D;
import dev.kiln.ops.Pool2D;
import dev.kiln.ops.Reshape;

/**
 * Convolution and pooling ops (channels-last, TensorFlow semantics), usable in {@code @Call} bodies and eagerly, in
 * the style of {@link Ops}: each applies one op of {@link dev.kiln.ops} ({@link Conv2D}, {@link DepthwiseConv2D},
 * {@link Conv2DTranspose}, {@link Pool2D}), whose Javadoc gives its shape and padding rules. A configuration that
 * cannot work throws {@link IllegalArgumentException} naming the op, the shapes and the values.
 *
 * <p>1-D convolutions and pools are composed like TensorFlow does ({@link #conv1d}, {@link #maxPool1d},
 * {@link #avgPool1d}): {@code Reshape [N, L, 1, C]}, the 2-D op with a {@code [k, 1]} window, {@code Reshape} back.
 */
public final class ConvOps {
  private ConvOps() {}

  /** {@code tf.nn.conv2d} with groups: x {@code [N, H, W, C]}, kernel {@code [kh, kw, C / groups, F]}. */
  public static Tensor conv2d(Tensor x, Tensor kernel, int[] strides, int[] dilations, Padding padding, int groups) {
    return new Conv2D(strides, dilations, padding, groups).apply(x, kernel);
  }

  /** {@code tf.nn.depthwise_conv2d}: x {@code [N, H, W, C]}, kernel {@code [kh, kw, C, M]}, output {@code C * M} channels. */
  public static Tensor depthwiseConv2d(Tensor x, Tensor kernel, int[] strides, int[] dilations, Padding padding) {
    return new DepthwiseConv2D(strides, dilations, padding).apply(x, kernel);
  }

  /**
   * Keras {@code Conv2DTranspose} (no dilation): x {@code [N, H, W, C]}, kernel {@code [kh, kw, F, C]};
   * {@code outputPadding} may be null.
   */
  public static Tensor conv2dTranspose(Tensor x, Tensor kernel, int[] strides, Padding padding, int[] outputPadding) {
    return new Conv2DTranspose(strides, padding, outputPadding).apply(x, kernel);
  }

  // ---- pooling -------------------------------------------------------------------------------------------

  /** {@code tf.nn.max_pool2d}; SAME pads with -inf. */
  public static Tensor maxPool2d(Tensor x, int[] ksize, int[] strides, Padding padding) {
    return new Pool2D(true, ksize, strides, padding).apply(x);
  }

  /** {@code tf.nn.avg_pool2d}; SAME leaves padded cells out of the count. */
  public static Tensor avgPool2d(Tensor x, int[] ksize, int[] strides, Padding padding) {
    return new Pool2D(false, ksize, strides, padding).apply(x);
  }

  // ---- 1-D, composed ------------------------------------------------------------------------------------

  /**
   * 1-D convolution, composed as TensorFlow does: x {@code [N, L, C]} is reshaped to {@code [N, L, 1, C]}, the
   * kernel {@code [k, C / groups, F]} to {@code [k, 1, C / groups, F]}, a {@code Conv2D} runs, and the result is
   * reshaped to {@code [N, L', F]}. {@code causal} left-pads by {@code (k - 1) * dilation} (a Pad node) and then
   * runs VALID; otherwise {@code padding} applies.
   */
  public static Tensor conv1d(Tensor x, Tensor kernel, int stride, int dilation, Padding padding, boolean causal, int groups) {
    int[] ks = kernel.shape();
    if (x.rank() != 3) {
      throw new IllegalArgumentException("Conv1D: input must have rank 3 [batch, steps, channels], got "
          + Dims.toString(Dims.of(x)));
    }
    if (ks.length != 3) {
      throw new IllegalArgumentException("Conv1D: kernel must have rank 3 [k, in / groups, filters], got " + Shapes.toString(ks));
    }
    if (causal) {
      if (ks[0] <= 0 || dilation <= 0) {
        throw new IllegalArgumentException("Conv1D: kernel size " + ks[0] + " and dilation " + dilation + " must be positive");
      }
      x = Ops.pad(x, new int[][] {{0, 0}, {(ks[0] - 1) * dilation, 0}, {0, 0}});
      padding = Padding.VALID;
    }
    Tensor y = conv2d(insertAxis2(x), Ops.reshape(kernel, ks[0], 1, ks[1], ks[2]), new int[] {stride, 1},
        new int[] {dilation, 1}, padding, groups);
    return removeAxis2(y);
  }

  /** 1-D max pooling over axis 1 of {@code [N, L, C]}, through Reshape and {@link #maxPool2d}. */
  public static Tensor maxPool1d(Tensor x, int poolSize, int stride, Padding padding) {
    return pool1d(true, x, poolSize, stride, padding);
  }

  /** 1-D average pooling over axis 1 of {@code [N, L, C]}, through Reshape and {@link #avgPool2d}. */
  public static Tensor avgPool1d(Tensor x, int poolSize, int stride, Padding padding) {
    return pool1d(false, x, poolSize, stride, padding);
  }

  private static Tensor pool1d(boolean max, Tensor x, int poolSize, int stride, Padding padding) {
    if (x.rank() != 3) {
      throw new IllegalArgumentException((max ? "MaxPool" : "AvgPool") + ": 1-D pooling needs rank 3 [batch, steps, channels], got "
          + Dims.toString(Dims.of(x)));
    }
    Pool2D pool = new Pool2D(max, new int[] {poolSize, 1}, new int[] {stride, 1}, padding);
    return removeAxis2(pool.apply(insertAxis2(x)));
  }

  /** {@code [N, L, C]} to {@code [N, L, 1, C]}, keeping run-time dimensions. */
  private static Tensor insertAxis2(Tensor x) {
    Dim[] s = Dims.of(x);
    return new Reshape(new Dim[] {s[0], s[1], Dim.ONE, s[2]}).apply(x);
  }

  /** {@code [N, L, 1, C]} to {@code [N, L, C]}. */
  private static Tensor removeAxis2(Tensor y) {
    Dim[] s = Dims.of(y);
    return new Reshape(new Dim[] {s[0], s[1], s[3]}).apply(y);
  }
}

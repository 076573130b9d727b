package dev.kiln.kernels;

/**
 * TensorFlow's spatial size and padding rules for one axis of a convolution or pooling window. The effective
 * (dilated) kernel size is {@code (k - 1) * dilation + 1}.
 */
public final class ConvShapes {
  private ConvShapes() {}

  /** The dilated kernel size {@code (k - 1) * dilation + 1}. */
  public static int effectiveKernel(int k, int dilation) {
    return (k - 1) * dilation + 1;
  }

  /**
   * SAME padding for an input of {@code in} positions: {@code {padBefore, padAfter, out}} with
   * {@code out = ceil(in / stride)}, total {@code max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0)},
   * {@code padBefore = total / 2} (the odd pixel goes after: bottom / right).
   */
  public static int[] samePadding(int in, int k, int stride, int dilation) {
    int out = (in + stride - 1) / stride;
    int total = Math.max((out - 1) * stride + effectiveKernel(k, dilation) - in, 0);
    return new int[] {total / 2, total - total / 2, out};
  }

  /** VALID output size {@code ceil((in - (k - 1) * dilation) / stride)}; 0 or less when the kernel does not fit. */
  public static int validOut(int in, int k, int stride, int dilation) {
    int span = in - effectiveKernel(k, dilation) + 1;
    return span <= 0 ? span : (span + stride - 1) / stride;
  }

  /**
   * Keras {@code deconv_output_length} (transposed convolution output size, dilation 1). With
   * {@code outputPadding < 0} (absent): SAME gives {@code in * stride}, VALID {@code in * stride + max(k - stride, 0)};
   * otherwise {@code (in - 1) * stride + k - 2 * pad + outputPadding} with {@code pad = k / 2} for SAME, 0 for VALID.
   */
  public static int transposeOut(int in, int k, int stride, boolean same, int outputPadding) {
    if (outputPadding < 0) return same ? in * stride : in * stride + Math.max(k - stride, 0);
    int pad = same ? k / 2 : 0;
    return (in - 1) * stride + k - 2 * pad + outputPadding;
  }

  /**
   * Padding before the first input row of a transposed convolution from {@code in} to {@code out} positions, as
   * TensorFlow's {@code conv2d_backprop_input} computes it: the SAME padding of the forward convolution from
   * {@code out} to {@code in}, i.e. {@code max((in - 1) * stride + k - out, 0) / 2}; 0 for VALID.
   */
  public static int transposePadBefore(int in, int out, int k, int stride, boolean same) {
    return same ? Math.max((in - 1) * stride + k - out, 0) / 2 : 0;
  }
}

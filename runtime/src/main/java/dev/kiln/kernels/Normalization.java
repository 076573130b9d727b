package dev.kiln.kernels;

/**
 * Batch and layer normalization kernels.
 *
 * <p>Inference batch normalization is an affine map per channel, {@code y = x * scale[c] + shift[c]}, with
 * {@code scale} and {@code shift} folded once (at session open) by {@link #foldBatchNorm}. The folding follows
 * {@code tf.nn.batch_normalization} (what Keras' BatchNormalization computes at inference) operation by operation,
 * in float: {@code inv = rsqrt(variance + epsilon)}, {@code inv *= gamma}, {@code y = x * inv + (beta - mean * inv)}.
 * TensorFlow's fused CPU kernel instead computes {@code (x - mean) * inv + beta}; the two differ by rounding
 * only (a few ulps of the larger of {@code x * inv} and {@code mean * inv}).
 */
public final class Normalization {
  private Normalization() {}

  /**
   * {@code out[o, c, i] = in[o, c, i] * scale[c] + shift[c]} over an {@code [outer, channels, inner]} view
   * (channels-last: {@code inner == 1}). {@code in} and {@code out} may be the same array.
   */
  public static void batchNorm(float[] in, float[] out, int outer, int channels, int inner, float[] scale, float[] shift) {
    if (inner == 1) {
      for (int o = 0; o < outer; o++) {
        int base = o * channels;
        for (int c = 0; c < channels; c++) out[base + c] = in[base + c] * scale[c] + shift[c];
      }
      return;
    }
    for (int o = 0; o < outer; o++) {
      for (int c = 0; c < channels; c++) {
        float s = scale[c];
        float t = shift[c];
        int base = (o * channels + c) * inner;
        for (int i = 0; i < inner; i++) out[base + i] = in[base + i] * s + t;
      }
    }
  }

  /**
   * Folds inference batch-norm parameters into {@code {scale, shift}} with {@code scale = gamma / sqrt(variance +
   * epsilon)} and {@code shift = beta - mean * scale} (see the class comment for the exact float order). A
   * {@code null} gamma means 1 (Keras {@code scale=False}), a {@code null} beta means 0 ({@code center=False}).
   */
  public static float[][] foldBatchNorm(float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon) {
    int c = mean.length;
    if (variance.length != c || (gamma != null && gamma.length != c) || (beta != null && beta.length != c)) {
      throw new IllegalArgumentException("Normalization.foldBatchNorm: parameters of different lengths (mean has " + c + ")");
    }
    float[] scale = new float[c];
    float[] shift = new float[c];
    for (int i = 0; i < c; i++) {
      float inv = rsqrt(variance[i] + epsilon);
      if (gamma != null) inv *= gamma[i];
      scale[i] = inv;
      shift[i] = beta != null ? beta[i] - mean[i] * inv : -mean[i] * inv;
    }
    return new float[][] {scale, shift};
  }

  /**
   * Folds a per-output-channel affine map (a following batch norm) into a kernel whose LAST axis is the output
   * channel (Dense {@code [in, units]}, Conv2D {@code [kh, kw, cin, filters]}): {@code kernel'[..., f] =
   * kernel[..., f] * scale[f]}, {@code bias'[f] = bias[f] * scale[f] + shift[f]} ({@code null} bias = 0). Returns
   * new arrays {@code {kernel', bias'}}; the inputs are not modified.
   */
  public static float[][] foldIntoKernel(float[] kernel, int outChannels, float[] bias, float[] scale, float[] shift) {
    if (outChannels <= 0 || kernel.length % outChannels != 0 || scale.length != outChannels || shift.length != outChannels
        || (bias != null && bias.length != outChannels)) {
      throw new IllegalArgumentException("Normalization.foldIntoKernel: kernel of " + kernel.length + " values, "
          + outChannels + " output channels, scale " + scale.length + ", shift " + shift.length
          + (bias != null ? ", bias " + bias.length : ""));
    }
    float[] k = new float[kernel.length];
    for (int base = 0; base < kernel.length; base += outChannels) {
      for (int f = 0; f < outChannels; f++) k[base + f] = kernel[base + f] * scale[f];
    }
    float[] b = new float[outChannels];
    for (int f = 0; f < outChannels; f++) b[f] = (bias != null ? bias[f] * scale[f] : 0f) + shift[f];
    return new float[][] {k, b};
  }

  /**
   * Layer normalization of {@code outer} rows of {@code normSize} contiguous values (the normalized axes must be
   * the last ones, flattened; transpose first otherwise). Per row: mean and biased variance accumulated in double
   * (two passes, like {@code tf.nn.moments}), then in float {@code inv = rsqrt(var + eps)},
   * {@code s = inv * gamma[j]}, {@code y = x * s + (beta[j] - mean * s)} (Keras 3 order). {@code gamma} /
   * {@code beta} have {@code normSize} values or are {@code null} (1 / 0). {@code in} and {@code out} may be the
   * same array.
   */
  public static void layerNorm(float[] in, float[] out, int outer, int normSize, float[] gamma, float[] beta, float eps) {
    for (int o = 0; o < outer; o++) {
      int base = o * normSize;
      double sum = 0;
      for (int j = 0; j < normSize; j++) sum += in[base + j];
      float mean = (float) (sum / normSize);
      double sq = 0;
      for (int j = 0; j < normSize; j++) {
        double d = in[base + j] - mean;
        sq += d * d;
      }
      float inv = rsqrt((float) (sq / normSize) + eps);
      for (int j = 0; j < normSize; j++) {
        float s = gamma != null ? inv * gamma[j] : inv;
        float t = beta != null ? beta[j] - mean * s : -mean * s;
        out[base + j] = in[base + j] * s + t;
      }
    }
  }

  /** Correctly rounded {@code 1 / sqrt(v)} of a float. */
  private static float rsqrt(float v) {
    return (float) (1.0 / Math.sqrt(v));
  }
}

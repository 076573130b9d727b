package dev.kiln;

import dev.kiln.ops.BatchNorm;
import dev.kiln.ops.LayerNorm;
import dev.kiln.ops.Resize;

/**
 * Normalization and resizing ops, in the style of {@link Ops}: each applies one op of {@link dev.kiln.ops}
 * ({@link BatchNorm}, {@link LayerNorm}, {@link Resize}).
 *
 * <pre>{@code Tensor y = NormOps.batchNorm(x, movingMean, movingVariance, gamma, beta, -1, 1e-3f);}</pre>
 */
public final class NormOps {
  private NormOps() {}

  /**
   * Inference batch normalization along {@code axis}: {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta},
   * computed as {@code x * s + t} with {@code s = rsqrt(variance + epsilon) * gamma}, {@code t = beta - mean * s}
   * in float (the order of {@code tf.nn.batch_normalization}; see {@link Normalization}). {@code gamma} and
   * {@code beta} may be {@code null} (Keras {@code scale=False} / {@code center=False}).
   */
  public static Tensor batchNorm(Tensor x, Tensor mean, Tensor variance, Tensor gamma, Tensor beta, int axis,
      float epsilon) {
    int ax = Shapes.axis(axis, x.rank(), "BatchNorm");
    return new BatchNorm(ax, epsilon, beta != null, gamma != null)
        .apply(inputs(new Tensor[] {x, mean, variance}, gamma, beta));
  }

  /**
   * Keras layer normalization over {@code axes}: mean and biased variance over those axes, then
   * {@code (x - mean) * rsqrt(var + epsilon) * gamma + beta}. {@code gamma} / {@code beta} ({@code null} = absent)
   * have the shape of the normalized axes in increasing order ({@code [C]} for the last axis).
   */
  public static Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, int[] axes, float epsilon) {
    int[] ax = Shapes.axes(axes, x.rank(), "LayerNorm");
    if (ax.length == 0) {
      throw new IllegalArgumentException("LayerNorm: needs at least one axis for shape " + Shapes.toString(x.shape()));
    }
    return new LayerNorm(ax, epsilon, beta != null, gamma != null).apply(inputs(new Tensor[] {x}, gamma, beta));
  }

  /**
   * Upsamples NHWC {@code x} by integer factors: {@code "nearest"} repeats rows and columns (Keras
   * {@code UpSampling2D}), {@code "bilinear"} is {@code tf.image.resize(method='bilinear')} with half-pixel
   * centers and no antialiasing.
   */
  public static Tensor resize(Tensor x, int scaleH, int scaleW, String method) {
    return new Resize(scaleH, scaleW, method).apply(x);
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private static Tensor[] inputs(Tensor[] first, Tensor gamma, Tensor beta) {
    int n = first.length + (gamma != null ? 1 : 0) + (beta != null ? 1 : 0);
    Tensor[] all = new Tensor[n];
    System.arraycopy(first, 0, all, 0, first.length);
    int i = first.length;
    if (gamma != null) all[i++] = gamma;
    if (beta != null) all[i] = beta;
    return all;
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.NormOps;
import dev.kiln.Tensor;

/**
 * Keras {@code UpSampling2D} on NHWC input: {@code [N, H, W, C]} to {@code [N, H*sh, W*sw, C]} (a {@code Resize}
 * node). Interpolation {@code "nearest"} (default) repeats rows and columns; {@code "bilinear"} is
 * {@code tf.image.resize(method='bilinear')} (half-pixel centers). Size defaults to 2.
 *
 * <pre>{@code new UpSampling2D(2).interpolation("bilinear")}</pre>
 */
public final class UpSampling2D extends AbstractLayer {
  private int sizeH;
  private int sizeW;
  private String interpolation = "nearest";

  public UpSampling2D() {
    this(2);
  }

  public UpSampling2D(int size) {
    this(size, size);
  }

  public UpSampling2D(int h, int w) {
    size(h, w);
  }

  public UpSampling2D size(int size) {
    return size(size, size);
  }

  public UpSampling2D size(int h, int w) {
    if (h < 1 || w < 1) throw new IllegalArgumentException("UpSampling2D: size must be >= 1, got (" + h + ", " + w + ")");
    this.sizeH = h;
    this.sizeW = w;
    return this;
  }

  /** {@code "nearest"} or {@code "bilinear"}. */
  public UpSampling2D interpolation(String interpolation) {
    if (!"nearest".equals(interpolation) && !"bilinear".equals(interpolation)) {
      throw new IllegalArgumentException("UpSampling2D: interpolation must be \"nearest\" or \"bilinear\", got " + interpolation);
    }
    this.interpolation = interpolation;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    return NormOps.resize(x, sizeH, sizeW, interpolation);
  }
}

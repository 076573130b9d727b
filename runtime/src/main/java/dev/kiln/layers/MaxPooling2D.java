package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.ConvOps;
import dev.kiln.Padding;
import dev.kiln.Tensor;

/**
 * Keras {@code MaxPooling2D} (channels-last): pool size default 2x2, strides default to the pool size, VALID
 * padding by default. One node {@code scope/MaxPool}.
 */
public final class MaxPooling2D extends AbstractLayer {
  private final int[] poolSize;
  private int[] strides;
  private Padding padding = Padding.VALID;

  public MaxPooling2D() {
    this(2, 2);
  }

  public MaxPooling2D(int poolSize) {
    this(poolSize, poolSize);
  }

  public MaxPooling2D(int ph, int pw) {
    poolSize = new int[] {ConvLayerChecks.positive("MaxPooling2D", "pool size", ph),
        ConvLayerChecks.positive("MaxPooling2D", "pool size", pw)};
  }

  public MaxPooling2D strides(int s) {
    return strides(s, s);
  }

  public MaxPooling2D strides(int sh, int sw) {
    strides = new int[] {ConvLayerChecks.positive("MaxPooling2D", "stride", sh),
        ConvLayerChecks.positive("MaxPooling2D", "stride", sw)};
    return this;
  }

  public MaxPooling2D padding(Padding padding) {
    this.padding = padding;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    return ConvOps.maxPool2d(x, poolSize, strides == null ? poolSize : strides, padding);
  }
}

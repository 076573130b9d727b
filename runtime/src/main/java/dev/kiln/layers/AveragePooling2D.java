package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.ConvOps;
import dev.kiln.Padding;
import dev.kiln.Tensor;

/**
 * Keras {@code AveragePooling2D} (channels-last): pool size default 2x2, strides default to the pool size, VALID
 * padding by default. One node {@code scope/AvgPool}.
 */
public final class AveragePooling2D extends AbstractLayer {
  private final int[] poolSize;
  private int[] strides;
  private Padding padding = Padding.VALID;

  public AveragePooling2D() {
    this(2, 2);
  }

  public AveragePooling2D(int poolSize) {
    this(poolSize, poolSize);
  }

  public AveragePooling2D(int ph, int pw) {
    poolSize = new int[] {ConvLayerChecks.positive("AveragePooling2D", "pool size", ph),
        ConvLayerChecks.positive("AveragePooling2D", "pool size", pw)};
  }

  public AveragePooling2D strides(int s) {
    return strides(s, s);
  }

  public AveragePooling2D strides(int sh, int sw) {
    strides = new int[] {ConvLayerChecks.positive("AveragePooling2D", "stride", sh),
        ConvLayerChecks.positive("AveragePooling2D", "stride", sw)};
    return this;
  }

  public AveragePooling2D padding(Padding padding) {
    this.padding = padding;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    return ConvOps.avgPool2d(x, poolSize, strides == null ? poolSize : strides, padding);
  }
}

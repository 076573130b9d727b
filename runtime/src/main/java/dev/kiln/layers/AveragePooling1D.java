package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.ConvOps;
import dev.kiln.Padding;
import dev.kiln.Tensor;

/**
 * Keras {@code AveragePooling1D} on {@code [batch, steps, channels]}: pool size default 2, strides default to the
 * pool size, VALID by default. Composed as Reshape {@code [N, L, 1, C]}, {@code AvgPool} with a {@code [p, 1]}
 * window, Reshape back.
 */
public final class AveragePooling1D extends AbstractLayer {
  private final int poolSize;
  private int strides = -1;
  private Padding padding = Padding.VALID;

  public AveragePooling1D() {
    this(2);
  }

  public AveragePooling1D(int poolSize) {
    this.poolSize = ConvLayerChecks.positive("AveragePooling1D", "pool size", poolSize);
  }

  public AveragePooling1D strides(int strides) {
    this.strides = ConvLayerChecks.positive("AveragePooling1D", "stride", strides);
    return this;
  }

  public AveragePooling1D padding(Padding padding) {
    this.padding = padding;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    return ConvOps.avgPool1d(x, poolSize, strides < 0 ? poolSize : strides, padding);
  }
}

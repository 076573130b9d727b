package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.ConvOps;
import dev.kiln.Padding;
import dev.kiln.Tensor;

/**
 * Keras {@code MaxPooling1D} on {@code [batch, steps, channels]}: pool size default 2, strides default to the
 * pool size, VALID by default. Composed as Reshape {@code [N, L, 1, C]}, {@code MaxPool} with a {@code [p, 1]}
 * window, Reshape back.
 */
public final class MaxPooling1D extends AbstractLayer {
  private final int poolSize;
  private int strides = -1;
  private Padding padding = Padding.VALID;

  public MaxPooling1D() {
    this(2);
  }

  public MaxPooling1D(int poolSize) {
    this.poolSize = ConvLayerChecks.positive("MaxPooling1D", "pool size", poolSize);
  }

  public MaxPooling1D strides(int strides) {
    this.strides = ConvLayerChecks.positive("MaxPooling1D", "stride", strides);
    return this;
  }

  public MaxPooling1D padding(Padding padding) {
    this.padding = padding;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    return ConvOps.maxPool1d(x, poolSize, strides < 0 ? poolSize : strides, padding);
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code GlobalMaxPooling1D}: {@code [N, L, C]} to {@code [N, C]} ({@code [N, 1, C]} with
 * {@code keepDims(true)}), by {@code Ops.max} over axis 1.
 */
public final class GlobalMaxPooling1D extends AbstractLayer {
  private boolean keepDims;

  public GlobalMaxPooling1D keepDims(boolean keepDims) {
    this.keepDims = keepDims;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    if (x.rank() != 3) {
      throw new IllegalArgumentException("GlobalMaxPooling1D: input must have rank 3 [batch, steps, channels], got "
          + dev.kiln.Shapes.toString(x.shape()));
    }
    return Ops.max(x, 1, keepDims);
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code GlobalAveragePooling1D}: {@code [N, L, C]} to {@code [N, C]} ({@code [N, 1, C]} with
 * {@code keepDims(true)}), by {@code Ops.mean} over axis 1.
 */
public final class GlobalAveragePooling1D extends AbstractLayer {
  private boolean keepDims;

  public GlobalAveragePooling1D keepDims(boolean keepDims) {
    this.keepDims = keepDims;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    if (x.rank() != 3) {
      throw new IllegalArgumentException("GlobalAveragePooling1D: input must have rank 3 [batch, steps, channels], got "
          + dev.kiln.Shapes.toString(x.shape()));
    }
    return Ops.mean(x, 1, keepDims);
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code GlobalMaxPooling2D}: {@code [N, H, W, C]} to {@code [N, C]} ({@code [N, 1, 1, C]} with
 * {@code keepDims(true)}), by {@code Ops.max} over the spatial axes.
 */
public final class GlobalMaxPooling2D extends AbstractLayer {
  private boolean keepDims;

  public GlobalMaxPooling2D keepDims(boolean keepDims) {
    this.keepDims = keepDims;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    if (x.rank() != 4) {
      throw new IllegalArgumentException("GlobalMaxPooling2D: input must have rank 4 [batch, height, width, channels], got "
          + dev.kiln.Shapes.toString(x.shape()));
    }
    return Ops.max(x, new int[] {1, 2}, keepDims);
  }
}

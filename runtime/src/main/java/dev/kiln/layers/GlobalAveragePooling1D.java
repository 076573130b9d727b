package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code GlobalAveragePooling1D}: {@code [N, L, C]} to {@code [N, C]} ({@code [N, 1, C]} with
 * {@code keepDims(true)}), by {@code Ops.mean} over axis 1. With a mask {@code [N, L]} it averages the unmasked steps
 * only (Keras 3: {@code sum(where(mask, x, 0)) / sum(mask)}; a row with every step masked gives NaN) and the output
 * carries no mask.
 */
public final class GlobalAveragePooling1D extends AbstractLayer {
  private boolean keepDims;

  public GlobalAveragePooling1D keepDims(boolean keepDims) {
    this.keepDims = keepDims;
    return this;
  }

  @Override
  protected Tensor call(Tensor x, boolean training, Tensor mask) {
    if (mask == null) return call(x);
    checkRank(x);
    Tensor expanded = Ops.expandDims(mask, 2);
    Tensor sum = Ops.sum(Ops.where(expanded, x, 0f), 1, keepDims);
    return Ops.divide(sum, Ops.sum(Ops.cast(expanded, DType.FLOAT32), 1, keepDims));
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }

  @Override
  public Tensor computeMask(Tensor inputs, Tensor mask) {
    return null;
  }

  @Override
  protected Tensor call(Tensor x) {
    checkRank(x);
    return Ops.mean(x, 1, keepDims);
  }

  private static void checkRank(Tensor x) {
    if (x.rank() != 3) {
      throw new IllegalArgumentException("GlobalAveragePooling1D: input must have rank 3 [batch, steps, channels], got "
          + dev.kiln.Shapes.toString(x.shape()));
    }
  }
}

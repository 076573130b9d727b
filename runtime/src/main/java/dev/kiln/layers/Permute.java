package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras {@code Permute}: {@code dims} are 1-based and exclude the batch axis ({@code new Permute(2, 1)}). */
public final class Permute extends AbstractLayer {
  private final int[] dims;

  public Permute(int... dims) {
    this.dims = dims.clone();
  }

  @Override
  protected Tensor call(Tensor x) {
    if (dims.length != x.rank() - 1) {
      throw new IllegalArgumentException("Permute: dims of length " + dims.length + " do not fit input of rank " + x.rank());
    }
    int[] perm = new int[dims.length + 1];
    for (int i = 0; i < dims.length; i++) perm[i + 1] = dims[i];
    return Ops.transpose(x, perm);
  }
}

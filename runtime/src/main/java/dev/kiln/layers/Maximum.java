package dev.kiln.layers;

import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras Maximum: the elementwise maximum of the inputs (broadcasting). Applied as {@code layer.apply(a, b)} or {@code layer.apply(a, b, c, ...)}. */
public final class Maximum extends Merge {
  public Maximum() {}

  @Override
  protected Tensor call(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException("Maximum needs at least one input");
    Tensor y = inputs[0];
    for (int i = 1; i < inputs.length; i++) y = Ops.maximum(y, inputs[i]);
    return y;
  }
}

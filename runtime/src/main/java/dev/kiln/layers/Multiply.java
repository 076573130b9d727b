package dev.kiln.layers;

import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras Multiply: the elementwise product of the inputs (broadcasting). Applied as {@code layer.apply(a, b)} or {@code layer.apply(a, b, c, ...)}. */
public final class Multiply extends Merge {
  public Multiply() {}

  @Override
  protected Tensor call(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException("Multiply needs at least one input");
    Tensor y = inputs[0];
    for (int i = 1; i < inputs.length; i++) y = Ops.multiply(y, inputs[i]);
    return y;
  }
}

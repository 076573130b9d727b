package dev.kiln.layers;

import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras Add: the elementwise sum of the inputs (broadcasting). Applied as {@code layer.apply(a, b)} or {@code layer.apply(a, b, c, ...)}. */
public final class Add extends Merge {
  public Add() {}

  @Override
  protected Tensor call(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException("Add needs at least one input");
    Tensor y = inputs[0];
    for (int i = 1; i < inputs.length; i++) y = Ops.add(y, inputs[i]);
    return y;
  }
}

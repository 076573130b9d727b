package dev.kiln.layers;

import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras {@code Average}: the elementwise mean of the inputs, {@code (a + b + ...) / n}. */
public final class Average extends Merge {
  public Average() {}

  @Override
  protected Tensor call(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException("Average needs at least one input");
    if (inputs.length == 1) return inputs[0];
    Tensor y = inputs[0];
    for (int i = 1; i < inputs.length; i++) y = Ops.add(y, inputs[i]);
    return Ops.divide(y, (float) inputs.length);
  }
}

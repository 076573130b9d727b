package dev.kiln.layers;

import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras {@code Subtract}: {@code a - b}, exactly two inputs. */
public final class Subtract extends Merge {
  public Subtract() {}

  @Override
  protected Tensor call(Tensor... inputs) {
    if (inputs.length != 2) throw new IllegalArgumentException("Subtract needs exactly 2 inputs, got " + inputs.length);
    return Ops.subtract(inputs[0], inputs[1]);
  }
}

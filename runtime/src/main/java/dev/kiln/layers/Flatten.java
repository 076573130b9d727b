package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras {@code Flatten}: keeps the batch axis and flattens the rest ({@code [b, h, w, c] -> [b, h*w*c]}). */
public final class Flatten extends AbstractLayer {
  public Flatten() {}

  @Override
  protected Tensor call(Tensor x) {
    return Ops.flatten(x);
  }
}

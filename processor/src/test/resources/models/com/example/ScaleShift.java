package com.example;

import dev.kiln.*;

/** A user layer with its own weights (Keras build / add_weight / call). */
public final class ScaleShift extends AbstractLayer {
  private Tensor gamma;
  private Tensor beta;

  @Override
  protected void build(TensorShape inputShape) {
    gamma = addWeight("gamma", Initializers.ones(), inputShape.dim(-1));
    beta = addWeight("beta", Initializers.zeros(), inputShape.dim(-1));
  }

  @Call
  @Override
  protected Tensor call(Tensor x) {
    return Ops.add(Ops.multiply(x, gamma), beta);
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code Activation} layer: applies an {@link Activation}. It is not called {@code Activation} because
 * {@code import dev.kiln.*; import dev.kiln.layers.*;} would then make {@code Activation.RELU} ambiguous.
 */
public final class ActivationLayer extends AbstractLayer {
  private final Activation activation;

  public ActivationLayer(Activation activation) {
    if (activation == null) throw new IllegalArgumentException("ActivationLayer: activation is null");
    this.activation = activation;
  }

  @Override
  protected Tensor call(Tensor x) {
    return Ops.activation(x, activation);
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

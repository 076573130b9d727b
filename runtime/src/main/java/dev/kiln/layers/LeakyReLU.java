package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code LeakyReLU} layer: {@code x} for {@code x >= 0}, {@code negativeSlope * x} otherwise. Its default
 * slope is Keras' 0.3 (the {@code leaky_relu} activation and {@code Ops.leakyRelu(x)} use 0.2).
 */
public final class LeakyReLU extends AbstractLayer {
  private float negativeSlope;

  public LeakyReLU() {
    this(0.3f);
  }

  public LeakyReLU(float negativeSlope) {
    this.negativeSlope = negativeSlope;
  }

  /** Keras 3 {@code negative_slope} (Keras 2 called it {@code alpha}). */
  public LeakyReLU negativeSlope(float negativeSlope) {
    this.negativeSlope = negativeSlope;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    return Ops.leakyRelu(x, negativeSlope);
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

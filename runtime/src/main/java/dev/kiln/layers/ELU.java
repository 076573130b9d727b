package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras {@code ELU} layer: {@code x} for {@code x > 0}, {@code alpha * (exp(x) - 1)} otherwise (default alpha 1). */
public final class ELU extends AbstractLayer {
  private float alpha;

  public ELU() {
    this(1f);
  }

  public ELU(float alpha) {
    this.alpha = alpha;
  }

  public ELU alpha(float alpha) {
    this.alpha = alpha;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    return Ops.elu(x, alpha);
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

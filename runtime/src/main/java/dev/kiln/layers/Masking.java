package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code Masking}: a step whose features all equal {@code maskValue} (default 0) is masked. The output is the
 * input with those steps zeroed, carrying the mask {@code any(x != maskValue, -1)} (the graph tensor
 * {@code <layer>/Any:0}).
 *
 * <pre>{@code @Layer final Masking masking = new Masking(-1f);}</pre>
 */
public final class Masking extends AbstractLayer {
  private final float maskValue;

  public Masking() {
    this(0f);
  }

  public Masking(float maskValue) {
    this.maskValue = maskValue;
  }

  public float maskValue() {
    return maskValue;
  }

  @Override
  protected Tensor call(Tensor x) {
    Tensor mask = computeMask(x, null);
    Tensor kept = Ops.multiply(x, Ops.cast(Ops.expandDims(mask, -1), DType.FLOAT32));
    return kept.withMask(mask);
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }

  @Override
  public Tensor computeMask(Tensor inputs, Tensor mask) {
    return Ops.any(Ops.notEqual(inputs, maskValue), -1, false);
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code ReLU}: {@code min(x, maxValue)} for {@code x >= 0}, {@code negativeSlope * x} below. With the
 * defaults it is a {@code Relu} op, with {@code maxValue == 6} a {@code Relu6} op, with only a slope a
 * {@code LeakyRelu} op; other combinations are composed from {@link Ops}. A non-zero {@code threshold} cannot
 * be expressed in the op language and is rejected with {@link IllegalArgumentException} when called.
 */
public final class ReLU extends AbstractLayer {
  private Float maxValue;
  private float negativeSlope;
  private float threshold;

  public ReLU() {}

  public ReLU(float maxValue) {
    maxValue(maxValue);
  }

  public ReLU maxValue(float maxValue) {
    if (maxValue < 0) throw new IllegalArgumentException("ReLU: maxValue must be >= 0, got " + maxValue);
    this.maxValue = maxValue;
    return this;
  }

  public ReLU negativeSlope(float negativeSlope) {
    if (negativeSlope < 0) throw new IllegalArgumentException("ReLU: negativeSlope must be >= 0, got " + negativeSlope);
    this.negativeSlope = negativeSlope;
    return this;
  }

  public ReLU threshold(float threshold) {
    this.threshold = threshold;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    if (threshold != 0f) {
      throw new IllegalArgumentException("ReLU: threshold " + threshold + " is not supported (only 0)");
    }
    if (maxValue == null) return negativeSlope == 0f ? Ops.relu(x) : Ops.leakyRelu(x, negativeSlope);
    Tensor pos = maxValue == 6f ? Ops.relu6(x) : Ops.clip(x, 0f, maxValue);
    if (negativeSlope == 0f) return pos;
    return Ops.subtract(pos, Ops.multiply(Ops.relu(Ops.negate(x)), negativeSlope));
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

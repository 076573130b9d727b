package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Tensor;
import java.util.Random;

/**
 * Keras {@code Dropout}: the identity at inference ({@code training == false}) and always in traced graphs
 * (it records no node). Eagerly with {@code training == true} it is inverted dropout: each value is zeroed with
 * probability {@code rate} and the others are scaled by {@code 1 / (1 - rate)}. Tracing with
 * {@code training == true} is an error: compiled sessions run inference.
 */
public final class Dropout extends AbstractLayer {
  private final float rate;
  private Random random = new Random();

  public Dropout(float rate) {
    if (!(rate >= 0f && rate < 1f)) throw new IllegalArgumentException("Dropout: rate must be in [0, 1), got " + rate);
    this.rate = rate;
  }

  public Dropout seed(long seed) {
    this.random = new Random(seed);
    return this;
  }

  public float rate() {
    return rate;
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    if (x.isSymbolic()) {
      if (training) throw new IllegalArgumentException("Dropout: training=true is not supported in compiled sessions");
      return x;
    }
    if (!training || rate == 0f) return x;
    float[] in = x.toFloatArray();
    float scale = 1f / (1f - rate);
    for (int i = 0; i < in.length; i++) in[i] = random.nextFloat() < rate ? 0f : in[i] * scale;
    return Tensor.wrap(in, x.shape());
  }

  @Override
  protected Tensor call(Tensor x) {
    return call(x, false);
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code Softmax} layer (default axis -1). A mask, given to {@code apply} or carried by the input, pushes the
 * masked positions to {@code -1e9} before the softmax (Keras: {@code x + (1 - mask) * -1e9}); it must broadcast against
 * the input, as in Keras. The mask passes on.
 */
public final class Softmax extends AbstractLayer {
  private int axis;

  public Softmax() {
    this(-1);
  }

  public Softmax(int axis) {
    this.axis = axis;
  }

  public Softmax axis(int axis) {
    this.axis = axis;
    return this;
  }

  @Override
  protected Tensor call(Tensor x, boolean training, Tensor mask) {
    if (mask != null) {
      Tensor adder = Ops.multiply(Ops.subtract(1f, Ops.cast(mask, DType.FLOAT32)), -1e9f);
      x = Ops.add(x, adder);
    }
    return Ops.softmax(x, axis);
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }
}

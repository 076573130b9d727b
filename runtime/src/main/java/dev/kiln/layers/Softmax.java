package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras {@code Softmax} layer (default axis -1). */
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
  protected Tensor call(Tensor x) {
    return Ops.softmax(x, axis);
  }
}

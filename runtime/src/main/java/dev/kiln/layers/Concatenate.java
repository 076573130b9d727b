package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/** Keras {@code Concatenate} along {@code axis} (default -1). */
public final class Concatenate extends AbstractLayer {
  private int axis;

  public Concatenate() {
    this(-1);
  }

  public Concatenate(int axis) {
    this.axis = axis;
  }

  public Concatenate axis(int axis) {
    this.axis = axis;
    return this;
  }

  @Override
  protected Tensor call(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException("Concatenate needs at least one input");
    return Ops.concat(axis, inputs);
  }
}

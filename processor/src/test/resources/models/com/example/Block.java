package com.example;

import dev.kiln.*;
import dev.kiln.layers.*;

/** A residual block: constructor parameters, if/else in the constructor, a null layer, a private helper. */
public final class Block extends AbstractLayer {
  static final int EXPANSION = 2;

  @Layer final Dense expand;
  @Layer final Dense project;
  @Layer final ScaleShift norm = new ScaleShift();
  @Layer final Dropout dropout;
  private final boolean residual;

  public Block(int width, boolean residual, float dropRate) {
    this.expand = new Dense(width * EXPANSION).activation(Activation.RELU);
    this.project = new Dense(width);
    this.residual = residual;
    if (dropRate > 0) {
      dropout = new Dropout(dropRate);
    } else {
      dropout = null;
    }
  }

  @Call
  @Override
  protected Tensor call(Tensor x, boolean training) {
    Tensor y = project.apply(expand.apply(x));
    y = norm.apply(y);
    if (dropout != null) {
      y = dropout.apply(y, training);
    }
    return residual ? activate(Ops.add(x, y)) : activate(y);
  }

  private Tensor activate(Tensor t) {
    return Ops.relu(t);
  }
}

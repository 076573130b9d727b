package com.example;

import dev.kiln.*;
import dev.kiln.layers.*;

/** Every @Call construct of API.md §1 in one root model with two inputs and two outputs. */
public final class Family extends Model {
  static final int WIDTH = 8;
  static final int DEPTH = 3;

  @Layer final Dense stem = new Dense(WIDTH).activation(Activation.TANH);
  @Layer final Block[] blocks = {new Block(WIDTH, true, 0.1f), new Block(WIDTH, true, 0f), new Block(WIDTH, false, 0f)};
  @Layer final Encoder encoder = new Encoder();
  @Layer final Dense[] heads = {new Dense(3), new Dense(3)};
  @Layer final Concatenate concat = new Concatenate(-1);
  @Layer final Dense unused = null;
  @Layer final Softmax softmax = new Softmax();
  private final boolean useEncoder = true;

  @Call
  public Tensor[] forward(@Shape({-1, 5}) Tensor x, @Shape({-1, 4}) Tensor side, boolean training) {
    Tensor h = stem.apply(x);
    for (int i = 0; i < blocks.length; i++) {
      h = blocks[i].apply(h, training);
    }
    Tensor e = useEncoder ? encoder.apply(h, h) : h;
    int n = 0;
    Tensor[] outs = new Tensor[2];
    for (Dense head : heads) {
      outs[n] = head.apply(e);
      n++;
    }
    if (side.dim(-1) == 4 && !training) {
      outs[1] = Ops.add(outs[1], Ops.mean(side, -1, true));
    }
    Tensor both = concat.apply(outs[0], outs[1]);
    Tensor scaled = scale(both, DEPTH);
    return new Tensor[] {softmax.apply(scaled), Ops.relu(Ops.subtract(scaled, 0.5f))};
  }

  private static Tensor scale(Tensor t, int times) {
    Tensor r = t;
    for (int k = 0; k < times; k++) {
      r = Ops.multiply(r, 0.5f);
    }
    return r;
  }
}

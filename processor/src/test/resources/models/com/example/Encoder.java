package com.example;

import dev.kiln.*;
import dev.kiln.layers.*;

/** A nested model with two inputs. */
public final class Encoder extends Model {
  @Layer final Dense left = new Dense(6);
  @Layer final Dense right = new Dense(6);
  @Layer final Add merge = new Add();

  @Call
  @Override
  public Tensor call(Tensor a, Tensor b) {
    return merge.apply(left.apply(a), right.apply(b));
  }
}

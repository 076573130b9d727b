package dev.kiln.example;

import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.ReLU;

/** The {@code seed} command's model: Dense(4) on the last axis of a [1, 2, 3] input, then ReLU. */
public final class SeedModel extends Model {
  @Layer final Dense dense = new Dense(4);
  @Layer final ReLU relu = new ReLU();

  @Call
  public Tensor call(@Shape({1, 2, 3}) Tensor inputs, boolean training) {
    Tensor h = dense.apply(inputs);
    return relu.apply(h);
  }
}

package dev.kiln.spark.models;

import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Ops;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;

/** Two placeholders, a [-1, 3] and b [-1, 2], concatenated into one Dense(3). */
public final class TwoInputs extends Model {
  @Layer final Dense out = new Dense(3);

  @Call
  public Tensor call(@Shape({-1, 3}) Tensor a, @Shape({-1, 2}) Tensor b) {
    return out.apply(Ops.concat(1, a, b));
  }
}

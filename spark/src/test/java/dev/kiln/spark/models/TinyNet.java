package dev.kiln.spark.models;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Flatten;

/** Rows of 6 values, read as [2, 3]; four softmax classes. */
public final class TinyNet extends Model {
  @Layer final Flatten flatten = new Flatten();
  @Layer final Dense hidden = new Dense(5).activation(Activation.TANH);
  @Layer final Dense out = new Dense(4).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape({-1, 2, 3}) Tensor x) {
    return out.apply(hidden.apply(flatten.apply(x)));
  }
}

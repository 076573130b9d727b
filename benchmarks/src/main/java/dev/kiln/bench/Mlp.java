package dev.kiln.bench;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;

/** MLP 784-128-10 (relu, softmax), as example-app's Mlp (its Dropout is the identity at inference). */
public final class Mlp extends Model {
  @Layer final Dense hidden = new Dense(128).activation(Activation.RELU);
  @Layer final Dense out = new Dense(10).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape({-1, 784}) Tensor x, boolean training) {
    return out.apply(hidden.apply(x));
  }
}

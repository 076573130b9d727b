package dev.kiln.example;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;

/** The MLP of API.md section 1: 784-128-10, relu then softmax. */
public final class Mlp extends Model {
  @Layer final Dense hidden = new Dense(128).activation(Activation.RELU);
  @Layer final Dropout dropout = new Dropout(0.2f);
  @Layer final Dense out = new Dense(10).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape({-1, 784}) Tensor x, boolean training) {
    Tensor h = hidden.apply(x);
    h = dropout.apply(h, training);
    return out.apply(h);
  }
}

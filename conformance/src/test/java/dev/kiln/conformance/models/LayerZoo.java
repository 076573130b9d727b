package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * The built-in layers without convolutions: merge layers, ReLU variants, Softmax, Flatten, Reshape, Permute,
 * Dropout and an Activation layer, with two image-like inputs and a training flag (a user's model).
 */
public final class LayerZoo extends Model {
  @Layer final Add add = new Add();
  @Layer final Subtract subtract = new Subtract();
  @Layer final Multiply multiply = new Multiply();
  @Layer final Average average = new Average();
  @Layer final Maximum maximum = new Maximum();
  @Layer final Minimum minimum = new Minimum();
  @Layer final Concatenate concat = new Concatenate();
  @Layer final ReLU relu = new ReLU();
  @Layer final ReLU relu6 = new ReLU(6f);
  @Layer final ReLU capped = new ReLU(2.5f).negativeSlope(0.1f);
  @Layer final ReLU leaky = new ReLU().negativeSlope(0.3f);
  @Layer final Permute permute = new Permute(3, 1, 2);
  @Layer final Flatten flatten = new Flatten();
  @Layer final Reshape reshape = new Reshape(-1, 4);
  @Layer final Dropout dropout = new Dropout(0.3f);
  @Layer final ActivationLayer act = new ActivationLayer(Activation.SILU);
  @Layer final Dense dense = new Dense(6).activation(Activation.RELU6);
  @Layer final Softmax softmax = new Softmax(1);

  @Call
  public Tensor[] forward(@Shape({-1, 2, 3, 4}) Tensor a, @Shape({-1, 2, 3, 4}) Tensor b, boolean training) {
    Tensor sum = add.apply(a, b, Ops.multiply(a, 0.5f));
    Tensor merged = concat.apply(subtract.apply(a, b), multiply.apply(a, b), average.apply(a, b, sum),
        maximum.apply(a, b), minimum.apply(a, b));                       // [-1, 2, 3, 20]
    Tensor r = Ops.concat(-1, relu.apply(merged), relu6.apply(Ops.multiply(merged, 3f)), capped.apply(merged),
        leaky.apply(merged));                                           // [-1, 2, 3, 80]
    Tensor p = permute.apply(r);                                        // [-1, 80, 2, 3]
    Tensor f = dropout.apply(flatten.apply(p), training);               // [-1, 480]
    Tensor h = dense.apply(act.apply(reshape.apply(f)));               // [-1, 120, 6]
    return new Tensor[] {merged, softmax.apply(h), f};
  }
}

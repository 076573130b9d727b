package dev.kiln.bench;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.MaxPooling2D;

/** The small CNN of ORACLES.md: 28x28x1, conv3x3x16 relu, maxpool2, conv3x3x32 relu, maxpool2, flatten, dense10 softmax. */
public final class SmallCnn extends Model {
  @Layer final Conv2D conv1 = new Conv2D(16, 3).activation(Activation.RELU);
  @Layer final MaxPooling2D pool1 = new MaxPooling2D(2);
  @Layer final Conv2D conv2 = new Conv2D(32, 3).activation(Activation.RELU);
  @Layer final MaxPooling2D pool2 = new MaxPooling2D(2);
  @Layer final Flatten flatten = new Flatten();
  @Layer final Dense out = new Dense(10).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape({-1, 28, 28, 1}) Tensor x, boolean training) {
    Tensor h = pool1.apply(conv1.apply(x));
    h = pool2.apply(conv2.apply(h));
    return out.apply(flatten.apply(h));
  }
}

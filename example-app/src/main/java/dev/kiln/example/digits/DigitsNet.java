package dev.kiln.example.digits;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Padding;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.MaxPooling2D;

/**
 * Imported by kiln-import from model.json (Keras Functional model 'digits_net').
 */
public final class DigitsNet extends Model {
  @Layer
  final Conv2D conv1 = new Conv2D(8, 3).padding(Padding.SAME).activation(Activation.RELU);

  @Layer
  final MaxPooling2D pool1 = new MaxPooling2D(2);

  @Layer
  final Conv2D conv2 = new Conv2D(16, 3).activation(Activation.RELU);

  @Layer
  final MaxPooling2D pool2 = new MaxPooling2D(2);

  @Layer
  final Flatten flatten = new Flatten();

  @Layer
  final Dropout dropout = new Dropout(0.25f);

  @Layer
  final Dense denseHidden = new Dense(64).activation(Activation.RELU);

  @Layer
  final Dense denseOut = new Dense(10).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape({-1, 28, 28, 1}) Tensor image, boolean training) {
    Tensor conv1Out = conv1.apply(image);
    Tensor pool1Out = pool1.apply(conv1Out);
    Tensor conv2Out = conv2.apply(pool1Out);
    Tensor pool2Out = pool2.apply(conv2Out);
    Tensor flattenOut = flatten.apply(pool2Out);
    Tensor dropoutOut = dropout.apply(flattenOut, training);
    Tensor denseHiddenOut = denseHidden.apply(dropoutOut);
    Tensor denseOutOut = denseOut.apply(denseHiddenOut);
    return denseOutOut;
  }
}

package dev.kiln.example.vision;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * A ResNet-style network with bottleneck residual blocks (ResNet50's stem and blocks, three stages of two blocks
 * each) on 64×64×3 images with 10 classes: small enough to check against TensorFlow in seconds.
 */
public final class ResNet extends Model {
  static final int[] FILTERS = {16, 32, 64};
  static final int BLOCKS_PER_STAGE = 2;

  @Layer public final ZeroPadding2D stemPad = new ZeroPadding2D(3);
  @Layer public final Conv2D stem = new Conv2D(32, 7).strides(2);
  @Layer public final BatchNormalization stemBn = new BatchNormalization().epsilon(1.001e-5f);
  @Layer public final ZeroPadding2D poolPad = new ZeroPadding2D(1);
  @Layer public final MaxPooling2D pool = new MaxPooling2D(3).strides(2);
  @Layer public final Bottleneck[] blocks = new Bottleneck[FILTERS.length * BLOCKS_PER_STAGE];
  @Layer public final GlobalAveragePooling2D avg = new GlobalAveragePooling2D();
  @Layer public final Dense predictions = new Dense(10).activation(Activation.SOFTMAX);

  public ResNet() {
    int in = 32;
    for (int s = 0; s < FILTERS.length; s++) {
      for (int i = 0; i < BLOCKS_PER_STAGE; i++) {
        blocks[s * BLOCKS_PER_STAGE + i] = new Bottleneck(in, FILTERS[s], i == 0 && s > 0 ? 2 : 1);
        in = 4 * FILTERS[s];
      }
    }
  }

  @Call
  public Tensor call(@Shape({-1, 64, 64, 3}) Tensor image) {
    Tensor x = Ops.relu(stemBn.apply(stem.apply(stemPad.apply(image))));
    x = pool.apply(poolPad.apply(x));
    for (int i = 0; i < blocks.length; i++) {
      x = blocks[i].apply(x);
    }
    return predictions.apply(avg.apply(x));
  }
}

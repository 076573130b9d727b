package dev.kiln.example.vision;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * MobileNetV2 (alpha 1.0, 224×224×3, 1000 classes) written as a Kiln user would write it, following
 * keras.applications.MobileNetV2 layer by layer. Weight names follow the fields: {@code blocks/3/depthwise/...}.
 */
public final class MobileNetV2 extends Model {
  /** (expansion t, output channels c, repeats n, first stride s) per stage, as in the paper's Table 2. */
  static final int[][] STAGES = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1},
      {6, 160, 3, 2}, {6, 320, 1, 1}};
  static final int BLOCKS = 17;

  @Layer public final Conv2D stem = new Conv2D(32, 3).strides(2).padding(Padding.SAME).useBias(false);
  @Layer public final BatchNormalization stemBn = new BatchNormalization().epsilon(1e-3f).momentum(0.999f);
  @Layer public final InvertedResidual[] blocks = new InvertedResidual[BLOCKS];
  @Layer public final Conv2D head = new Conv2D(1280, 1).useBias(false);
  @Layer public final BatchNormalization headBn = new BatchNormalization().epsilon(1e-3f).momentum(0.999f);
  @Layer public final GlobalAveragePooling2D pool = new GlobalAveragePooling2D();
  @Layer public final Dense predictions = new Dense(1000).activation(Activation.SOFTMAX);

  public MobileNetV2() {
    int in = 32;
    int b = 0;
    for (int[] stage : STAGES) {
      for (int i = 0; i < stage[2]; i++) {
        blocks[b] = new InvertedResidual(in, stage[0], i == 0 ? stage[3] : 1, stage[1]);
        in = stage[1];
        b++;
      }
    }
  }

  @Call
  public Tensor call(@Shape({-1, 224, 224, 3}) Tensor image) {
    Tensor x = Ops.relu6(stemBn.apply(stem.apply(image)));
    for (InvertedResidual block : blocks) {
      x = block.apply(x);
    }
    x = Ops.relu6(headBn.apply(head.apply(x)));
    return predictions.apply(pool.apply(x));
  }
}

package dev.kiln.example.vision;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * A ResNet v1 bottleneck block (1×1 reduce, 3×3, 1×1 expand, each with BatchNormalization) with a projection
 * shortcut when the shape changes, as keras.applications' ResNet50 builds it.
 */
public final class Bottleneck extends AbstractLayer {
  @Layer public final Conv2D shortcut;
  @Layer public final BatchNormalization shortcutBn;
  @Layer public final Conv2D reduce;
  @Layer public final BatchNormalization reduceBn;
  @Layer public final Conv2D conv;
  @Layer public final BatchNormalization convBn;
  @Layer public final Conv2D expand;
  @Layer public final BatchNormalization expandBn;

  public Bottleneck(int inChannels, int filters, int stride) {
    if (stride != 1 || inChannels != 4 * filters) {
      shortcut = new Conv2D(4 * filters, 1).strides(stride);
      shortcutBn = new BatchNormalization().epsilon(1.001e-5f);
    } else {
      shortcut = null;
      shortcutBn = null;
    }
    reduce = new Conv2D(filters, 1).strides(stride);
    reduceBn = new BatchNormalization().epsilon(1.001e-5f);
    conv = new Conv2D(filters, 3).padding(Padding.SAME);
    convBn = new BatchNormalization().epsilon(1.001e-5f);
    expand = new Conv2D(4 * filters, 1);
    expandBn = new BatchNormalization().epsilon(1.001e-5f);
  }

  @Call
  @Override
  protected Tensor call(Tensor x) {
    Tensor s = shortcut == null ? x : shortcutBn.apply(shortcut.apply(x));
    Tensor y = Ops.relu(reduceBn.apply(reduce.apply(x)));
    y = Ops.relu(convBn.apply(conv.apply(y)));
    y = expandBn.apply(expand.apply(y));
    return Ops.relu(Ops.add(s, y));
  }
}

package dev.kiln.example.vision;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * MobileNetV2's inverted residual block, as keras.applications builds it: a 1×1 expansion (absent in the first
 * block), a 3×3 depthwise convolution, a linear 1×1 projection, and a residual add when shapes allow.
 */
public final class InvertedResidual extends AbstractLayer {
  @Layer public final Conv2D expand;
  @Layer public final BatchNormalization expandBn;
  @Layer public final DepthwiseConv2D depthwise;
  @Layer public final BatchNormalization depthwiseBn;
  @Layer public final Conv2D project;
  @Layer public final BatchNormalization projectBn;
  private final int stride;
  private final boolean residual;

  public InvertedResidual(int inChannels, int expansion, int stride, int filters) {
    this.stride = stride;
    this.residual = inChannels == filters && stride == 1;
    if (expansion != 1) {
      expand = new Conv2D(expansion * inChannels, 1).padding(Padding.SAME).useBias(false);
      expandBn = new BatchNormalization().epsilon(1e-3f).momentum(0.999f);
    } else {
      expand = null;
      expandBn = null;
    }
    depthwise = new DepthwiseConv2D(3).strides(stride).padding(stride == 1 ? Padding.SAME : Padding.VALID).useBias(false);
    depthwiseBn = new BatchNormalization().epsilon(1e-3f).momentum(0.999f);
    project = new Conv2D(filters, 1).padding(Padding.SAME).useBias(false);
    projectBn = new BatchNormalization().epsilon(1e-3f).momentum(0.999f);
  }

  @Call
  @Override
  protected Tensor call(Tensor inputs) {
    Tensor x = inputs;
    if (expand != null) {
      x = Ops.relu6(expandBn.apply(expand.apply(x)));
    }
    if (stride == 2) {
      // keras.applications' correct_pad: one pixel after, and one before only for odd sizes.
      int top = x.dim(1) % 2;
      int left = x.dim(2) % 2;
      x = Ops.pad(x, new int[][] {{0, 0}, {top, 1}, {left, 1}, {0, 0}});
    }
    x = Ops.relu6(depthwiseBn.apply(depthwise.apply(x)));
    x = projectBn.apply(project.apply(x));
    return residual ? Ops.add(inputs, x) : x;
  }
}

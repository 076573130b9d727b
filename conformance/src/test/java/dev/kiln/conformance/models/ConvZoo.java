package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * A small CNN as a user writes it: zero padding, strided SAME and dilated VALID convolutions, BatchNormalization
 * (folded by the processor), a residual add, depthwise convolution, max and average pooling, upsampling,
 * LayerNormalization, global pooling and a Dense head.
 */
public final class ConvZoo extends Model {
  @Layer final ZeroPadding2D pad = new ZeroPadding2D(1);
  @Layer final Conv2D stem = new Conv2D(8, 3).strides(2).padding(Padding.SAME).useBias(false);
  @Layer final BatchNormalization bn = new BatchNormalization();
  @Layer final DepthwiseConv2D dw = new DepthwiseConv2D(3).padding(Padding.SAME).activation(Activation.RELU6);
  @Layer final Conv2D dilated = new Conv2D(8, 3).dilationRate(2).padding(Padding.SAME);
  @Layer final MaxPooling2D maxPool = new MaxPooling2D(2);
  @Layer final AveragePooling2D avgPool = new AveragePooling2D(3).strides(1).padding(Padding.SAME);
  @Layer final UpSampling2D up = new UpSampling2D(2);
  @Layer final LayerNormalization norm = new LayerNormalization();
  @Layer final GlobalAveragePooling2D gap = new GlobalAveragePooling2D();
  @Layer final Dense head = new Dense(5).activation(Activation.SOFTMAX);

  @Call
  public Tensor[] forward(@Shape({-1, 10, 9, 3}) Tensor image, boolean training) {
    Tensor h = Ops.relu(bn.apply(stem.apply(pad.apply(image)), training));   // [-1, 6, 6, 8]
    Tensor r = Ops.add(h, dilated.apply(dw.apply(h)));                        // residual
    Tensor p = maxPool.apply(r);                                              // [-1, 3, 3, 8]
    Tensor a = avgPool.apply(p);
    Tensor u = norm.apply(up.apply(a));                                       // [-1, 6, 6, 8]
    return new Tensor[] {u, head.apply(gap.apply(u))};
  }
}

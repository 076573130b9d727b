package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * Two inputs, two outputs, as a user writes it. A 1-D path over a sequence (causal dilated Conv1D, max pooling,
 * asymmetric zero padding, a strided grouped SAME Conv1D, cropping, upsampling, SAME average pooling) and a 2-D path
 * over an image (strided SAME Conv2DTranspose, SeparableConv2D with depth multiplier 2, grouped Conv2D, Cropping2D,
 * ZeroPadding2D followed by a VALID Conv2D (the processor folds the padding into the convolution), bilinear
 * UpSampling2D, GlobalMaxPooling2D); a Dense head over both paths' pooled features.
 */
public final class VisionZoo extends Model {
  @Layer final Conv1D causal = new Conv1D(6, 3).padding("causal").dilationRate(2).activation(Activation.RELU);
  @Layer final MaxPooling1D pool1 = new MaxPooling1D(2);
  @Layer final ZeroPadding1D pad1 = new ZeroPadding1D(1, 2);
  @Layer final Conv1D grouped1 = new Conv1D(6, 3).strides(2).padding(Padding.SAME).groups(2);
  @Layer final Cropping1D crop1 = new Cropping1D(1, 0);
  @Layer final UpSampling1D up1 = new UpSampling1D(2);
  @Layer final AveragePooling1D avg1 = new AveragePooling1D(3).strides(2).padding(Padding.SAME);
  @Layer final GlobalAveragePooling1D gap1 = new GlobalAveragePooling1D();

  @Layer final Conv2DTranspose deconv = new Conv2DTranspose(8, 3).strides(2).padding(Padding.SAME);
  @Layer final SeparableConv2D sep = new SeparableConv2D(8, 3).depthMultiplier(2).padding(Padding.SAME)
      .activation(Activation.RELU);
  @Layer final Conv2D grouped = new Conv2D(8, 3).groups(4);
  @Layer final Cropping2D crop = new Cropping2D(1, 2);
  @Layer final ZeroPadding2D pad = new ZeroPadding2D(1);
  @Layer final Conv2D conv = new Conv2D(6, 3);
  @Layer final UpSampling2D up = new UpSampling2D(2).interpolation("bilinear");
  @Layer final GlobalMaxPooling2D gmp = new GlobalMaxPooling2D();
  @Layer final Concatenate concat = new Concatenate();
  @Layer final Dense head = new Dense(4);

  @Call
  public Tensor[] forward(@Shape({-1, 12, 4}) Tensor seq, @Shape({-1, 6, 6, 4}) Tensor image) {
    Tensor s = pool1.apply(causal.apply(seq));                       // [-1, 6, 6]
    s = crop1.apply(grouped1.apply(pad1.apply(s)));                  // [-1, 9, 6] -> [-1, 5, 6] -> [-1, 4, 6]
    s = avg1.apply(up1.apply(s));                                    // [-1, 8, 6] -> [-1, 4, 6]
    Tensor x = sep.apply(deconv.apply(image));                       // [-1, 12, 12, 8]
    x = crop.apply(grouped.apply(x));                                // [-1, 10, 10, 8] -> [-1, 8, 6, 8]
    x = up.apply(conv.apply(pad.apply(x)));                          // [-1, 8, 6, 6] -> [-1, 16, 12, 6]
    Tensor h = head.apply(concat.apply(gmp.apply(x), gap1.apply(s)));  // [-1, 12] -> [-1, 4]
    return new Tensor[] {s, h};
  }
}

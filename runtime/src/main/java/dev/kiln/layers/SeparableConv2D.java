package dev.kiln.layers;

import dev.kiln.ConvOps;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code SeparableConv2D}: a depthwise convolution (strides, padding, dilation) followed by a 1x1 pointwise
 * {@code Conv2D} (stride 1, VALID), then bias and activation. Weights
 * {@code depthwise_kernel [kh, kw, in, multiplier]}, {@code pointwise_kernel [1, 1, in * multiplier, filters]},
 * {@code bias [filters]}; nodes {@code scope/DepthwiseConv2dNative}, {@code scope/Conv2D}, {@code scope/BiasAdd}.
 */
public final class SeparableConv2D extends ConvLayer2D<SeparableConv2D> {
  private final int filters;
  private int[] dilationRate = {1, 1};
  private int depthMultiplier = 1;
  private Initializer depthwiseInitializer = Initializers.glorotUniform();
  private Initializer pointwiseInitializer = Initializers.glorotUniform();
  private Tensor depthwise;
  private Tensor pointwise;
  private Tensor bias;

  public SeparableConv2D(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  public SeparableConv2D(int filters, int kh, int kw) {
    super("SeparableConv2D", kh, kw);
    this.filters = ConvLayerChecks.positive("SeparableConv2D", "filters", filters);
  }

  @Override
  protected SeparableConv2D self() {
    return this;
  }

  public SeparableConv2D depthMultiplier(int depthMultiplier) {
    this.depthMultiplier = ConvLayerChecks.positive("SeparableConv2D", "depth multiplier", depthMultiplier);
    return this;
  }

  public SeparableConv2D dilationRate(int d) {
    return dilationRate(d, d);
  }

  public SeparableConv2D dilationRate(int dh, int dw) {
    dilationRate = new int[] {ConvLayerChecks.positive("SeparableConv2D", "dilation rate", dh),
        ConvLayerChecks.positive("SeparableConv2D", "dilation rate", dw)};
    return this;
  }

  public SeparableConv2D depthwiseInitializer(Initializer depthwiseInitializer) {
    this.depthwiseInitializer = depthwiseInitializer;
    return this;
  }

  public SeparableConv2D pointwiseInitializer(Initializer pointwiseInitializer) {
    this.pointwiseInitializer = pointwiseInitializer;
    return this;
  }

  @Override
  protected void build(TensorShape inputShape) {
    int in = ConvLayerChecks.channels("SeparableConv2D", inputShape, 4, "[batch, height, width, channels]");
    depthwise = addWeight("depthwise_kernel", depthwiseInitializer, kh, kw, in, depthMultiplier);
    pointwise = addWeight("pointwise_kernel", pointwiseInitializer, 1, 1, in * depthMultiplier, filters);
    if (useBias) bias = addWeight("bias", biasInitializer, filters);
  }

  @Override
  protected Tensor call(Tensor x) {
    Tensor y = ConvOps.depthwiseConv2d(x, depthwise, strides, dilationRate, padding);
    y = ConvOps.conv2d(y, pointwise, new int[] {1, 1}, new int[] {1, 1}, Padding.VALID, 1);
    if (useBias) y = Ops.biasAdd(y, bias);
    return Ops.activation(y, activation);
  }
}

package dev.kiln.layers;

import dev.kiln.ConvOps;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code DepthwiseConv2D}: each input channel convolved with its own {@code depthMultiplier} filters
 * (output channel {@code c * multiplier + m}). Weights {@code depthwise_kernel [kh, kw, in, multiplier]} and
 * {@code bias [in * multiplier]}; nodes {@code scope/DepthwiseConv2dNative}, {@code scope/BiasAdd}, activation.
 */
public final class DepthwiseConv2D extends ConvLayer2D<DepthwiseConv2D> {
  private int[] dilationRate = {1, 1};
  private int depthMultiplier = 1;
  private Initializer depthwiseInitializer = Initializers.glorotUniform();
  private Tensor kernel;
  private Tensor bias;

  public DepthwiseConv2D(int kernelSize) {
    this(kernelSize, kernelSize);
  }

  public DepthwiseConv2D(int kh, int kw) {
    super("DepthwiseConv2D", kh, kw);
  }

  @Override
  protected DepthwiseConv2D self() {
    return this;
  }

  public DepthwiseConv2D depthMultiplier(int depthMultiplier) {
    this.depthMultiplier = ConvLayerChecks.positive("DepthwiseConv2D", "depth multiplier", depthMultiplier);
    return this;
  }

  public DepthwiseConv2D dilationRate(int d) {
    return dilationRate(d, d);
  }

  public DepthwiseConv2D dilationRate(int dh, int dw) {
    dilationRate = new int[] {ConvLayerChecks.positive("DepthwiseConv2D", "dilation rate", dh),
        ConvLayerChecks.positive("DepthwiseConv2D", "dilation rate", dw)};
    return this;
  }

  public DepthwiseConv2D depthwiseInitializer(Initializer depthwiseInitializer) {
    this.depthwiseInitializer = depthwiseInitializer;
    return this;
  }

  @Override
  protected void build(TensorShape inputShape) {
    int in = ConvLayerChecks.channels("DepthwiseConv2D", inputShape, 4, "[batch, height, width, channels]");
    kernel = addWeight("depthwise_kernel", depthwiseInitializer, kh, kw, in, depthMultiplier);
    if (useBias) bias = addWeight("bias", biasInitializer, in * depthMultiplier);
  }

  @Override
  protected Tensor call(Tensor x) {
    Tensor y = ConvOps.depthwiseConv2d(x, kernel, strides, dilationRate, padding);
    if (useBias) y = Ops.biasAdd(y, bias);
    return Ops.activation(y, activation);
  }
}

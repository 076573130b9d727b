package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.ConvOps;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code DepthwiseConv2D}: each input channel convolved with its own {@code depthMultiplier} filters
 * (output channel {@code c * multiplier + m}). Weights {@code depthwise_kernel [kh, kw, in, multiplier]} and
 * {@code bias [in * multiplier]}; nodes {@code scope/DepthwiseConv2dNative}, {@code scope/BiasAdd}, activation.
 */
public final class DepthwiseConv2D extends AbstractLayer {
  private final int kh;
  private final int kw;
  private int[] strides = {1, 1};
  private int[] dilationRate = {1, 1};
  private Padding padding = Padding.VALID;
  private int depthMultiplier = 1;
  private boolean useBias = true;
  private Activation activation = Activation.LINEAR;
  private Initializer depthwiseInitializer = Initializers.glorotUniform();
  private Initializer biasInitializer = Initializers.zeros();
  private Tensor kernel;
  private Tensor bias;

  public DepthwiseConv2D(int kernelSize) {
    this(kernelSize, kernelSize);
  }

  public DepthwiseConv2D(int kh, int kw) {
    this.kh = ConvLayerChecks.positive("DepthwiseConv2D", "kernel height", kh);
    this.kw = ConvLayerChecks.positive("DepthwiseConv2D", "kernel width", kw);
  }

  public DepthwiseConv2D strides(int s) {
    return strides(s, s);
  }

  public DepthwiseConv2D strides(int sh, int sw) {
    strides = new int[] {ConvLayerChecks.positive("DepthwiseConv2D", "stride", sh),
        ConvLayerChecks.positive("DepthwiseConv2D", "stride", sw)};
    return this;
  }

  public DepthwiseConv2D padding(Padding padding) {
    this.padding = padding;
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

  public DepthwiseConv2D useBias(boolean useBias) {
    this.useBias = useBias;
    return this;
  }

  public DepthwiseConv2D activation(Activation activation) {
    this.activation = activation == null ? Activation.LINEAR : activation;
    return this;
  }

  public DepthwiseConv2D depthwiseInitializer(Initializer depthwiseInitializer) {
    this.depthwiseInitializer = depthwiseInitializer;
    return this;
  }

  public DepthwiseConv2D biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
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

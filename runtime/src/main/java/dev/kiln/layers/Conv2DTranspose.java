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
 * Keras {@code Conv2DTranspose} (channels-last, no dilation): output size by Keras {@code deconv_output_length}.
 * Weights {@code kernel [kh, kw, filters, in]} and {@code bias [filters]}; nodes {@code scope/Conv2DTranspose},
 * {@code scope/BiasAdd} and the activation's op.
 */
public final class Conv2DTranspose extends AbstractLayer {
  private final int filters;
  private final int kh;
  private final int kw;
  private int[] strides = {1, 1};
  private int[] outputPadding;
  private Padding padding = Padding.VALID;
  private boolean useBias = true;
  private Activation activation = Activation.LINEAR;
  private Initializer kernelInitializer = Initializers.glorotUniform();
  private Initializer biasInitializer = Initializers.zeros();
  private Tensor kernel;
  private Tensor bias;

  public Conv2DTranspose(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  public Conv2DTranspose(int filters, int kh, int kw) {
    this.filters = ConvLayerChecks.positive("Conv2DTranspose", "filters", filters);
    this.kh = ConvLayerChecks.positive("Conv2DTranspose", "kernel height", kh);
    this.kw = ConvLayerChecks.positive("Conv2DTranspose", "kernel width", kw);
  }

  public Conv2DTranspose strides(int s) {
    return strides(s, s);
  }

  public Conv2DTranspose strides(int sh, int sw) {
    strides = new int[] {ConvLayerChecks.positive("Conv2DTranspose", "stride", sh),
        ConvLayerChecks.positive("Conv2DTranspose", "stride", sw)};
    return this;
  }

  public Conv2DTranspose padding(Padding padding) {
    this.padding = padding;
    return this;
  }

  public Conv2DTranspose outputPadding(int p) {
    return outputPadding(p, p);
  }

  public Conv2DTranspose outputPadding(int ph, int pw) {
    outputPadding = new int[] {ph, pw};
    return this;
  }

  public Conv2DTranspose useBias(boolean useBias) {
    this.useBias = useBias;
    return this;
  }

  public Conv2DTranspose activation(Activation activation) {
    this.activation = activation == null ? Activation.LINEAR : activation;
    return this;
  }

  public Conv2DTranspose kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
    return this;
  }

  public Conv2DTranspose biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
    return this;
  }

  @Override
  protected void build(TensorShape inputShape) {
    int in = ConvLayerChecks.channels("Conv2DTranspose", inputShape, 4, "[batch, height, width, channels]");
    kernel = addWeight("kernel", kernelInitializer, kh, kw, filters, in);
    if (useBias) bias = addWeight("bias", biasInitializer, filters);
  }

  @Override
  protected Tensor call(Tensor x) {
    Tensor y = ConvOps.conv2dTranspose(x, kernel, strides, padding, outputPadding);
    if (useBias) y = Ops.biasAdd(y, bias);
    return Ops.activation(y, activation);
  }
}

package dev.kiln.layers;

import dev.kiln.ConvOps;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code Conv2DTranspose} (channels-last, no dilation): output size by Keras {@code deconv_output_length}.
 * Weights {@code kernel [kh, kw, filters, in]} and {@code bias [filters]}; nodes {@code scope/Conv2DTranspose},
 * {@code scope/BiasAdd} and the activation's op.
 */
public final class Conv2DTranspose extends ConvLayer2D<Conv2DTranspose> {
  private final int filters;
  private int[] outputPadding;
  private Initializer kernelInitializer = Initializers.glorotUniform();
  private Tensor kernel;
  private Tensor bias;

  public Conv2DTranspose(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  public Conv2DTranspose(int filters, int kh, int kw) {
    super("Conv2DTranspose", kh, kw);
    this.filters = ConvLayerChecks.positive("Conv2DTranspose", "filters", filters);
  }

  @Override
  protected Conv2DTranspose self() {
    return this;
  }

  public Conv2DTranspose outputPadding(int p) {
    return outputPadding(p, p);
  }

  public Conv2DTranspose outputPadding(int ph, int pw) {
    outputPadding = new int[] {ph, pw};
    return this;
  }

  public Conv2DTranspose kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
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

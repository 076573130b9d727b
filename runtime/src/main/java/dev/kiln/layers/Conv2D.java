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
 * Keras {@code Conv2D} (channels-last): {@code activation(conv2d(x, kernel) + bias)}. Weights
 * {@code kernel [kh, kw, in / groups, filters]} and {@code bias [filters]}; nodes {@code scope/Conv2D},
 * {@code scope/BiasAdd} and the activation's op.
 *
 * <pre>{@code new Conv2D(32, 3).strides(2).padding(Padding.SAME).useBias(false)}</pre>
 */
public final class Conv2D extends AbstractLayer {
  private final int filters;
  private final int kh;
  private final int kw;
  private int[] strides = {1, 1};
  private int[] dilationRate = {1, 1};
  private Padding padding = Padding.VALID;
  private int groups = 1;
  private boolean useBias = true;
  private Activation activation = Activation.LINEAR;
  private Initializer kernelInitializer = Initializers.glorotUniform();
  private Initializer biasInitializer = Initializers.zeros();
  private Tensor kernel;
  private Tensor bias;

  public Conv2D(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  public Conv2D(int filters, int kh, int kw) {
    this.filters = ConvLayerChecks.positive("Conv2D", "filters", filters);
    this.kh = ConvLayerChecks.positive("Conv2D", "kernel height", kh);
    this.kw = ConvLayerChecks.positive("Conv2D", "kernel width", kw);
  }

  public Conv2D strides(int s) {
    return strides(s, s);
  }

  public Conv2D strides(int sh, int sw) {
    strides = new int[] {ConvLayerChecks.positive("Conv2D", "stride", sh), ConvLayerChecks.positive("Conv2D", "stride", sw)};
    return this;
  }

  public Conv2D padding(Padding padding) {
    this.padding = padding;
    return this;
  }

  public Conv2D dilationRate(int d) {
    return dilationRate(d, d);
  }

  public Conv2D dilationRate(int dh, int dw) {
    dilationRate = new int[] {ConvLayerChecks.positive("Conv2D", "dilation rate", dh),
        ConvLayerChecks.positive("Conv2D", "dilation rate", dw)};
    return this;
  }

  public Conv2D groups(int groups) {
    this.groups = ConvLayerChecks.positive("Conv2D", "groups", groups);
    return this;
  }

  public Conv2D useBias(boolean useBias) {
    this.useBias = useBias;
    return this;
  }

  public Conv2D activation(Activation activation) {
    this.activation = activation == null ? Activation.LINEAR : activation;
    return this;
  }

  public Conv2D kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
    return this;
  }

  public Conv2D biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
    return this;
  }

  public int filters() {
    return filters;
  }

  @Override
  protected void build(TensorShape inputShape) {
    int in = ConvLayerChecks.channels("Conv2D", inputShape, 4, "[batch, height, width, channels]");
    ConvLayerChecks.groups("Conv2D", in, filters, groups, inputShape);
    kernel = addWeight("kernel", kernelInitializer, kh, kw, in / groups, filters);
    if (useBias) bias = addWeight("bias", biasInitializer, filters);
  }

  @Override
  protected Tensor call(Tensor x) {
    Tensor y = ConvOps.conv2d(x, kernel, strides, dilationRate, padding, groups);
    if (useBias) y = Ops.biasAdd(y, bias);
    return Ops.activation(y, activation);
  }
}

package dev.kiln.layers;

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
public final class Conv2D extends ConvLayer2D<Conv2D> {
  private final int filters;
  private int[] dilationRate = {1, 1};
  private int groups = 1;
  private Initializer kernelInitializer = Initializers.glorotUniform();
  private Tensor kernel;
  private Tensor bias;

  public Conv2D(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  public Conv2D(int filters, int kh, int kw) {
    super("Conv2D", kh, kw);
    this.filters = ConvLayerChecks.positive("Conv2D", "filters", filters);
  }

  @Override
  protected Conv2D self() {
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

  public Conv2D kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
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

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
 * Keras {@code Conv1D} on {@code [batch, steps, channels]}: composed as TensorFlow does (Reshape to
 * {@code [N, L, 1, C]}, Conv2D with the kernel reshaped to {@code [k, 1, in / groups, filters]}, Reshape back).
 * {@code padding("causal")} left-pads by {@code (k - 1) * dilation} (a Pad node) and convolves VALID. Weights
 * {@code kernel [k, in / groups, filters]} and {@code bias [filters]}.
 */
public final class Conv1D extends AbstractLayer {
  private final int filters;
  private final int kernelSize;
  private int strides = 1;
  private int dilationRate = 1;
  private Padding padding = Padding.VALID;
  private boolean causal;
  private int groups = 1;
  private boolean useBias = true;
  private Activation activation = Activation.LINEAR;
  private Initializer kernelInitializer = Initializers.glorotUniform();
  private Initializer biasInitializer = Initializers.zeros();
  private Tensor kernel;
  private Tensor bias;

  public Conv1D(int filters, int kernelSize) {
    this.filters = ConvLayerChecks.positive("Conv1D", "filters", filters);
    this.kernelSize = ConvLayerChecks.positive("Conv1D", "kernel size", kernelSize);
  }

  public Conv1D strides(int strides) {
    this.strides = ConvLayerChecks.positive("Conv1D", "stride", strides);
    return this;
  }

  public Conv1D padding(Padding padding) {
    this.padding = padding;
    this.causal = false;
    return this;
  }

  /** {@code "valid"}, {@code "same"} or {@code "causal"} (any case). */
  public Conv1D padding(String padding) {
    String p = padding == null ? "" : padding.toLowerCase(java.util.Locale.ROOT);
    if (p.equals("causal")) {
      this.padding = Padding.VALID;
      this.causal = true;
    } else if (p.equals("valid") || p.equals("same")) {
      padding(p.equals("same") ? Padding.SAME : Padding.VALID);
    } else {
      throw new IllegalArgumentException("Conv1D: padding must be \"valid\", \"same\" or \"causal\", got \"" + padding + "\"");
    }
    return this;
  }

  public Conv1D dilationRate(int dilationRate) {
    this.dilationRate = ConvLayerChecks.positive("Conv1D", "dilation rate", dilationRate);
    return this;
  }

  public Conv1D groups(int groups) {
    this.groups = ConvLayerChecks.positive("Conv1D", "groups", groups);
    return this;
  }

  public Conv1D useBias(boolean useBias) {
    this.useBias = useBias;
    return this;
  }

  public Conv1D activation(Activation activation) {
    this.activation = activation == null ? Activation.LINEAR : activation;
    return this;
  }

  public Conv1D kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
    return this;
  }

  public Conv1D biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
    return this;
  }

  @Override
  protected void build(TensorShape inputShape) {
    int in = ConvLayerChecks.channels("Conv1D", inputShape, 3, "[batch, steps, channels]");
    ConvLayerChecks.groups("Conv1D", in, filters, groups, inputShape);
    kernel = addWeight("kernel", kernelInitializer, kernelSize, in / groups, filters);
    if (useBias) bias = addWeight("bias", biasInitializer, filters);
  }

  @Override
  protected Tensor call(Tensor x) {
    Tensor y = ConvOps.conv1d(x, kernel, strides, dilationRate, padding, causal, groups);
    if (useBias) y = Ops.biasAdd(y, bias);
    return Ops.activation(y, activation);
  }
}

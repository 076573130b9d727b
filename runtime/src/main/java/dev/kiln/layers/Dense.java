package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code Dense}: {@code activation(x · kernel + bias)} on the last axis of an input of rank &gt;= 2. Weights
 * {@code kernel [in, units]} and {@code bias [units]}.
 *
 * <pre>{@code new Dense(128).activation(Activation.RELU)}</pre>
 */
public final class Dense extends AbstractLayer {
  private final int units;
  private Activation activation = Activation.LINEAR;
  private boolean useBias = true;
  private Initializer kernelInitializer = Initializers.glorotUniform();
  private Initializer biasInitializer = Initializers.zeros();
  private Tensor kernel;
  private Tensor bias;

  public Dense(int units) {
    if (units <= 0) throw new IllegalArgumentException("Dense: units must be positive, got " + units);
    this.units = units;
  }

  public Dense activation(Activation activation) {
    this.activation = activation == null ? Activation.LINEAR : activation;
    return this;
  }

  public Dense useBias(boolean useBias) {
    this.useBias = useBias;
    return this;
  }

  public Dense kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
    return this;
  }

  public Dense biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
    return this;
  }

  public int units() {
    return units;
  }

  @Override
  protected void build(TensorShape inputShape) {
    int in = inputShape.rank() == 0 ? -1 : inputShape.dim(-1);
    if (in < 0) {
      throw new IllegalArgumentException("Dense needs a known last dimension, got " + Shapes.toString(inputShape.dims()));
    }
    kernel = addWeight("kernel", kernelInitializer, in, units);
    if (useBias) bias = addWeight("bias", biasInitializer, units);
  }

  @Override
  protected Tensor call(Tensor x) {
    Tensor y = Ops.matmul(x, kernel);
    if (useBias) y = Ops.biasAdd(y, bias);
    return Ops.activation(y, activation);
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

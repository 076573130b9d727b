package dev.kiln.layers;

import dev.kiln.Activation;
import dev.kiln.ops.RecurrentOp;
import dev.kiln.ops.SimpleRnn;

/**
 * Keras {@code SimpleRNN} (see {@link RecurrentLayer}): {@code h = activation(x·kernel + bias + h·recurrent_kernel)};
 * weights {@code kernel [features, units]}, {@code recurrent_kernel [units, units]}, {@code bias [units]}.
 *
 * <pre>{@code @Layer final SimpleRNN rnn = new SimpleRNN(16).activation(Activation.RELU);}</pre>
 */
public final class SimpleRNN extends RecurrentLayer<SimpleRNN> {
  public SimpleRNN(int units) {
    super(units);
  }

  /** Refused: Keras' {@code SimpleRNN} has no recurrent activation. */
  @Override
  public SimpleRNN recurrentActivation(Activation recurrentActivation) {
    throw new IllegalArgumentException("SimpleRNN has no recurrent activation (Keras' SimpleRNN takes only activation)");
  }

  @Override
  protected int gates() {
    return 1;
  }

  @Override
  protected int[] biasShape() {
    return new int[] {units};
  }

  @Override
  protected RecurrentOp op(RecurrentOp.Config config) {
    return new SimpleRnn(config);
  }

  @Override
  protected SimpleRNN newLayer() {
    return new SimpleRNN(units);
  }
}

package dev.kiln.ops;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.RecurrentCell;

/**
 * Keras' {@code SimpleRNN} as one op (see {@link RecurrentOp}): {@code h = act(x·kernel + bias + h·recurrent_kernel)}.
 * Outputs: the output, {@code h}.
 */
public final class SimpleRnn extends RecurrentOp {
  public SimpleRnn(Config config) {
    super(config);
  }

  static SimpleRnn decode(Attrs a) {
    return new SimpleRnn(Config.decode(a));
  }

  @Override
  public String type() {
    return "SimpleRNN";
  }

  @Override
  protected RecurrentCell.Kind kind() {
    return RecurrentCell.Kind.SIMPLE_RNN;
  }

  @Override
  protected Dim[] biasShape() {
    return new Dim[] {Dim.of(units)};
  }
}

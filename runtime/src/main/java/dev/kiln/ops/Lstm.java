package dev.kiln.ops;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.RecurrentCell;

/**
 * Keras' {@code LSTM} as one op (see {@link RecurrentOp}): gates in Keras order i, f, c, o;
 * {@code z = x·kernel + h·recurrent_kernel + bias}, {@code c = f*c + i*act(z_c)}, {@code h = o*act(c)}, with the
 * recurrent activation on i, f and o. Outputs: the output, {@code h}, {@code c}.
 */
public final class Lstm extends RecurrentOp {
  public Lstm(Config config) {
    super(config);
  }

  static Lstm decode(Attrs a) {
    return new Lstm(Config.decode(a));
  }

  @Override
  public String type() {
    return "LSTM";
  }

  @Override
  protected RecurrentCell.Kind kind() {
    return RecurrentCell.Kind.LSTM;
  }

  @Override
  protected Dim[] biasShape() {
    return new Dim[] {Dim.of(4L * units)};
  }
}

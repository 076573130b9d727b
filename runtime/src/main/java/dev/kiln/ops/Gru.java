package dev.kiln.ops;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.RecurrentCell;

/**
 * Keras' {@code GRU} as one op (see {@link RecurrentOp}): gates in Keras order z, r, h. With {@code resetAfter} (the
 * Keras 3 default) the bias is {@code [2, 3*units]} (row 0 input, row 1 recurrent) and the reset gate multiplies the
 * recurrent product: {@code hh = act(x_h + r * (h·U_h + b_rh))}; without it the bias is {@code [3*units]} and
 * {@code hh = act(x_h + (r*h)·U_h)}. Then {@code h = z*h + (1-z)*hh}. Outputs: the output, {@code h}.
 */
public final class Gru extends RecurrentOp {
  private final boolean resetAfter;

  public Gru(Config config, boolean resetAfter) {
    super(config);
    this.resetAfter = resetAfter;
  }

  static Gru decode(Attrs a) {
    return new Gru(Config.decode(a), a.getBoolean("reset_after"));
  }

  @Override
  public String type() {
    return "GRU";
  }

  @Override
  public Attrs attrs() {
    return super.attrs().with("reset_after", resetAfter);
  }

  @Override
  protected RecurrentCell.Kind kind() {
    return resetAfter ? RecurrentCell.Kind.GRU : RecurrentCell.Kind.GRU_RESET_BEFORE;
  }

  @Override
  protected Dim[] biasShape() {
    return resetAfter ? new Dim[] {Dim.of(2), Dim.of(3L * units)} : new Dim[] {Dim.of(3L * units)};
  }

  @Override
  protected RecurrentCell cell(float[] bias) {
    float[] candidate = null;
    if (resetAfter && bias != null) {
      candidate = new float[units];
      System.arraycopy(bias, 5 * units, candidate, 0, units); // row 1 (recurrent), block h
    }
    return new RecurrentCell(kind(), units, config.activation, config.recurrentActivation, candidate);
  }

  /** Reset-after: row 0 (input) plus the recurrent biases of z and r, which add to the product as the input's do. */
  @Override
  protected float[] inputBias(float[] bias) {
    if (!resetAfter || bias == null) return bias;
    float[] b = new float[3 * units];
    for (int j = 0; j < 3 * units; j++) b[j] = j < 2 * units ? bias[j] + bias[3 * units + j] : bias[j];
    return b;
  }
}

package dev.kiln.ops;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.Activations;

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
  protected int gates() {
    return 3;
  }

  @Override
  protected int states() {
    return 1;
  }

  @Override
  protected Dim[] biasShape() {
    return resetAfter ? new Dim[] {Dim.of(2), Dim.of(3L * units)} : new Dim[] {Dim.of(3L * units)};
  }

  @Override
  protected void addInputBias(float[] xw, int rows, float[] bias) {
    if (bias != null) SimpleRnn.addRowBias(xw, rows, bias, 0, 3 * units);
  }

  @Override
  protected void cell(float[] s, int xw, int hu, int h, int c, int row, float[] bias, float[] recurrentKernel) {
    int u = units;
    if (resetAfter) {
      int rb = 3 * u; // the recurrent bias row
      for (int j = 0; j < u; j++) {
        float rz = s[hu + j] + (bias != null ? bias[rb + j] : 0f);
        float rr = s[hu + u + j] + (bias != null ? bias[rb + u + j] : 0f);
        float rh = s[hu + 2 * u + j] + (bias != null ? bias[rb + 2 * u + j] : 0f);
        float z = Activations.apply(config.recurrentActivation, s[xw + j] + rz);
        float r = Activations.apply(config.recurrentActivation, s[xw + u + j] + rr);
        float hh = Activations.apply(config.activation, s[xw + 2 * u + j] + r * rh);
        s[h + j] = z * s[h + j] + (1f - z) * hh;
      }
      return;
    }
    // r * h first (every r needs the old h), then its product with the h-gate block of the recurrent kernel
    for (int p = 0; p < u; p++) {
      float r = Activations.apply(config.recurrentActivation, s[xw + u + p] + s[hu + u + p]);
      s[row + p] = r * s[h + p];
    }
    int width = 3 * u;
    for (int j = 0; j < u; j++) {
      float rh = 0f;
      for (int p = 0; p < u; p++) rh += s[row + p] * recurrentKernel[p * width + 2 * u + j];
      float z = Activations.apply(config.recurrentActivation, s[xw + j] + s[hu + j]);
      float hh = Activations.apply(config.activation, s[xw + 2 * u + j] + rh);
      s[h + j] = z * s[h + j] + (1f - z) * hh;
    }
  }
}

package dev.kiln.ops;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.Activations;

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
  protected int gates() {
    return 1;
  }

  @Override
  protected int states() {
    return 1;
  }

  @Override
  protected Dim[] biasShape() {
    return new Dim[] {Dim.of(units)};
  }

  @Override
  protected void addInputBias(float[] xw, int rows, float[] bias) {
    if (bias != null) addRowBias(xw, rows, bias, 0, units);
  }

  /** Adds {@code bias[from, from + width)} to each of {@code rows} rows of {@code x} (width {@code width}). */
  static void addRowBias(float[] x, int rows, float[] bias, int from, int width) {
    for (int r = 0; r < rows; r++) {
      int o = r * width;
      for (int j = 0; j < width; j++) x[o + j] += bias[from + j];
    }
  }

  @Override
  protected void cell(float[] s, int xw, int hu, int h, int c, int row, float[] bias, float[] recurrentKernel) {
    for (int j = 0; j < units; j++) s[h + j] = Activations.apply(config.activation, s[xw + j] + s[hu + j]);
  }
}

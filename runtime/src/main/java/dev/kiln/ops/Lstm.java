package dev.kiln.ops;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.Activations;

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
  protected int gates() {
    return 4;
  }

  @Override
  protected int states() {
    return 2;
  }

  @Override
  protected Dim[] biasShape() {
    return new Dim[] {Dim.of(4L * units)};
  }

  @Override
  protected void cell(float[] s, int xw, int hu, int h, int c, int row, float[] bias, float[] recurrentKernel) {
    int u = units;
    for (int j = 0; j < u; j++) {
      float zi = s[xw + j] + s[hu + j];
      float zf = s[xw + u + j] + s[hu + u + j];
      float zc = s[xw + 2 * u + j] + s[hu + 2 * u + j];
      float zo = s[xw + 3 * u + j] + s[hu + 3 * u + j];
      if (bias != null) {
        zi += bias[j];
        zf += bias[u + j];
        zc += bias[2 * u + j];
        zo += bias[3 * u + j];
      }
      float i = Activations.apply(config.recurrentActivation, zi);
      float f = Activations.apply(config.recurrentActivation, zf);
      float o = Activations.apply(config.recurrentActivation, zo);
      float cell = f * s[c + j] + i * Activations.apply(config.activation, zc);
      s[c + j] = cell;
      s[h + j] = o * Activations.apply(config.activation, cell);
    }
  }
}

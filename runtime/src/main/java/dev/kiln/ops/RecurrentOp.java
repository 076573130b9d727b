package dev.kiln.ops;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Gemm;

/**
 * A whole recurrent layer as one op ({@code SimpleRNN}, {@code LSTM}, {@code GRU}): its kernel loops over the time axis
 * at run time, so a sequence of any length runs the same code. Inputs {@code x [batch, time, in]}, {@code kernel
 * [in, gates*units]}, {@code recurrent_kernel [units, gates*units]}, the {@code bias} when {@link Config#useBias}, and
 * the BOOL mask {@code [batch, time]} when {@link Config#masked}. Outputs: the sequence {@code [batch, time, units]}
 * ({@link Config#returnSequences}) or the last output {@code [batch, units]}, then each state {@code [batch, units]}.
 *
 * <p>As Keras' {@code backend.rnn}: the input projection of every step is one GEMM before the loop; each step adds
 * the recurrent product (one GEMM over the batch) and applies the cell; a masked step keeps the states and repeats
 * the previous output (zeros with {@link Config#zeroOutputForMask}, which {@code Bidirectional} sets when it returns
 * sequences); {@code goBackwards} walks the steps from the end and writes the outputs in that order.
 */
public abstract class RecurrentOp extends Op {
  /** The options every recurrent op has. */
  public static final class Config {
    public final int units;
    public final Activation activation;
    public final Activation recurrentActivation;
    public final boolean useBias;
    public final boolean goBackwards;
    public final boolean returnSequences;
    public final boolean masked;
    public final boolean zeroOutputForMask;

    public Config(int units, Activation activation, Activation recurrentActivation, boolean useBias, boolean goBackwards,
        boolean returnSequences, boolean masked, boolean zeroOutputForMask) {
      if (units <= 0) throw new IllegalArgumentException("units must be positive, got " + units);
      if (activation == Activation.SOFTMAX || recurrentActivation == Activation.SOFTMAX) {
        throw new IllegalArgumentException("a recurrent cell's activations must be elementwise, not SOFTMAX");
      }
      this.units = units;
      this.activation = activation;
      this.recurrentActivation = recurrentActivation;
      this.useBias = useBias;
      this.goBackwards = goBackwards;
      this.returnSequences = returnSequences;
      this.masked = masked;
      this.zeroOutputForMask = zeroOutputForMask;
    }

    Attrs attrs() {
      return Attrs.NONE.with("units", units).with("activation", activation.name())
          .with("recurrent_activation", recurrentActivation.name()).with("use_bias", useBias)
          .with("go_backwards", goBackwards).with("return_sequences", returnSequences).with("masked", masked)
          .with("zero_output_for_mask", zeroOutputForMask);
    }

    static Config decode(Attrs a) {
      return new Config(a.getInt("units"), Activation.valueOf(a.getString("activation")),
          Activation.valueOf(a.getString("recurrent_activation")), a.getBoolean("use_bias"),
          a.getBoolean("go_backwards"), a.getBoolean("return_sequences"), a.getBoolean("masked"),
          a.getBoolean("zero_output_for_mask"));
    }
  }

  protected final Config config;
  protected final int units;

  protected RecurrentOp(Config config) {
    this.config = config;
    this.units = config.units;
  }

  public Config config() {
    return config;
  }

  /** Gate blocks in the kernels' columns: 1, 4 (i, f, c, o) or 3 (z, r, h). */
  protected abstract int gates();

  /** States: 1 ({@code h}) or 2 ({@code h, c}). */
  protected abstract int states();

  /** The bias shape this cell takes. */
  protected abstract Dim[] biasShape();

  /**
   * Advances one batch row by one step. Everything lives in the scratch array {@code s}, at these offsets: the row's
   * input projection {@code xw} ({@code gates*units} values), its recurrent product {@code hu} (as many), its states
   * {@code h} and {@code c} ({@code units} each; {@code c} only for two states), and {@code row}, {@code units} floats
   * of working space.
   */
  protected abstract void cell(float[] s, int xw, int hu, int h, int c, int row, float[] bias, float[] recurrentKernel);

  /** Adds what belongs to the input projection to {@code xw [rows, gates*units]} (the input bias of SimpleRNN and GRU). */
  protected void addInputBias(float[] xw, int rows, float[] bias) {}

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Attrs attrs() {
    return config.attrs();
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    int expected = 3 + (config.useBias ? 1 : 0) + (config.masked ? 1 : 0);
    arity(shapes, expected);
    Dim[] x = shapes[0];
    int g = gates() * units;
    if (x.length != 3) {
      throw new IllegalArgumentException(type() + ": input must have rank 3 [batch, time, features], got "
          + Dims.toString(x));
    }
    for (int i = 0; i < expected - (config.masked ? 1 : 0); i++) {
      if (dtypes[i] != DType.FLOAT32) {
        throw new IllegalArgumentException(type() + ": input " + i + " must be float32, got " + dtypes[i].kerasName());
      }
    }
    expect(shapes[1], new Dim[] {x[2], Dim.of(g)}, "kernel", x);
    expect(shapes[2], new Dim[] {Dim.of(units), Dim.of(g)}, "recurrent_kernel", x);
    if (config.useBias) expect(shapes[3], biasShape(), "bias", x);
    if (config.masked) {
      Dim[] m = shapes[expected - 1];
      if (dtypes[expected - 1] != DType.BOOL || m.length != 2 || !m[0].equals(x[0]) || !m[1].equals(x[1])) {
        throw new IllegalArgumentException(type() + ": the mask must be bool [" + x[0] + ", " + x[1] + "] for input "
            + Dims.toString(x) + ", got " + dtypes[expected - 1].kerasName() + Dims.toString(m));
      }
    }
    Dim[][] out = new Dim[1 + states()][];
    DType[] types = new DType[out.length];
    out[0] = config.returnSequences ? new Dim[] {x[0], x[1], Dim.of(units)} : new Dim[] {x[0], Dim.of(units)};
    for (int i = 1; i < out.length; i++) out[i] = new Dim[] {x[0], Dim.of(units)};
    java.util.Arrays.fill(types, DType.FLOAT32);
    return new Outputs(out, types);
  }

  private void expect(Dim[] got, Dim[] want, String what, Dim[] input) {
    if (!java.util.Arrays.equals(got, want)) {
      throw new IllegalArgumentException(type() + ": " + what + " must be " + Dims.toString(want) + " for input "
          + Dims.toString(input) + " and " + units + " units, got " + Dims.toString(got));
    }
  }

  @Override
  public long scratchSize(int[][] inputShapes) {
    long batch = inputShapes[0][0];
    long time = inputShapes[0][1];
    long g = (long) gates() * units;
    return batch * time * g + batch * g + (long) states() * batch * units + units;
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    run(in, inShapes, out, outShapes, new float[(int) scratchSize(inShapes)]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes, float[] scratch) {
    int batch = inShapes[0][0];
    int time = inShapes[0][1];
    int features = inShapes[0][2];
    int g = gates() * units;
    float[] x = (float[]) in[0];
    float[] kernel = (float[]) in[1];
    float[] recurrentKernel = (float[]) in[2];
    float[] bias = config.useBias ? (float[]) in[3] : null;
    int[] mask = config.masked ? (int[]) in[in.length - 1] : null;
    // scratch: [xw: batch*time*g][hu: batch*g][h: batch*units][c: batch*units][row: units]
    int xwLen = batch * time * g;
    int huOff = xwLen;
    int hOff = huOff + batch * g;
    int cOff = hOff + batch * units;
    int rowOff = cOff + (states() > 1 ? batch * units : 0);
    float[] s = scratch;
    Gemm.matmul(x, 0, kernel, 0, s, 0, batch * time, features, g);
    addInputBias(s, batch * time, bias);
    java.util.Arrays.fill(s, hOff, rowOff, 0f);
    float[] seq = config.returnSequences ? (float[]) out[0] : null;
    for (int step = 0; step < time; step++) {
      int t = config.goBackwards ? time - 1 - step : step;
      Gemm.matmul(s, hOff, recurrentKernel, 0, s, huOff, batch, units, g);
      for (int b = 0; b < batch; b++) {
        boolean skip = mask != null && mask[b * time + t] == 0;
        if (!skip) {
          cell(s, (b * time + t) * g, huOff + b * g, hOff + b * units, cOff + b * units, rowOff, bias, recurrentKernel);
        }
        if (seq != null) {
          int o = (b * time + step) * units;
          if (skip && config.zeroOutputForMask) java.util.Arrays.fill(seq, o, o + units, 0f);
          else System.arraycopy(s, hOff + b * units, seq, o, units);
        }
      }
    }
    if (seq == null) System.arraycopy(s, hOff, out[0], 0, batch * units);
    System.arraycopy(s, hOff, out[1], 0, batch * units);
    if (states() > 1) System.arraycopy(s, cOff, out[2], 0, batch * units);
  }
}

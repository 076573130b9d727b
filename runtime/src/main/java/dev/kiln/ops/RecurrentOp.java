package dev.kiln.ops;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.kernels.RecurrentCell;

/**
 * A whole recurrent layer as one op ({@code SimpleRNN}, {@code LSTM}, {@code GRU}): its kernel loops over the time axis
 * at run time, so a sequence of any length runs the same code. Inputs {@code x [batch, time, in]}, {@code kernel
 * [in, gates*units]}, {@code recurrent_kernel [units, gates*units]}, the {@code bias} when {@link Config#useBias}, and
 * the BOOL mask {@code [batch, time]} when {@link Config#masked}. Outputs: the sequence {@code [batch, time, units]}
 * ({@link Config#returnSequences}) or the last output {@code [batch, units]}, then each state {@code [batch, units]}.
 *
 * <p>As Keras' {@code backend.rnn}: the input projection of every step is one GEMM before the loop
 * ({@link KernelSet#dense}, with the input bias); each step is one {@link KernelSet#recurrentStep} over the batch: the
 * recurrent product with the cell applied to it; a masked step keeps the states and repeats the previous output
 * (zeros with {@link Config#zeroOutputForMask}, which {@code Bidirectional} sets when it returns sequences);
 * {@code goBackwards} walks the steps from the end and writes the outputs in that order. It {@link #runsOnKernels}:
 * a session packs both kernels for its kernel set when it opens.
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

  /** The kind of cell this op runs. */
  protected abstract RecurrentCell.Kind kind();

  /** The bias shape this cell takes. */
  protected abstract Dim[] biasShape();

  /** The step's cell; {@code bias} (the layer's, nullable) gives a GRU its candidate's recurrent bias. */
  protected RecurrentCell cell(float[] bias) {
    return new RecurrentCell(kind(), units, config.activation, config.recurrentActivation, null);
  }

  /** The bias the input projection adds ({@code gates*units} values, or null) from the layer's bias (nullable). */
  protected float[] inputBias(float[] bias) {
    return bias;
  }

  private int gates() {
    return kind().gates();
  }

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
    Dim[][] out = new Dim[1 + kind().states()][];
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

  // ---- kernels ------------------------------------------------------------------------------------------------

  /** What {@link #prepare} makes for a kernel set: the cell, both kernels packed, the projection's bias. */
  static final class Prepared {
    final RecurrentCell cell;
    final PackedWeights kernel;
    final PackedWeights recurrentKernel;
    final float[] inputBias;
    final int features;

    Prepared(RecurrentCell cell, PackedWeights kernel, PackedWeights recurrentKernel, float[] inputBias, int features) {
      this.cell = cell;
      this.kernel = kernel;
      this.recurrentKernel = recurrentKernel;
      this.inputBias = inputBias;
      this.features = features;
    }
  }

  @Override
  public boolean runsOnKernels() {
    return true;
  }

  @Override
  public int[] preparedInputs() {
    return config.useBias ? new int[] {1, 2, 3} : new int[] {1, 2};
  }

  @Override
  public Object prepare(KernelSet kernels, Object[] inputs) {
    float[] kernel = (float[]) inputs[1];
    float[] bias = config.useBias ? (float[]) inputs[3] : null;
    RecurrentCell cell = cell(bias);
    int g = gates() * units;
    int features = kernel.length / g;
    return new Prepared(cell, kernels.packDenseWeights(kernel, features, g),
        kernels.packRecurrentKernel((float[]) inputs[2], cell), inputBias(bias), features);
  }

  @Override
  public long scratchSize(int[][] inputShapes) {
    long batch = inputShapes[0][0];
    long time = inputShapes[0][1];
    return batch * time * gates() * units + 3 * batch * units + kind().workSize(units, (int) batch);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    run(in, inShapes, out, outShapes, new float[(int) scratchSize(inShapes)]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes, float[] scratch) {
    run(CALLING_THREAD, prepare(CALLING_THREAD, in), in, inShapes, out, outShapes, scratch);
  }

  @Override
  public void run(KernelSet kernels, Object prepared, Object[] in, int[][] inShapes, Object[] out, int[][] outShapes,
      float[] s) {
    Prepared p = (Prepared) prepared;
    int batch = inShapes[0][0];
    int time = inShapes[0][1];
    int g = gates() * units;
    int[] mask = config.masked ? (int[]) in[in.length - 1] : null;
    // s: [xw: batch*time*g][h: batch*units][the other h: batch*units][c: batch*units][the step's working space]
    int h0 = batch * time * g;
    int h1 = h0 + batch * units;
    int c = h1 + batch * units;
    int work = c + batch * units;
    if (mask != null) { // the masked steps' projections are never read
      kernels.denseRows((float[]) in[0], batch * time, p.features, p.kernel, g, p.inputBias, Activation.LINEAR, s, mask);
    } else {
      kernels.dense((float[]) in[0], batch * time, p.features, p.kernel, g, p.inputBias, Activation.LINEAR, s);
    }
    java.util.Arrays.fill(s, h0, work, 0f);
    float[] seq = config.returnSequences ? (float[]) out[0] : null;
    int hIn = h0, hOut = h1;
    for (int step = 0; step < time; step++) {
      int t = config.goBackwards ? time - 1 - step : step;
      kernels.recurrentStep(p.cell, p.recurrentKernel, batch, s, t * g, time * g, mask, t, time, s, hIn, hOut, c, work);
      if (seq != null) {
        for (int b = 0; b < batch; b++) {
          int o = (b * time + step) * units;
          if (config.zeroOutputForMask && mask != null && mask[b * time + t] == 0) {
            java.util.Arrays.fill(seq, o, o + units, 0f);
          } else {
            System.arraycopy(s, hOut + b * units, seq, o, units);
          }
        }
      }
      int swap = hIn;
      hIn = hOut;
      hOut = swap;
    }
    if (seq == null) System.arraycopy(s, hIn, out[0], 0, batch * units);
    System.arraycopy(s, hIn, out[1], 0, batch * units);
    if (kind().states() > 1) System.arraycopy(s, c, out[2], 0, batch * units);
  }
}

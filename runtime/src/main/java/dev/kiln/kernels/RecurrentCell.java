package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * What one step of a recurrent layer computes after its recurrent product, for
 * {@link KernelSet#recurrentStep}: the cell ({@link Kind}), its units, its activations, and for a
 * {@link Kind#GRU} the candidate's recurrent bias. Gate blocks are in Keras order: i, f, c, o for LSTM; z, r, h for GRU.
 * With {@code xw} a row of the input projection (the input bias added, and for GRU the recurrent biases of z and r
 * too) and {@code hu} the row's recurrent product {@code h · recurrent_kernel}:
 *
 * <ul>
 *   <li>{@code SIMPLE_RNN}: {@code h = act(xw + hu)};
 *   <li>{@code LSTM}: {@code i, f, o = ract(xw + hu)} of their blocks, {@code c = f*c + i*act(xw_c + hu_c)},
 *       {@code h = o*act(c)};
 *   <li>{@code GRU} (Keras' {@code reset_after}, its default): {@code z, r = ract(xw + hu)},
 *       {@code hh = act(xw_h + r*(hu_h + candidateBias))}, {@code h = z*h + (1-z)*hh};
 *   <li>{@code GRU_RESET_BEFORE}: {@code z, r} as GRU, then {@code hh = act(xw_h + (r*h) · recurrent_kernel_h)}: a second
 *       product, of {@code r*h}, with the candidate's block of the recurrent kernel.
 * </ul>
 */
public final class RecurrentCell {
  /** The kinds of cell, with their gate blocks and states. */
  public enum Kind {
    SIMPLE_RNN(1, 1),
    LSTM(4, 2),
    GRU(3, 1),
    GRU_RESET_BEFORE(3, 1);

    private final int gates;
    private final int states;

    Kind(int gates, int states) {
      this.gates = gates;
      this.states = states;
    }

    /** Gate blocks: 1, 4 or 3. */
    public int gates() {
      return gates;
    }

    /** States: 2 ({@code h, c}) for LSTM, else 1 ({@code h}). */
    public int states() {
      return states;
    }

    /** Floats of working space {@link KernelSet#recurrentStep} may use for {@code rows} rows of {@code units}. */
    public long workSize(int units, int rows) {
      return (long) rows * (gates + 1) * units + units;
    }
  }

  private final Kind kind;
  private final int units;
  private final Activation activation;
  private final Activation recurrentActivation;
  private final float[] candidateBias;

  /**
   * {@code candidateBias}: for {@link Kind#GRU}, the recurrent bias of the candidate block ({@code units} values, null
   * for none); must be null for the other kinds.
   */
  public RecurrentCell(Kind kind, int units, Activation activation, Activation recurrentActivation,
      float[] candidateBias) {
    if (units <= 0) throw new IllegalArgumentException("RecurrentCell: units must be positive, got " + units);
    if (activation == null || recurrentActivation == null || activation == Activation.SOFTMAX
        || recurrentActivation == Activation.SOFTMAX) {
      throw new IllegalArgumentException("RecurrentCell: activations must be elementwise, got " + activation + " and "
          + recurrentActivation);
    }
    if (candidateBias != null && (kind != Kind.GRU || candidateBias.length != units)) {
      throw new IllegalArgumentException("RecurrentCell: a candidate bias is " + units + " values of a GRU cell, got "
          + candidateBias.length + " for " + kind);
    }
    this.kind = kind;
    this.units = units;
    this.activation = activation;
    this.recurrentActivation = recurrentActivation;
    this.candidateBias = candidateBias;
  }

  public Kind kind() {
    return kind;
  }

  public int units() {
    return units;
  }

  /** Gate blocks: 1, 4 or 3. */
  public int gates() {
    return kind.gates();
  }

  public Activation activation() {
    return activation;
  }

  public Activation recurrentActivation() {
    return recurrentActivation;
  }

  /** The GRU candidate's recurrent bias, or null. */
  public float[] candidateBias() {
    return candidateBias;
  }

  /** Floats of working space {@link KernelSet#recurrentStep} may use for {@code rows} rows. */
  public long workSize(int rows) {
    return kind.workSize(units, rows);
  }

  @Override
  public String toString() {
    return kind + "(" + units + ", " + activation + ", " + recurrentActivation + ")";
  }
}

package dev.kiln.layers;

import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.ops.Lstm;
import dev.kiln.ops.RecurrentOp;

/**
 * Keras {@code LSTM} (see {@link RecurrentLayer}): gates in Keras order i, f, c, o; weights {@code kernel
 * [features, 4*units]}, {@code recurrent_kernel [units, 4*units]}, {@code bias [4*units]}; activation tanh, recurrent
 * activation sigmoid (set it explicitly when matching TF.js, whose default is hard sigmoid).
 *
 * <pre>{@code @Layer final LSTM lstm = new LSTM(32).returnSequences(true);}</pre>
 */
public final class LSTM extends RecurrentLayer<LSTM> {
  private boolean unitForgetBias = true;

  public LSTM(int units) {
    super(units);
  }

  /** Keras {@code unit_forget_bias} (default true): the forget gate's bias starts at 1 when initialized. */
  public LSTM unitForgetBias(boolean unitForgetBias) {
    this.unitForgetBias = unitForgetBias;
    return this;
  }

  @Override
  protected int gates() {
    return 4;
  }

  @Override
  protected int[] biasShape() {
    return new int[] {4 * units};
  }

  @Override
  protected RecurrentOp op(RecurrentOp.Config config) {
    return new Lstm(config);
  }

  @Override
  protected LSTM newLayer() {
    return new LSTM(units);
  }

  @Override
  protected void copyOptionsTo(LSTM copy) {
    copy.unitForgetBias = unitForgetBias;
  }

  @Override
  protected Initializer effectiveBiasInitializer() {
    return unitForgetBias ? Initializers.unitForgetBias(units) : biasInitializer;
  }
}

package dev.kiln.layers;

import dev.kiln.ops.Gru;
import dev.kiln.ops.RecurrentOp;

/**
 * Keras {@code GRU} (see {@link RecurrentLayer}): gates in Keras order z, r, h; weights {@code kernel
 * [features, 3*units]}, {@code recurrent_kernel [units, 3*units]}, and {@code bias [2, 3*units]} (row 0 input, row 1
 * recurrent) with {@code resetAfter} (the Keras 3 default) or {@code [3*units]} without.
 *
 * <pre>{@code @Layer final GRU gru = new GRU(64).resetAfter(false);}</pre>
 */
public final class GRU extends RecurrentLayer<GRU> {
  private boolean resetAfter = true;

  public GRU(int units) {
    super(units);
  }

  /** Keras {@code reset_after}: apply the reset gate after the recurrent product (default true, cuDNN style). */
  public GRU resetAfter(boolean resetAfter) {
    this.resetAfter = resetAfter;
    return this;
  }

  @Override
  protected int gates() {
    return 3;
  }

  @Override
  protected int[] biasShape() {
    return resetAfter ? new int[] {2, 3 * units} : new int[] {3 * units};
  }

  @Override
  protected RecurrentOp op(RecurrentOp.Config config) {
    return new Gru(config, resetAfter);
  }

  @Override
  protected GRU newLayer() {
    return new GRU(units);
  }

  @Override
  protected void copyOptionsTo(GRU copy) {
    copy.resetAfter = resetAfter;
  }
}

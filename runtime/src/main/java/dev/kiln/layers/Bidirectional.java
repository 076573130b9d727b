package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code Bidirectional}: a recurrent layer run forwards and a copy of it run backwards over the same input, their
 * outputs merged ({@link MergeMode}, default {@code CONCAT}). The copies are fresh layers with the wrapped layer's
 * options, whose weights sit under {@code <layer>/forward_layer/...} and {@code <layer>/backward_layer/...}. With
 * {@code returnSequences} the backward outputs are put back in input order and masked steps output zeros (Keras forces
 * {@code zero_output_for_mask} then); {@code returnState}: {@link #applyAll} returns {@code [output, forward states...,
 * backward states...]}. The output keeps the input's mask only with {@code returnSequences}.
 *
 * <pre>{@code @Layer final Bidirectional bigru = new Bidirectional(new GRU(32).returnSequences(true));}</pre>
 */
public final class Bidirectional extends AbstractLayer {
  private final RecurrentLayer<?> forward;
  private final RecurrentLayer<?> backward;
  private MergeMode mergeMode = MergeMode.CONCAT;

  public Bidirectional(RecurrentLayer<?> layer) {
    if (layer == null) throw new IllegalArgumentException("Bidirectional needs a recurrent layer, got null");
    if (layer.isGoingBackwards()) {
      throw new IllegalArgumentException("Bidirectional: the wrapped " + layer.getClass().getSimpleName()
          + " has goBackwards(true); Keras makes the backward copy go backwards and requires the forward one not to");
    }
    this.forward = sublayer("forward_layer", layer.copy(false));
    this.backward = sublayer("backward_layer", layer.copy(true));
    forward.zeroOutputForMask = forward.returnSequences;
    backward.zeroOutputForMask = backward.returnSequences;
  }

  public Bidirectional mergeMode(MergeMode mergeMode) {
    if (mergeMode == null) {
      throw new IllegalArgumentException("Bidirectional: mergeMode null (Keras' None, two separate outputs) is not"
          + " supported; use CONCAT, SUM, MUL or AVE");
    }
    this.mergeMode = mergeMode;
    return this;
  }

  public MergeMode mergeMode() {
    return mergeMode;
  }

  public RecurrentLayer<?> forwardLayer() {
    return forward;
  }

  public RecurrentLayer<?> backwardLayer() {
    return backward;
  }

  @Override
  protected Tensor call(Tensor inputs, boolean training, Tensor mask) {
    return callAll(inputs, training, mask)[0];
  }

  @Override
  protected Tensor[] callAll(Tensor inputs, boolean training, Tensor mask) {
    Tensor[] y = forward.applyAll(inputs, training, mask);
    Tensor[] yRev = backward.applyAll(inputs, training, mask);
    Tensor back = forward.returnSequences ? Ops.reverse(yRev[0], 1) : yRev[0];
    Tensor merged;
    switch (mergeMode) {
      case SUM: merged = Ops.add(y[0], back); break;
      case MUL: merged = Ops.multiply(y[0], back); break;
      case AVE: merged = Ops.divide(Ops.add(y[0], back), 2f); break;
      default: merged = Ops.concat(-1, y[0], back); break;
    }
    Tensor[] out = new Tensor[y.length + yRev.length - 1];
    out[0] = merged;
    System.arraycopy(y, 1, out, 1, y.length - 1);
    System.arraycopy(yRev, 1, out, y.length, yRev.length - 1);
    return out;
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }

  @Override
  public Tensor computeMask(Tensor inputs, Tensor mask) {
    return forward.returnSequences ? mask : null;
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code Concatenate} along {@code axis} (default -1). Masks as Keras 3: each input's mask (all true for an
 * unmasked input) is expanded to the input's shape, the expanded masks are concatenated along {@code axis}, and the
 * output's mask is their logical or over the last axis: along the last axis that is the or of the masks, along the time
 * axis their concatenation.
 */
public final class Concatenate extends AbstractLayer {
  private int axis;

  public Concatenate() {
    this(-1);
  }

  public Concatenate(int axis) {
    this.axis = axis;
  }

  public Concatenate axis(int axis) {
    this.axis = axis;
    return this;
  }

  @Override
  protected Tensor call(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException("Concatenate needs at least one input");
    return Ops.concat(axis, inputs);
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }

  @Override
  public Tensor computeMask(Tensor[] inputs, Tensor[] masks) {
    boolean any = false;
    for (Tensor m : masks) any |= m != null;
    if (!any) return null;
    Tensor[] full = new Tensor[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      Tensor m = masks[i];
      if (m == null) full[i] = Ops.onesLike(inputs[i], DType.BOOL);
      else if (m.rank() < inputs[i].rank()) full[i] = Ops.broadcastTo(Ops.expandDims(m, -1), inputs[i]);
      else full[i] = m;
    }
    return Ops.any(Ops.concat(axis, full), -1, false);
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * The elementwise merge layers ({@link Add}, {@link Subtract}, {@link Multiply}, {@link Average}, {@link Maximum},
 * {@link Minimum}), as Keras 3's {@code Merge}: they support masking, and the output's mask is the logical or of the
 * inputs' masks, or none when any input has none.
 */
public abstract class Merge extends AbstractLayer {
  @Override
  public final boolean supportsMasking() {
    return true;
  }

  @Override
  public Tensor computeMask(Tensor[] inputs, Tensor[] masks) {
    for (Tensor m : masks) {
      if (m == null) return null;
    }
    Tensor out = masks[0];
    for (int i = 1; i < masks.length; i++) out = Ops.logicalOr(out, masks[i]);
    return out;
  }
}

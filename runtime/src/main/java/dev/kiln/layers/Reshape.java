package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;

/**
 * Keras {@code Reshape}: {@code targetShape} excludes the batch axis and may contain one {@code -1}, resolved
 * from the (statically known) non-batch dimensions of the input.
 */
public final class Reshape extends AbstractLayer {
  private final int[] targetShape;

  public Reshape(int... targetShape) {
    this.targetShape = targetShape.clone();
  }

  @Override
  protected Tensor call(Tensor x) {
    int[] in = x.shape();
    if (in.length == 0) throw new IllegalArgumentException("Reshape: input is a scalar");
    int[] target = targetShape.clone();
    int unknownAt = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1 && unknownAt < 0) unknownAt = i;
      else known *= target[i];
    }
    if (unknownAt >= 0) {
      long rest = 1;
      for (int i = 1; i < in.length; i++) {
        if (in[i] < 0) {
          throw new IllegalArgumentException("Reshape: target " + Shapes.toString(targetShape)
              + " has -1 but input " + Shapes.toString(in) + " has unknown non-batch dimensions");
        }
        rest *= in[i];
      }
      if (known == 0 || rest % known != 0) {
        throw new IllegalArgumentException("Reshape: cannot reshape " + Shapes.toString(in) + " to target " + Shapes.toString(targetShape));
      }
      target[unknownAt] = (int) (rest / known);
    }
    int[] full = new int[target.length + 1];
    full[0] = in[0] < 0 ? -1 : in[0];
    System.arraycopy(target, 0, full, 1, target.length);
    return Ops.reshape(x, full);
  }
}

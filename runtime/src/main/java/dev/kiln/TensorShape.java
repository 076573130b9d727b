package dev.kiln;

import java.util.Arrays;

/**
 * The static shape handed to {@link AbstractLayer#build(TensorShape)}: {@code -1} marks a dimension known
 * only at run time (normally the batch).
 *
 * <pre>{@code gamma = addWeight("gamma", Initializers.ones(), inputShape.dim(-1));}</pre>
 */
public final class TensorShape {
  private final int[] dims;

  private TensorShape(int[] dims) {
    this.dims = dims;
  }

  public static TensorShape of(int... dims) {
    for (int d : dims) {
      if (d < -1) {
        throw new IllegalArgumentException("dimension " + d + " in shape " + Arrays.toString(dims) + " must be >= -1");
      }
    }
    return new TensorShape(dims.clone());
  }

  public int rank() {
    return dims.length;
  }

  /** The size of axis {@code axis}; negative axes count from the end. {@code -1} if unknown. */
  public int dim(int axis) {
    return dims[Shapes.axis(axis, dims.length, "TensorShape.dim")];
  }

  /** A copy of the dimensions. */
  public int[] dims() {
    return dims.clone();
  }

  /** True when every dimension is known. */
  public boolean isFullyDefined() {
    for (int d : dims) {
      if (d < 0) return false;
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorShape && Arrays.equals(dims, ((TensorShape) o).dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Shapes.toString(dims);
  }
}

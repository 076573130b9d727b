package dev.kiln.ops;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;

/** Softmax along one axis; on the last axis it is the SOFTMAX activation a dense kernel can apply per row. */
public final class Softmax extends Op {
  private final int axis;

  /** {@code axis}: normalized, non-negative. */
  public Softmax(int axis) {
    if (axis < 0) throw new IllegalArgumentException("Softmax: axis must be normalized, got " + axis);
    this.axis = axis;
  }

  static Softmax decode(Attrs a) {
    return new Softmax(a.getInt("axis"));
  }

  public int axis() {
    return axis;
  }

  @Override
  public String type() {
    return "Softmax";
  }

  @Override
  public Pattern pattern() {
    return Pattern.REDUCTION;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("axis", axis);
  }

  @Override
  public Activation asActivation(int rank) {
    return axis == rank - 1 ? Activation.SOFTMAX : null;
  }


  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    floats(dtypes);
    if (axis >= shapes[0].length) {
      throw new IllegalArgumentException("Softmax: axis " + axis + " is out of range for rank " + shapes[0].length);
    }
    return Outputs.of(shapes[0], DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] s = inShapes[0];
    dev.kiln.kernels.Softmax.softmax((float[]) in[0], (float[]) out[0], product(s, 0, axis), s[axis],
        product(s, axis + 1, s.length));
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.Reductions;

/** The index of the largest value along one axis (the first on ties); INT32, the axis removed. */
public final class ArgMax extends Op {
  private final int axis;

  public ArgMax(int axis) {
    if (axis < 0) throw new IllegalArgumentException("ArgMax: axis must be normalized, got " + axis);
    this.axis = axis;
  }

  static ArgMax decode(Attrs a) {
    return new ArgMax(a.getInt("axis"));
  }

  public int axis() {
    return axis;
  }

  @Override
  public String type() {
    return "ArgMax";
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
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    floats(dtypes);
    return Outputs.of(Reduce.reduced(type(), shapes[0], new int[] {axis}, false), DType.INT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] s = inShapes[0];
    int[] r = (int[]) out[0];
    if (s[axis] == 0 && r.length > 0) {
      throw new IllegalArgumentException("ArgMax: axis " + axis + " of shape " + Shapes.toString(s) + " is empty");
    }
    Reductions.argmax((float[]) in[0], r, product(s, 0, axis), s[axis], product(s, axis + 1, s.length));
  }
}

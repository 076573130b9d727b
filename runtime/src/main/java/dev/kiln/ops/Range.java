package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/**
 * The positions along one axis of a tensor: INT32 {@code [x.dim(axis)]} holding {@code 0 .. x.dim(axis) - 1}. The input
 * is read for its shape only, so the length may be a run-time dimension ({@code range(x, 1)} of
 * {@code [batch, time, 64]} is {@code [time]}): a position {@code Embedding} applied to it gives {@code [time, d]}.
 */
public final class Range extends AxisOp {
  /** {@code axis}: normalized. */
  public Range(int axis) {
    super(axis);
  }

  static Range decode(Attrs a) {
    return new Range(a.getInt("axis"));
  }

  @Override
  public String type() {
    return "Range";
  }

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    if (axis >= shapes[0].length) {
      throw new IllegalArgumentException("Range: axis " + axis + " is out of range for " + Dims.toString(shapes[0]));
    }
    return Outputs.of(new Dim[] {shapes[0][axis]}, DType.INT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] o = (int[]) out[0];
    int n = outShapes[0][0];
    for (int i = 0; i < n; i++) o[i] = i;
  }
}

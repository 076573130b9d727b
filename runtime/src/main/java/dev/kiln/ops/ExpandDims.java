package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/** {@code ExpandDims}: a new axis of size 1 at {@code axis} (of the output); the values are unchanged. */
public final class ExpandDims extends AxisOp {
  /** {@code axis}: normalized against the output's rank. */
  public ExpandDims(int axis) {
    super(axis);
  }

  static ExpandDims decode(Attrs a) {
    return new ExpandDims(a.getInt("axis"));
  }

  @Override
  public String type() {
    return "ExpandDims";
  }

  @Override
  public Pattern pattern() {
    return Pattern.ALIAS;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    Dim[] in = shapes[0];
    if (axis > in.length) {
      throw new IllegalArgumentException("ExpandDims: axis " + axis + " is out of range for " + Dims.toString(in));
    }
    Dim[] out = new Dim[in.length + 1];
    for (int d = 0, k = 0; d < out.length; d++) out[d] = d == axis ? Dim.ONE : in[k++];
    return Outputs.of(out, dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    System.arraycopy(in[0], 0, out[0], 0, Shapes.size(outShapes[0]));
  }
}

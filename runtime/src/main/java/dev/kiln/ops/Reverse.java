package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/** {@code ReverseV2} along one axis ({@code ops.flip}): how {@code Bidirectional} puts the backward outputs in order. */
public final class Reverse extends AxisOp {
  /** {@code axis}: normalized. */
  public Reverse(int axis) {
    super(axis);
  }

  static Reverse decode(Attrs a) {
    return new Reverse(a.getInt("axis"));
  }

  @Override
  public String type() {
    return "ReverseV2";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    if (axis >= shapes[0].length) {
      throw new IllegalArgumentException("ReverseV2: axis " + axis + " is out of range for " + Dims.toString(shapes[0]));
    }
    return Outputs.of(shapes[0], dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] s = inShapes[0];
    int outer = product(s, 0, axis);
    int len = s[axis];
    int inner = product(s, axis + 1, s.length);
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < len; i++) {
        System.arraycopy(in[0], (o * len + i) * inner, out[0], (o * len + len - 1 - i) * inner, inner);
      }
    }
  }
}

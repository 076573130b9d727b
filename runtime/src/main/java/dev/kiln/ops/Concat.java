package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Shaping;

/** {@code ConcatV2}: inputs joined along {@code axis}; every other dimension must match. */
public final class Concat extends Op {
  private final int axis;

  /** {@code axis}: normalized. */
  public Concat(int axis) {
    if (axis < 0) throw new IllegalArgumentException("ConcatV2: axis must be normalized, got " + axis);
    this.axis = axis;
  }

  static Concat decode(Attrs a) {
    return new Concat(a.getInt("axis"));
  }

  public int axis() {
    return axis;
  }

  @Override
  public String type() {
    return "ConcatV2";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("axis", axis);
  }


  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    if (shapes.length == 0) throw new IllegalArgumentException("ConcatV2: needs at least one input");
    for (DType t : dtypes) {
      if (t != dtypes[0]) {
        throw new IllegalArgumentException("ConcatV2: inputs of different dtypes: " + dtypes[0].kerasName() + " and "
            + t.kerasName());
      }
    }
    StringBuilder all = new StringBuilder();
    for (Dim[] s : shapes) all.append(all.length() == 0 ? "" : ", ").append(Dims.toString(s));
    int rank = shapes[0].length;
    for (Dim[] s : shapes) {
      if (s.length != rank) throw new IllegalArgumentException("ConcatV2: inputs of different ranks: " + all);
    }
    if (rank == 0) throw new IllegalArgumentException("ConcatV2: cannot concatenate scalars: " + all);
    if (axis >= rank) throw new IllegalArgumentException("ConcatV2: axis " + axis + " is out of range for rank " + rank);
    Dim[] out = shapes[0].clone();
    long sum = 0;
    for (Dim[] s : shapes) {
      for (int d = 0; d < rank; d++) {
        if (d != axis && !out[d].equals(s[d])) {
          throw new IllegalArgumentException("ConcatV2: shapes " + all + " differ on axis " + d
              + " (concatenating on axis " + axis + ")");
        }
      }
      if (!s[axis].isConstant()) {
        if (shapes.length == 1) return Outputs.of(out, dtypes[0]);
        throw new IllegalArgumentException("ConcatV2: concatenating " + all + " along axis " + axis
            + " would add up the run-time dimension " + s[axis]);
      }
      sum += s[axis].value();
    }
    out[axis] = Dim.of(sum);
    return Outputs.of(out, dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    Shaping.concat(in, inShapes, axis, out[0]);
  }
}

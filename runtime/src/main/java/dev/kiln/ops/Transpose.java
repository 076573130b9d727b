package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Shaping;

/** Permutes the axes: output axis {@code i} is input axis {@code perm[i]}. */
public final class Transpose extends Op {
  private final int[] perm;

  /** {@code perm}: normalized (non-negative). */
  public Transpose(int[] perm) {
    this.perm = perm.clone();
  }

  static Transpose decode(Attrs a) {
    return new Transpose(a.getInts("perm"));
  }

  public int[] perm() {
    return perm.clone();
  }

  @Override
  public String type() {
    return "Transpose";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("perm", perm);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    Dim[] in = shapes[0];
    if (perm.length != in.length) {
      throw new IllegalArgumentException("Transpose: permutation " + Shapes.toString(perm) + " does not fit shape "
          + Dims.toString(in));
    }
    boolean[] seen = new boolean[perm.length];
    Dim[] out = new Dim[perm.length];
    for (int i = 0; i < perm.length; i++) {
      int p = perm[i];
      if (p < 0 || p >= in.length || seen[p]) {
        throw new IllegalArgumentException("Transpose: " + Shapes.toString(perm) + " is not a permutation of the axes of "
            + Dims.toString(in));
      }
      seen[p] = true;
      out[i] = in[p];
    }
    return Outputs.of(out, dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    Shaping.transpose(in[0], inShapes[0], perm, out[0]);
  }
}

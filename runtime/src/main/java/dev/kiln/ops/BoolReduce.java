package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/**
 * {@code Any} and {@code All} of a BOOL tensor over a set of axes (normalized, increasing): a {@code Masking} layer's
 * mask is {@code Any(NotEqual(x, value), -1)}.
 */
public final class BoolReduce extends Op {
  private final boolean all;
  private final int[] axes;
  private final boolean keepDims;

  public BoolReduce(boolean all, int[] axes, boolean keepDims) {
    this.all = all;
    this.axes = axes.clone();
    this.keepDims = keepDims;
  }

  static BoolReduce decode(boolean all, Attrs a) {
    return new BoolReduce(all, a.getInts("axes"), a.getBoolean("keep_dims", false));
  }

  @Override
  public String type() {
    return all ? "All" : "Any";
  }

  @Override
  public Pattern pattern() {
    return Pattern.REDUCTION;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("axes", axes, "keep_dims", keepDims);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    if (dtypes[0] != DType.BOOL) {
      throw new IllegalArgumentException(type() + ": input must be bool, got " + dtypes[0].kerasName()
          + Dims.toString(shapes[0]));
    }
    return Outputs.of(Reduce.reduced(type(), shapes[0], axes, keepDims), DType.BOOL);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] x = (int[]) in[0];
    int[] o = (int[]) out[0];
    int[] s = inShapes[0];
    int n = Shapes.size(outShapes[0]);
    for (int i = 0; i < n; i++) o[i] = all ? 1 : 0;
    int total = Shapes.size(s);
    for (int i = 0; i < total; i++) {
      // the output position of input element i: its index with the reduced axes dropped
      int rem = i;
      int pos = 0;
      int stride = 1;
      for (int d = s.length - 1; d >= 0; d--) {
        int idx = rem % s[d];
        rem /= s[d];
        if (reduces(d)) continue;
        pos += idx * stride;
        stride *= s[d];
      }
      if (all) o[pos] &= x[i] != 0 ? 1 : 0;
      else o[pos] |= x[i] != 0 ? 1 : 0;
    }
  }

  private boolean reduces(int axis) {
    for (int a : axes) {
      if (a == axis) return true;
    }
    return false;
  }
}

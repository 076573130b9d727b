package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.Reductions;

/**
 * {@code Mean}, {@code Sum}, {@code Max} over a set of axes ({@code tf.reduce_*}); sums accumulate in double. The
 * axes are normalized, sorted and unique; an empty set reduces nothing.
 */
public final class Reduce extends Op {
  /** The op types of this family. */
  public enum Fn {
    MEAN("Mean", Reductions.MEAN), SUM("Sum", Reductions.SUM), MAX("Max", Reductions.MAX);

    final String type;
    final int code;

    Fn(String type, int code) {
      this.type = type;
      this.code = code;
    }

    public String type() {
      return type;
    }
  }

  private final Fn fn;
  private final int[] axes;
  private final boolean keepDims;

  public Reduce(Fn fn, int[] axes, boolean keepDims) {
    this.fn = fn;
    this.axes = axes.clone();
    this.keepDims = keepDims;
    for (int i = 0; i < axes.length; i++) {
      if (axes[i] < 0 || (i > 0 && axes[i] <= axes[i - 1])) {
        throw new IllegalArgumentException(fn.type + ": axes must be normalized and increasing, got "
            + dev.kiln.Shapes.toString(axes));
      }
    }
  }

  static Reduce decode(Fn fn, Attrs a) {
    return new Reduce(fn, a.getInts("axes"), a.getBoolean("keep_dims", false));
  }

  public Fn fn() {
    return fn;
  }

  public int[] axes() {
    return axes.clone();
  }

  public boolean keepDims() {
    return keepDims;
  }

  @Override
  public String type() {
    return fn.type;
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
    floats(dtypes);
    return Outputs.of(reduced(type(), shapes[0], axes, keepDims), DType.FLOAT32);
  }

  /** The shape left after reducing {@code axes} (normalized, increasing). */
  static Dim[] reduced(String op, Dim[] in, int[] axes, boolean keepDims) {
    for (int a : axes) {
      if (a >= in.length) throw new IllegalArgumentException(op + ": axis " + a + " is out of range for rank " + in.length);
    }
    if (keepDims) {
      Dim[] out = in.clone();
      for (int a : axes) out[a] = Dim.ONE;
      return out;
    }
    Dim[] out = new Dim[in.length - axes.length];
    for (int i = 0, j = 0, k = 0; i < in.length; i++) {
      if (k < axes.length && axes[k] == i) k++;
      else out[j++] = in[i];
    }
    return out;
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    float[] x = (float[]) in[0];
    float[] r = (float[]) out[0];
    int[] s = inShapes[0];
    if (axes.length == 0) {
      System.arraycopy(x, 0, r, 0, r.length);
    } else if (axes[axes.length - 1] - axes[0] == axes.length - 1) { // one contiguous run: [outer, len, inner]
      int first = axes[0];
      int last = axes[axes.length - 1];
      Reductions.reduce(fn.code, x, r, product(s, 0, first), product(s, first, last + 1), product(s, last + 1, s.length));
    } else {
      Reductions.reduceAxes(fn.code, x, s, axes, r);
    }
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/** {@code Squeeze}: removes the given axes, each of size 1; the values are unchanged. */
public final class Squeeze extends Op {
  private final int[] axes;

  /** {@code axes}: normalized, increasing. */
  public Squeeze(int[] axes) {
    this.axes = axes.clone();
  }

  static Squeeze decode(Attrs a) {
    return new Squeeze(a.getInts("axes"));
  }

  @Override
  public String type() {
    return "Squeeze";
  }

  @Override
  public Pattern pattern() {
    return Pattern.ALIAS;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("axes", axes);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    Dim[] in = shapes[0];
    for (int a : axes) {
      if (a >= in.length || !in[a].equals(Dim.ONE)) {
        throw new IllegalArgumentException("Squeeze: axis " + a + " of " + Dims.toString(in)
            + (a >= in.length ? " is out of range" : " is not of size 1"));
      }
    }
    return Outputs.of(Reduce.reduced(type(), in, axes, false), dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    System.arraycopy(in[0], 0, out[0], 0, Shapes.size(outShapes[0]));
  }
}

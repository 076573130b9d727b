package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Shaping;

/**
 * {@code tf.slice}: {@code begin} per axis and the output's size; a size of {@code -1} takes everything from
 * {@code begin} to the end, which keeps a run-time dimension when it begins at 0.
 */
public final class Slice extends Op {
  private final int[] begin;
  /** -1: to the end. */
  private final int[] size;

  public Slice(int[] begin, int[] size) {
    if (begin.length != size.length) {
      throw new IllegalArgumentException("Slice: begin " + Shapes.toString(begin) + " and size " + Shapes.toString(size)
          + " have different lengths");
    }
    for (int d = 0; d < begin.length; d++) {
      if (begin[d] < 0 || size[d] < -1) {
        throw new IllegalArgumentException("Slice: begin " + Shapes.toString(begin) + " and size " + Shapes.toString(size)
            + " are invalid");
      }
    }
    this.begin = begin.clone();
    this.size = size.clone();
  }

  static Slice decode(Attrs a) {
    return new Slice(a.getInts("begin"), a.getInts("size"));
  }

  public int[] begin() {
    return begin.clone();
  }

  @Override
  public String type() {
    return "Slice";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("begin", begin, "size", size);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    Dim[] in = shapes[0];
    if (begin.length != in.length) {
      throw new IllegalArgumentException("Slice: begin " + Shapes.toString(begin) + " and size " + Shapes.toString(size)
          + " do not fit shape " + Dims.toString(in));
    }
    Dim[] out = new Dim[in.length];
    for (int d = 0; d < in.length; d++) {
      if (!in[d].isConstant()) {
        if (begin[d] != 0 || size[d] != -1) {
          throw new IllegalArgumentException("Slice: axis " + d + " of " + Dims.toString(in) + " is the run-time dimension "
              + in[d] + "; it can only be kept whole (begin 0, size -1), not sliced with begin "
              + Shapes.toString(begin) + " and size " + Shapes.toString(size));
        }
        out[d] = in[d];
        continue;
      }
      int dim = in[d].value();
      int sz = size[d] == -1 ? dim - begin[d] : size[d];
      if (begin[d] > dim || sz < 0 || begin[d] + sz > dim) {
        throw new IllegalArgumentException("Slice: begin " + Shapes.toString(begin) + " and size " + Shapes.toString(size)
            + " are out of bounds for shape " + Dims.toString(in));
      }
      out[d] = Dim.of(sz);
    }
    return Outputs.of(out, dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    Shaping.slice(in[0], inShapes[0], begin, outShapes[0], out[0]);
  }
}

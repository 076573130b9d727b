package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/**
 * {@code GatherV2} ({@code tf.gather(params, indices, axis)}, Keras {@code ops.take}): the slices of {@code params} along
 * {@code axis} at the INT32 {@code indices}; the output shape is {@code params[:axis] + indices + params[axis+1:]}. An
 * index out of range is an {@link IllegalArgumentException} naming it and the range, as TensorFlow's CPU kernel
 * refuses it (an {@code Embedding} given a token of its vocabulary size or more).
 */
public final class Gather extends AxisOp {
  /** {@code axis}: normalized. */
  public Gather(int axis) {
    super(axis);
  }

  static Gather decode(Attrs a) {
    return new Gather(a.getInt("axis"));
  }

  @Override
  public String type() {
    return "GatherV2";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    Dim[] params = shapes[0];
    Dim[] indices = shapes[1];
    if (dtypes[1] != DType.INT32) {
      throw new IllegalArgumentException("GatherV2: indices must be int32, got " + dtypes[1].kerasName()
          + Dims.toString(indices));
    }
    if (axis >= params.length) {
      throw new IllegalArgumentException("GatherV2: axis " + axis + " is out of range for params " + Dims.toString(params));
    }
    if (!params[axis].isConstant()) {
      throw new IllegalArgumentException("GatherV2: the gathered axis " + axis + " of " + Dims.toString(params)
          + " is the run-time dimension " + params[axis] + "; it must be known at compile time");
    }
    Dim[] out = new Dim[params.length - 1 + indices.length];
    int k = 0;
    for (int d = 0; d < axis; d++) out[k++] = params[d];
    for (Dim d : indices) out[k++] = d;
    for (int d = axis + 1; d < params.length; d++) out[k++] = params[d];
    return Outputs.of(out, dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] ps = inShapes[0];
    int outer = product(ps, 0, axis);
    int limit = ps[axis];
    int inner = product(ps, axis + 1, ps.length);
    int[] idx = (int[]) in[1];
    int count = Shapes.size(inShapes[1]);
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < count; i++) {
        int j = idx[i];
        if (j < 0 || j >= limit) {
          throw new IllegalArgumentException("GatherV2: index " + j + " (position " + i + " of the indices "
              + Shapes.toString(inShapes[1]) + ") is not in [0, " + limit + ")");
        }
        System.arraycopy(in[0], (o * limit + j) * inner, out[0], (o * count + i) * inner, inner);
      }
    }
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;

/**
 * {@code OnesLike}: ones (BOOL: true) of the input's shape in the given dtype; the input is read for its shape only
 * ({@code Concatenate}'s mask for an unmasked input).
 */
public final class OnesLike extends Op {
  private final DType dtype;

  public OnesLike(DType dtype) {
    this.dtype = dtype;
  }

  static OnesLike decode(Attrs a) {
    return new OnesLike(DType.valueOf(a.getString("dtype")));
  }

  @Override
  public String type() {
    return "OnesLike";
  }

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("dtype", dtype.name());
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    return Outputs.of(shapes[0], dtype);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int n = Shapes.size(outShapes[0]);
    if (dtype == DType.FLOAT32) java.util.Arrays.fill((float[]) out[0], 0, n, 1f);
    else java.util.Arrays.fill((int[]) out[0], 0, n, 1);
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;

/**
 * {@code Cast} to another dtype, as TensorFlow casts: float to int truncates toward zero, anything to bool is
 * {@code != 0}, bool to a number is 1 or 0.
 */
public final class Cast extends Op {
  private final DType to;

  public Cast(DType to) {
    this.to = to;
  }

  static Cast decode(Attrs a) {
    return new Cast(DType.valueOf(a.getString("dtype")));
  }

  public DType to() {
    return to;
  }

  @Override
  public String type() {
    return "Cast";
  }

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("dtype", to.name());
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    return Outputs.of(shapes[0], to);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int n = Shapes.size(outShapes[0]);
    if (in[0] instanceof float[]) {
      float[] x = (float[]) in[0];
      if (to == DType.FLOAT32) {
        System.arraycopy(x, 0, out[0], 0, n);
      } else {
        int[] o = (int[]) out[0];
        for (int i = 0; i < n; i++) o[i] = to == DType.BOOL ? (x[i] != 0 ? 1 : 0) : (int) x[i];
      }
      return;
    }
    int[] x = (int[]) in[0];
    if (to == DType.FLOAT32) {
      float[] o = (float[]) out[0];
      for (int i = 0; i < n; i++) o[i] = x[i];
    } else {
      int[] o = (int[]) out[0];
      for (int i = 0; i < n; i++) o[i] = to == DType.BOOL ? (x[i] != 0 ? 1 : 0) : x[i];
    }
  }
}

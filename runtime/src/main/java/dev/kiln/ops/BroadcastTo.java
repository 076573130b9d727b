package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Broadcasting;

/**
 * {@code BroadcastTo}: the first input repeated (NumPy broadcasting) to the shape of the second, which is read for its
 * shape only ({@code ops.broadcast_to(m, ops.shape(x))}).
 */
public final class BroadcastTo extends Op {
  public static final BroadcastTo INSTANCE = new BroadcastTo();

  private BroadcastTo() {}

  @Override
  public String type() {
    return "BroadcastTo";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    Dim[] out = Dims.broadcast(shapes[0], shapes[1], type());
    if (!java.util.Arrays.equals(out, shapes[1])) {
      throw new IllegalArgumentException("BroadcastTo: " + Dims.toString(shapes[0]) + " cannot be broadcast to "
          + Dims.toString(shapes[1]));
    }
    return Outputs.of(out, dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] os = outShapes[0];
    int n = Shapes.size(os);
    if (in[0] instanceof float[]) {
      float[] x = (float[]) in[0];
      float[] o = (float[]) out[0];
      for (int i = 0; i < n; i++) o[i] = x[Broadcasting.offset(i, os, inShapes[0])];
    } else {
      int[] x = (int[]) in[0];
      int[] o = (int[]) out[0];
      for (int i = 0; i < n; i++) o[i] = x[Broadcasting.offset(i, os, inShapes[0])];
    }
  }
}

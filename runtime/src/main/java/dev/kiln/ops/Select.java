package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Broadcasting;

/** {@code SelectV2} ({@code tf.where(cond, a, b)}): {@code a} where the BOOL {@code cond} holds, else {@code b}; all three broadcast. */
public final class Select extends Op {
  public static final Select INSTANCE = new Select();

  private Select() {}

  @Override
  public String type() {
    return "SelectV2";
  }

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 3);
    if (dtypes[0] != DType.BOOL) {
      throw new IllegalArgumentException("SelectV2: the condition must be bool, got " + dtypes[0].kerasName()
          + Dims.toString(shapes[0]));
    }
    if (dtypes[1] != dtypes[2]) {
      throw new IllegalArgumentException("SelectV2: the two branches have different dtypes: " + dtypes[1].kerasName()
          + Dims.toString(shapes[1]) + " and " + dtypes[2].kerasName() + Dims.toString(shapes[2]));
    }
    Dim[] out = Dims.broadcast(Dims.broadcast(shapes[0], shapes[1], type()), shapes[2], type());
    return Outputs.of(out, dtypes[1]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] c = (int[]) in[0];
    int[] os = outShapes[0];
    int n = Shapes.size(os);
    boolean plainC = Broadcasting.same(inShapes[0], os);
    boolean plainA = Broadcasting.same(inShapes[1], os);
    boolean plainB = Broadcasting.same(inShapes[2], os);
    if (out[0] instanceof float[]) {
      float[] a = (float[]) in[1];
      float[] b = (float[]) in[2];
      float[] o = (float[]) out[0];
      for (int i = 0; i < n; i++) {
        boolean t = c[plainC ? i : Broadcasting.offset(i, os, inShapes[0])] != 0;
        o[i] = t ? a[plainA ? i : Broadcasting.offset(i, os, inShapes[1])]
            : b[plainB ? i : Broadcasting.offset(i, os, inShapes[2])];
      }
    } else {
      int[] a = (int[]) in[1];
      int[] b = (int[]) in[2];
      int[] o = (int[]) out[0];
      for (int i = 0; i < n; i++) {
        boolean t = c[plainC ? i : Broadcasting.offset(i, os, inShapes[0])] != 0;
        o[i] = t ? a[plainA ? i : Broadcasting.offset(i, os, inShapes[1])]
            : b[plainB ? i : Broadcasting.offset(i, os, inShapes[2])];
      }
    }
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Dim;

/** {@code tf.identity}: the input's values (a copy when computed eagerly, the same buffer in generated code). */
public final class Identity extends Op {
  public static final Identity INSTANCE = new Identity();

  private Identity() {}

  @Override
  public String type() {
    return "Identity";
  }

  @Override
  public Pattern pattern() {
    return Pattern.ALIAS;
  }


  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    return Outputs.of(shapes[0], dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    System.arraycopy(in[0], 0, out[0], 0, Shapes.size(outShapes[0]));
  }
}

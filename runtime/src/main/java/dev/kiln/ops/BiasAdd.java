package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Elementwise;

/** {@code x + bias} with a rank-1 {@code bias} along the last axis ({@code tf.nn.bias_add}). */
public final class BiasAdd extends Op {
  public static final BiasAdd INSTANCE = new BiasAdd();

  private BiasAdd() {}

  @Override
  public String type() {
    return "BiasAdd";
  }

  @Override
  public Pattern pattern() {
    return Pattern.ELEMENTWISE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    floats(dtypes);
    Dim[] x = shapes[0];
    Dim[] bias = shapes[1];
    if (x.length < 1 || bias.length != 1) {
      throw new IllegalArgumentException("BiasAdd: shapes " + Dims.toString(x) + " and " + Dims.toString(bias)
          + " (bias must be rank 1, x rank >= 1)");
    }
    if (!x[x.length - 1].equals(bias[0])) {
      throw new IllegalArgumentException("BiasAdd: shapes " + Dims.toString(x) + " and " + Dims.toString(bias)
          + " are incompatible (last dimension " + x[x.length - 1] + " vs bias " + bias[0] + ")");
    }
    return Outputs.of(x, DType.FLOAT32);
  }

  @Override
  public ScalarForm scalarForm() {
    return ScalarForm.infix("+");
  }


  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    Elementwise.binary(Elementwise.ADD, (float[]) in[0], inShapes[0], (float[]) in[1], inShapes[1], (float[]) out[0],
        outShapes[0]);
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Normalization;

/**
 * Inference batch normalization along {@code axis}: {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta},
 * computed as {@code x * s + t} (see {@link Normalization}). Inputs: x, mean, variance, then gamma when
 * {@code scale}, then beta when {@code center}, each {@code [C]}. After a convolution or a dense layer whose only
 * reader it is, it folds into their weights when the session opens.
 */
public final class BatchNorm extends Op {
  private final int axis;
  private final float epsilon;
  private final boolean center;
  private final boolean scale;

  public BatchNorm(int axis, float epsilon, boolean center, boolean scale) {
    this.axis = axis;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
  }

  static BatchNorm decode(Attrs a) {
    return new BatchNorm(a.getInt("axis"), a.getFloat("epsilon"), a.getBoolean("center"), a.getBoolean("scale"));
  }

  public int axis() {
    return axis;
  }

  public float epsilon() {
    return epsilon;
  }

  public boolean center() {
    return center;
  }

  public boolean scale() {
    return scale;
  }

  /** Input index of gamma, or -1. */
  public int gammaInput() {
    return scale ? 3 : -1;
  }

  /** Input index of beta, or -1. */
  public int betaInput() {
    return center ? (scale ? 4 : 3) : -1;
  }

  @Override
  public String type() {
    return "BatchNorm";
  }

  @Override
  public Pattern pattern() {
    return Pattern.REDUCTION;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("axis", axis, "epsilon", epsilon).with("center", center).with("scale", scale);
  }


  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 3 + (scale ? 1 : 0) + (center ? 1 : 0));
    floats(dtypes);
    Dim[] x = shapes[0];
    if (axis >= x.length) throw new IllegalArgumentException("BatchNorm: axis " + axis + " is out of range for rank " + x.length);
    String[] names = {"mean", "variance", scale ? "gamma" : "beta", "beta"};
    for (int i = 1; i < shapes.length; i++) {
      Dim[] s = shapes[i];
      if (s.length != 1 || !s[0].equals(x[axis])) {
        throw new IllegalArgumentException("BatchNorm: " + names[i - 1] + " of shape " + Dims.toString(s)
            + " does not fit input " + Dims.toString(x) + " (needs [" + x[axis] + "])");
      }
    }
    return Outputs.of(x, DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    float[][] st = Normalization.foldBatchNorm(scale ? (float[]) in[gammaInput()] : null,
        center ? (float[]) in[betaInput()] : null, (float[]) in[1], (float[]) in[2], epsilon);
    int[] s = inShapes[0];
    Normalization.batchNorm((float[]) in[0], (float[]) out[0], product(s, 0, axis), s[axis],
        product(s, axis + 1, s.length), st[0], st[1]);
  }
}

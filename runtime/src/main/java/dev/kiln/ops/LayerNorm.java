package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.Shaping;

/**
 * Keras layer normalization over {@code axes} (normalized, increasing): mean and biased variance over those axes,
 * then {@code (x - mean) * rsqrt(var + epsilon) * gamma + beta}. Inputs: x, then gamma when {@code scale}, then beta
 * when {@code center}, shaped like the normalized axes. It {@link #runsOnKernels}: the rows (the normalized
 * axes moved last first, unless they are) are normalized by {@link KernelSet#layerNorm}.
 */
public final class LayerNorm extends Op {
  private final int[] axes;
  private final float epsilon;
  private final boolean center;
  private final boolean scale;

  public LayerNorm(int[] axes, float epsilon, boolean center, boolean scale) {
    if (axes.length == 0) throw new IllegalArgumentException("LayerNorm: needs at least one axis");
    this.axes = axes.clone();
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
  }

  static LayerNorm decode(Attrs a) {
    return new LayerNorm(a.getInts("axes"), a.getFloat("epsilon"), a.getBoolean("center"), a.getBoolean("scale"));
  }

  public int[] axes() {
    return axes.clone();
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

  /** True when the axes are the last ones, in order: the kernel then normalizes contiguous rows in place. */
  public boolean trailing(int rank) {
    for (int i = 0; i < axes.length; i++) {
      if (axes[i] != rank - axes.length + i) return false;
    }
    return true;
  }

  @Override
  public String type() {
    return "LayerNorm";
  }

  @Override
  public Pattern pattern() {
    return Pattern.REDUCTION;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("axes", axes, "epsilon", epsilon).with("center", center).with("scale", scale);
  }


  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1 + (scale ? 1 : 0) + (center ? 1 : 0));
    floats(dtypes);
    Dim[] x = shapes[0];
    Dim[] param = new Dim[axes.length];
    for (int i = 0; i < axes.length; i++) {
      if (axes[i] >= x.length) {
        throw new IllegalArgumentException("LayerNorm: axis " + axes[i] + " is out of range for rank " + x.length);
      }
      param[i] = x[axes[i]];
    }
    for (int i = 1; i < shapes.length; i++) {
      if (!java.util.Arrays.equals(shapes[i], param)) {
        String name = i == 1 && scale ? "gamma" : "beta";
        throw new IllegalArgumentException("LayerNorm: " + name + " of shape " + Dims.toString(shapes[i])
            + " does not fit input " + Dims.toString(x) + " (needs " + Dims.toString(param) + ")");
      }
    }
    return Outputs.of(x, DType.FLOAT32);
  }

  @Override
  public boolean runsOnKernels() {
    return true;
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    run(CALLING_THREAD, null, in, inShapes, out, outShapes, null);
  }

  @Override
  public void run(KernelSet kernels, Object prepared, Object[] in, int[][] inShapes, Object[] out, int[][] outShapes,
      float[] scratch) {
    int[] s = inShapes[0];
    float[] gamma = scale ? (float[]) in[1] : null;
    float[] beta = center ? (float[]) in[scale ? 2 : 1] : null;
    int normSize = 1;
    for (int a : axes) normSize *= s[a];
    int n = product(s, 0, s.length);
    int rows = normSize == 0 ? 0 : n / normSize;
    if (trailing(s.length)) {
      kernels.layerNorm((float[]) in[0], (float[]) out[0], rows, normSize, gamma, beta, epsilon);
      return;
    }
    // other axes: move the normalized ones last (in order), normalize rows, move them back
    int[] perm = new int[s.length];
    int j = 0;
    for (int d = 0, k = 0; d < s.length; d++) {
      if (k < axes.length && axes[k] == d) k++;
      else perm[j++] = d;
    }
    for (int a : axes) perm[j++] = a;
    int[] moved = new int[s.length];
    int[] inverse = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      moved[i] = s[perm[i]];
      inverse[perm[i]] = i;
    }
    float[] a = new float[n];
    float[] b = new float[n];
    Shaping.transpose((float[]) in[0], s, perm, a);
    kernels.layerNorm(a, b, rows, normSize, gamma, beta, epsilon);
    Shaping.transpose(b, moved, inverse, (float[]) out[0]);
  }
}

package dev.kiln.norm;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;

/** Independent, slow reference implementations (double precision, explicit multi-indices) for the norm tests. */
final class Naive {
  private Naive() {}

  static float[] random(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 2 + 0.5);
    return v;
  }

  static int size(int[] shape) {
    int n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  /** Row-major multi-index of flat position {@code flat}. */
  static int[] unravel(int flat, int[] shape) {
    int[] idx = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
    return idx;
  }

  static int ravel(int[] idx, int[] shape) {
    int f = 0;
    for (int d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
    return f;
  }

  static boolean contains(int[] axes, int d) {
    for (int a : axes) if (a == d) return true;
    return false;
  }

  /** The kept shape (keep_dims false) of a reduction over normalized {@code axes}. */
  static int[] keptShape(int[] shape, int[] axes) {
    int n = 0;
    for (int d = 0; d < shape.length; d++) if (!contains(axes, d)) n++;
    int[] out = new int[n];
    for (int d = 0, j = 0; d < shape.length; d++) if (!contains(axes, d)) out[j++] = shape[d];
    return out;
  }

  /** Index of {@code idx} restricted to the kept axes, in the kept shape. */
  static int keptIndex(int[] idx, int[] shape, int[] axes) {
    int f = 0;
    for (int d = 0; d < shape.length; d++) if (!contains(axes, d)) f = f * shape[d] + idx[d];
    return f;
  }

  /** Index of {@code idx} restricted to the given axes, in the shape of those axes. */
  static int axesIndex(int[] idx, int[] shape, int[] axes) {
    int f = 0;
    for (int d = 0; d < shape.length; d++) if (contains(axes, d)) f = f * shape[d] + idx[d];
    return f;
  }

  /** 0 = sum, 1 = mean, 2 = max over normalized axes. */
  static double[] reduce(int op, float[] x, int[] shape, int[] axes) {
    int outN = size(keptShape(shape, axes));
    double[] acc = new double[outN];
    int[] count = new int[outN];
    if (op == 2) java.util.Arrays.fill(acc, Double.NEGATIVE_INFINITY);
    for (int i = 0; i < x.length; i++) {
      int o = keptIndex(unravel(i, shape), shape, axes);
      if (op == 2) acc[o] = Math.max(acc[o], x[i]);
      else acc[o] += x[i];
      count[o]++;
    }
    if (op == 1) for (int o = 0; o < outN; o++) acc[o] /= count[o];
    return acc;
  }

  /** Keras layer norm over {@code axes}; gamma/beta indexed by the normalized axes (null = 1 / 0). */
  static double[] layerNorm(float[] x, int[] shape, int[] axes, float[] gamma, float[] beta, double eps) {
    double[] mean = reduce(1, x, shape, axes);
    int outN = mean.length;
    double[] var = new double[outN];
    int[] count = new int[outN];
    for (int i = 0; i < x.length; i++) {
      int o = keptIndex(unravel(i, shape), shape, axes);
      double d = x[i] - mean[o];
      var[o] += d * d;
      count[o]++;
    }
    for (int o = 0; o < outN; o++) var[o] /= count[o];
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      int[] idx = unravel(i, shape);
      int o = keptIndex(idx, shape, axes);
      int p = axesIndex(idx, shape, axes);
      double v = (x[i] - mean[o]) / Math.sqrt(var[o] + eps);
      y[i] = v * (gamma == null ? 1 : gamma[p]) + (beta == null ? 0 : beta[p]);
    }
    return y;
  }

  /** Inference batch norm along {@code axis}. */
  static double[] batchNorm(float[] x, int[] shape, int axis, float[] mean, float[] var, float[] gamma, float[] beta,
      double eps) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      int c = unravel(i, shape)[axis];
      y[i] = (x[i] - mean[c]) / Math.sqrt(var[c] + (double) eps) * (gamma == null ? 1 : gamma[c]) + (beta == null ? 0 : beta[c]);
    }
    return y;
  }

  /** tf.image.resize bilinear, half-pixel centers, one source coordinate at a time, in double. */
  static double[] bilinear(float[] x, int n, int h, int w, int c, int oh, int ow) {
    double[] y = new double[n * oh * ow * c];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        double sy = (i + 0.5) * h / oh - 0.5;
        int ylo = (int) Math.floor(sy);
        double fy = sy - ylo;
        for (int j = 0; j < ow; j++) {
          double sx = (j + 0.5) * w / ow - 0.5;
          int xlo = (int) Math.floor(sx);
          double fx = sx - xlo;
          for (int ch = 0; ch < c; ch++) {
            double v00 = at(x, b, clamp(ylo, h), clamp(xlo, w), ch, h, w, c);
            double v01 = at(x, b, clamp(ylo, h), clamp(xlo + 1, w), ch, h, w, c);
            double v10 = at(x, b, clamp(ylo + 1, h), clamp(xlo, w), ch, h, w, c);
            double v11 = at(x, b, clamp(ylo + 1, h), clamp(xlo + 1, w), ch, h, w, c);
            y[((b * oh + i) * ow + j) * c + ch] =
                (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
          }
        }
      }
    }
    return y;
  }

  private static int clamp(int v, int n) {
    return Math.max(0, Math.min(v, n - 1));
  }

  private static double at(float[] x, int b, int i, int j, int ch, int h, int w, int c) {
    return x[((b * h + i) * w + j) * c + ch];
  }

  /** |got - want| <= tol * max(1, |want|) everywhere. */
  static void assertClose(String what, float[] got, double[] want, double tol) {
    assertWithMessage(what + ": length").that(got.length).isEqualTo(want.length);
    for (int i = 0; i < got.length; i++) {
      double err = Math.abs(got[i] - want[i]);
      if (!(err <= tol * Math.max(1, Math.abs(want[i])))) {
        assertWithMessage(what + " at " + i + ": got " + got[i] + ", want " + want[i]).fail();
      }
    }
  }

  static void assertClose(String what, float[] got, float[] want, double tol) {
    double[] w = new double[want.length];
    for (int i = 0; i < w.length; i++) w[i] = want[i];
    assertClose(what, got, w, tol);
  }
}

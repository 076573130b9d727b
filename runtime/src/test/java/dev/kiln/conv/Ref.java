package dev.kiln.conv;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Random;

/**
 * Obviously-correct reference convolutions and pools, straight from the TensorFlow definitions, in double. Output
 * sizes and SAME padding are computed here from scratch (not with ConvShapes).
 */
final class Ref {
  private Ref() {}

  /** {out, padBefore} per TF: SAME out = ceil(in / s), total = max((out-1)s + (k-1)d + 1 - in, 0), before = total/2. */
  static int[] size(int in, int k, int s, int d, boolean same) {
    int eff = (k - 1) * d + 1;
    if (same) {
      int out = (int) Math.ceil(in / (double) s);
      int total = Math.max((out - 1) * s + eff - in, 0);
      return new int[] {out, total / 2};
    }
    return new int[] {(int) Math.ceil((in - eff + 1) / (double) s), 0};
  }

  /** x [n,h,w,c], kernel [kh,kw,c/g,f] -> [n,oh,ow,f]; returns {out values} with dims in outDims. */
  static float[] conv2d(float[] x, int n, int h, int w, int c, float[] k, int kh, int kw, int f, int sh, int sw,
      int dh, int dw, boolean same, int groups, int[] outDims) {
    int[] ry = size(h, kh, sh, dh, same);
    int[] rx = size(w, kw, sw, dw, same);
    int oh = ry[0], ow = rx[0];
    int cg = c / groups, fg = f / groups;
    float[] out = new float[n * oh * ow * f];
    for (int b = 0; b < n; b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int fo = 0; fo < f; fo++) {
            int g = fo / fg;
            double sum = 0;
            for (int ky = 0; ky < kh; ky++)
              for (int kx = 0; kx < kw; kx++)
                for (int ci = 0; ci < cg; ci++) {
                  int iy = oy * sh + ky * dh - ry[1];
                  int ix = ox * sw + kx * dw - rx[1];
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  sum += (double) x[((b * h + iy) * w + ix) * c + g * cg + ci] * k[((ky * kw + kx) * cg + ci) * f + fo];
                }
            out[((b * oh + oy) * ow + ox) * f + fo] = (float) sum;
          }
    outDims[0] = n; outDims[1] = oh; outDims[2] = ow; outDims[3] = f;
    return out;
  }

  /** x [n,h,w,c], kernel [kh,kw,c,m] -> [n,oh,ow,c*m], channel ci*m+mi. */
  static float[] depthwise(float[] x, int n, int h, int w, int c, float[] k, int kh, int kw, int m, int sh, int sw,
      int dh, int dw, boolean same, int[] outDims) {
    int[] ry = size(h, kh, sh, dh, same);
    int[] rx = size(w, kw, sw, dw, same);
    int oh = ry[0], ow = rx[0];
    float[] out = new float[n * oh * ow * c * m];
    for (int b = 0; b < n; b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int ci = 0; ci < c; ci++)
            for (int mi = 0; mi < m; mi++) {
              double sum = 0;
              for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++) {
                  int iy = oy * sh + ky * dh - ry[1];
                  int ix = ox * sw + kx * dw - rx[1];
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  sum += (double) x[((b * h + iy) * w + ix) * c + ci] * k[((ky * kw + kx) * c + ci) * m + mi];
                }
              out[((b * oh + oy) * ow + ox) * c * m + ci * m + mi] = (float) sum;
            }
    outDims[0] = n; outDims[1] = oh; outDims[2] = ow; outDims[3] = c * m;
    return out;
  }

  /** Max / average pooling; padded cells are not part of the window (max: -inf, average: not counted). */
  static float[] pool(boolean max, float[] x, int n, int h, int w, int c, int kh, int kw, int sh, int sw, boolean same,
      int[] outDims) {
    int[] ry = size(h, kh, sh, 1, same);
    int[] rx = size(w, kw, sw, 1, same);
    int oh = ry[0], ow = rx[0];
    float[] out = new float[n * oh * ow * c];
    for (int b = 0; b < n; b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int ci = 0; ci < c; ci++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int count = 0;
            for (int ky = 0; ky < kh; ky++)
              for (int kx = 0; kx < kw; kx++) {
                int iy = oy * sh + ky - ry[1];
                int ix = ox * sw + kx - rx[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                double v = x[((b * h + iy) * w + ix) * c + ci];
                acc = max ? Math.max(acc, v) : acc + v;
                count++;
              }
            out[((b * oh + oy) * ow + ox) * c + ci] = (float) (max ? acc : acc / count);
          }
    outDims[0] = n; outDims[1] = oh; outDims[2] = ow; outDims[3] = c;
    return out;
  }

  static float[] random(Random r, int size) {
    float[] v = new float[size];
    for (int i = 0; i < size; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return v;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }

  /** Elementwise |got - want| <= 1e-5 * max(1, max |want|). */
  static void assertClose(String what, float[] got, float[] want) {
    assertWithMessage(what + ": length").that(got.length).isEqualTo(want.length);
    double scale = 1;
    for (float v : want) scale = Math.max(scale, Math.abs(v));
    for (int i = 0; i < want.length; i++) {
      if (!(Math.abs(got[i] - want[i]) <= 1e-5 * scale)) {
        assertWithMessage(what + ": index " + i).that((double) got[i]).isWithin(1e-5 * scale).of(want[i]);
      }
    }
  }
}

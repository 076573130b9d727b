package dev.kiln.vector;

import static dev.kiln.vector.Sgemm.S;
import static dev.kiln.vector.Sgemm.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Max pooling on NHWC arrays, vectorized over channels: what {@link dev.kiln.kernels.Pooling#maxPool2d} computes,
 * bit for bit (the vector MAX orders NaN and signed zeros as {@link Math#max} does, and a maximum does not depend on
 * the order it is taken in). Each output pixel reduces its window's taps one channel vector at a time, straight from
 * the input: no row copies, no scratch. The window's taps inside the image are listed first as input offsets, so the
 * reducing loop is a single loop without branches (nested loops over a vector accumulator make C2 box it).
 * Average pooling stays in {@code Pooling}, whose summation order the results must keep.
 */
final class VPool {
  private VPool() {}

  /** Whether {@link #maxRows} takes pooling over {@code c} channels: at least one whole vector of them. */
  static boolean takes(int c) {
    return c >= VL;
  }

  /**
   * Output rows {@code [u0, u1)} (over batch and rows, {@code u = img * oh + oy}) of max pooling, as
   * {@link dev.kiln.kernels.Pooling#pool2dRows}: cells outside the input are left out, an empty window gives -inf.
   * Row {@code u} is written at {@code out[outOff + u * ow * c]}.
   */
  static void maxRows(float[] in, int h, int w, int c, int kh, int kw, int sh, int sw, int pt, int pl, int oh,
      int ow, float[] out, int outOff, int u0, int u1) {
    maxRows(in, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, out, outOff, u0, u1, 0, c);
  }

  /** {@link #maxRows} for channels {@code [c0, c1)} only (of {@code c} per pixel). */
  static void maxRows(float[] in, int h, int w, int c, int kh, int kw, int sh, int sw, int pt, int pl, int oh,
      int ow, float[] out, int outOff, int u0, int u1, int c0, int c1) {
    if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && pt == 0 && pl == 0 && 2 * oh <= h && 2 * ow <= w
        && (c1 - c0) % VL == 0) {
      max2x2(in, h, w, c, oh, ow, out, outOff, u0, u1, c0, c1);
      return;
    }
    Sgemm.Scratch s = Sgemm.SCRATCH.get();
    int[] rowTaps = s.ints(0, kh * kw), taps = s.ints(1, kh * kw);
    // columns whose window is inside the image horizontally: 0 <= ox*sw - pl and ox*sw - pl + kw <= w
    int lo = Math.min(ow, (pl + sw - 1) / sw);
    int hi = w - kw + pl < 0 ? 0 : Math.min(ow, (w - kw + pl) / sw + 1);
    if (hi < lo) hi = lo;
    for (int u = u0; u < u1; u++) {
      int img = u / oh;
      int oy = u - img * oh;
      int y0 = Math.max(oy * sh - pt, 0), y1 = Math.min(oy * sh - pt + kh, h);
      int rowStart = (img * h + y0) * w * c; // input row y0, column 0
      int o = outOff + u * ow * c;
      if (y1 <= y0) {
        for (int ox = 0; ox < ow; ox++) {
          java.util.Arrays.fill(out, o + ox * c + c0, o + ox * c + c1, Float.NEGATIVE_INFINITY);
        }
        continue;
      }
      // the taps of a window whole horizontally, as offsets from its cell (y0, first column)
      int nt = 0;
      for (int y = 0; y < y1 - y0; y++) {
        for (int x = 0; x < kw; x++) rowTaps[nt++] = (y * w + x) * c;
      }
      for (int ox = 0; ox < ow; ox++, o += c) {
        int x = ox * sw - pl;
        if (ox >= lo && ox < hi) {
          pixel(in, rowStart + x * c, rowTaps, nt, c0, c1, out, o);
          continue;
        }
        int x0 = Math.max(x, 0), x1 = Math.min(x + kw, w);
        int bt = 0;
        for (int y = 0; y < y1 - y0; y++) {
          for (int xx = x0; xx < x1; xx++) taps[bt++] = (y * w + xx - x0) * c;
        }
        if (bt == 0) {
          java.util.Arrays.fill(out, o + c0, o + c1, Float.NEGATIVE_INFINITY);
        } else {
          pixel(in, rowStart + x0 * c, taps, bt, c0, c1, out, o);
        }
      }
    }
  }

  /**
   * {@link #maxRows} of 2x2 windows at stride 2 inside the image, channels {@code [c0, c1)} a whole number of
   * vectors: the common pooling without the general loop's tap lists.
   */
  private static void max2x2(float[] in, int h, int w, int c, int oh, int ow, float[] out, int outOff, int u0, int u1,
      int c0, int c1) {
    int rowIn = w * c;
    for (int u = u0; u < u1; u++) {
      int img = u / oh;
      int oy = u - img * oh;
      int i0 = (img * h + 2 * oy) * rowIn + c0, o = outOff + u * ow * c + c0;
      for (int ox = 0; ox < ow; ox++, i0 += 2 * c, o += c) {
        int i1 = i0 + c, i2 = i0 + rowIn, i3 = i2 + c;
        for (int ci = 0; ci < c1 - c0; ci += VL) {
          FloatVector a = FloatVector.fromArray(S, in, i0 + ci)
              .lanewise(VectorOperators.MAX, FloatVector.fromArray(S, in, i1 + ci));
          FloatVector b = FloatVector.fromArray(S, in, i2 + ci)
              .lanewise(VectorOperators.MAX, FloatVector.fromArray(S, in, i3 + ci));
          a.lanewise(VectorOperators.MAX, b).intoArray(out, o + ci);
        }
      }
    }
  }

  /**
   * One output pixel: the maximum over {@code in[base + taps[t] + ci]}, {@code t < nt}, per channel
   * {@code c0 <= ci < c}.
   */
  private static void pixel(float[] in, int base, int[] taps, int nt, int c0, int c, float[] out, int o) {
    int cv = c0 + S.loopBound(c - c0);
    int ci = c0;
    if (nt == 4) { // 2x2 windows, the common case: a loop of three iterations costs more than its maxima
      int t1 = base + taps[1], t2 = base + taps[2], t3 = base + taps[3];
      for (; ci < cv; ci += VL) {
        FloatVector a = FloatVector.fromArray(S, in, base + ci)
            .lanewise(VectorOperators.MAX, FloatVector.fromArray(S, in, t1 + ci));
        FloatVector b = FloatVector.fromArray(S, in, t2 + ci)
            .lanewise(VectorOperators.MAX, FloatVector.fromArray(S, in, t3 + ci));
        a.lanewise(VectorOperators.MAX, b).intoArray(out, o + ci);
      }
    }
    for (; ci < cv; ci += VL) {
      FloatVector m = FloatVector.fromArray(S, in, base + ci);
      for (int t = 1; t < nt; t++) m = m.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, in, base + taps[t] + ci));
      m.intoArray(out, o + ci);
    }
    if (ci < c) {
      // made here: hoisted into maxRows as a mask-or-null parameter, it crashed C2 compiling maxRows (JDK 17.0.15,
      // SIGSEGV in GraphKit::unbox_vector, in about one test run in five)
      VectorMask<Float> tail = S.indexInRange(ci, c);
      FloatVector m = FloatVector.fromArray(S, in, base + ci, tail);
      for (int t = 1; t < nt; t++) {
        m = m.lanewise(VectorOperators.MAX, FloatVector.fromArray(S, in, base + taps[t] + ci, tail));
      }
      m.intoArray(out, o + ci, tail);
    }
  }
}

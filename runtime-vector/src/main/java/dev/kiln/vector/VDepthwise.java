package dev.kiln.vector;

import static dev.kiln.vector.Sgemm.S;
import static dev.kiln.vector.Sgemm.VL;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LE;

import dev.kiln.Activation;
import jdk.incubator.vector.FloatVector;

/**
 * Depthwise convolutions with multiplier 1 on NHWC arrays, vectorized over channels ({@code kernel [kh, kw, c]}).
 * Positions whose taps all lie inside the image take unrolled 3x3 kernels four positions at a time: each input vector
 * is loaded once per row of taps and used by every position that reads it (stride 1: 18 loads and 9 kernel loads per
 * 36 multiply-adds), and RELU or RELU6 is applied as the result is stored. Other positions (the borders, other kernel
 * sizes) list their valid taps first as input and kernel offsets, so that the accumulating loop is a single loop
 * without branches (nested loops or a skipped tap make C2 box the accumulators).
 */
final class VDepthwise {
  private VDepthwise() {}

  /**
   * Output rows {@code [u0, u1)} (over batch and rows) of the depthwise convolution, bias (nullable) and activation
   * (elementwise, not null), row {@code u} at {@code out[u * ow * c]}.
   */
  static void rows(float[] in, int h, int w, int c, float[] kernel, int kh, int kw, int sh, int sw, int dh, int dw,
      int pt, int pl, int oh, int ow, float[] bias, Activation act, float[] out, int u0, int u1) {
    Sgemm.Scratch s = Sgemm.SCRATCH.get();
    float[] b = bias != null ? bias : s.zeros(c);
    boolean clamps = Sgemm.fusesAct(act, null);
    float lo = clamps ? Sgemm.lo(act) : Sgemm.NO_RELU, hi = clamps ? Sgemm.hi(act) : Sgemm.NO_CLAMP;
    for (int u = u0; u < u1; u++) {
      int img = u / oh;
      segment(in, h, w, c, kernel, kh, kw, sh, sw, dh, dw, pt, pl, ow, b, lo, hi, img, u - img * oh, 0, ow, out,
          u * ow * c, s);
      if (!clamps) Sgemm.activate(act, out, u * ow * c, ow * c, s);
    }
  }

  /**
   * Positions {@code [x0, x1)} of output row {@code oy} of image {@code img}, position {@code x} at
   * {@code out[o + (x - x0) * c]}, clamped to {@code [lo, hi]} as stored; {@code b} the bias (not null).
   */
  static void segment(float[] in, int h, int w, int c, float[] kernel, int kh, int kw, int sh, int sw, int dh,
      int dw, int pt, int pl, int ow, float[] b, float lo, float hi, int img, int oy, int x0, int x1, float[] out,
      int o, Sgemm.Scratch s) {
    int iyBase = oy * sh - pt;
    int kyLo = 0, kyHi = kh; // valid taps: 0 <= iyBase + ky*dh < h
    while (kyLo < kh && iyBase + kyLo * dh < 0) kyLo++;
    while (kyHi > kyLo && iyBase + (kyHi - 1) * dh >= h) kyHi--;
    // interior columns: 0 <= ox*sw - pl and ox*sw + (kw-1)*dw - pl < w
    int inLo = pl <= 0 ? 0 : Math.min(ow, (pl + sw - 1) / sw);
    int hiEx = w - 1 - (kw - 1) * dw + pl; // ox*sw <= hiEx
    int inHi = hiEx < 0 ? 0 : Math.min(ow, hiEx / sw + 1);
    int xa = Math.min(x1, Math.max(x0, inLo)), xb = Math.max(xa, Math.min(x1, inHi));
    int taps = kh * kw;
    int[] rowIn = s.ints(0, taps), rowK = s.ints(1, taps), pxIn = s.ints(2, taps), pxK = s.ints(3, taps);
    // all kx: offsets relative to output column 0 (in index = rowIn[t] + ox*sw*c + ci)
    int nt = 0;
    for (int ky = kyLo; ky < kyHi; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        rowIn[nt] = ((img * h + iyBase + ky * dh) * w + kx * dw - pl) * c;
        rowK[nt++] = (ky * kw + kx) * c;
      }
    }
    for (int ox = x0; ox < xa; ox++) {
      int np = borderTaps(rowIn, rowK, nt, kw, dw, ox * sw - pl, w, pxIn, pxK);
      pixel(in, c, pxIn, pxK, np, ox * sw * c, kernel, b, lo, hi, out, o + (ox - x0) * c);
    }
    int ox = xa;
    if (kh == 3 && kw == 3 && nt == 9 && dw == 1 && (sw == 1 || sw == 2)) {
      int r0 = rowIn[0], r1 = rowIn[3], r2 = rowIn[6];
      for (; ox + 4 <= xb; ox += 4) {
        int ix = ox * sw * c, oo = o + (ox - x0) * c;
        if (sw == 1) quad3s1(in, c, r0 + ix, r1 + ix, r2 + ix, kernel, b, lo, hi, out, oo);
        else quad3s2(in, c, r0 + ix, r1 + ix, r2 + ix, kernel, b, lo, hi, out, oo);
      }
    } else {
      for (; ox + 4 <= xb; ox += 4) {
        quad(in, c, rowIn, rowK, nt, ox * sw * c, sw * c, kernel, b, lo, hi, out, o + (ox - x0) * c);
      }
    }
    for (; ox < x1; ox++) {
      int np = borderTaps(rowIn, rowK, nt, kw, dw, ox * sw - pl, w, pxIn, pxK);
      pixel(in, c, pxIn, pxK, np, ox * sw * c, kernel, b, lo, hi, out, o + (ox - x0) * c);
    }
  }

  /** The taps of the row list ({@code kw} per kernel row) whose column {@code ix0 + kx*dw} is inside the image. */
  private static int borderTaps(int[] rowIn, int[] rowK, int nt, int kw, int dw, int ix0, int w, int[] pxIn,
      int[] pxK) {
    int np = 0;
    for (int t = 0; t < nt; t++) {
      int ix = ix0 + (t % kw) * dw;
      if (ix >= 0 && ix < w) {
        pxIn[np] = rowIn[t];
        pxK[np++] = rowK[t];
      }
    }
    return np;
  }

  /**
   * {@code v} clamped to {@code [lo, hi]} (NaN stays), as RELU and RELU6 compute it. The vector kernels write the same
   * inline as two compares and blends: a helper taking a vector, left out of a big compilation (C2's node count
   * cut-off), would box it.
   */
  private static float clamp(float v, float lo, float hi) {
    return v <= lo ? lo : v >= hi ? hi : v;
  }

  /** One output pixel over the listed taps; input index {@code tIn[t] + base + ci}. */
  private static void pixel(float[] in, int c, int[] tIn, int[] tK, int nt, int base, float[] kernel, float[] bias,
      float lo, float hi, float[] out, int o) {
    int cv = S.loopBound(c);
    int ci = 0;
    for (; ci < cv; ci += VL) {
      FloatVector acc = FloatVector.fromArray(S, bias, ci);
      for (int t = 0; t < nt; t++) {
        acc = FloatVector.fromArray(S, in, tIn[t] + base + ci).fma(FloatVector.fromArray(S, kernel, tK[t] + ci), acc);
      }
      acc = acc.blend(lo, acc.compare(LE, lo));
      acc.blend(hi, acc.compare(GE, hi)).intoArray(out, o + ci);
    }
    for (; ci < c; ci++) {
      float acc = bias[ci];
      for (int t = 0; t < nt; t++) acc = Math.fma(in[tIn[t] + base + ci], kernel[tK[t] + ci], acc);
      out[o + ci] = clamp(acc, lo, hi);
    }
  }

  /** Four output pixels ({@code step} apart in the input) over the listed taps: four independent FMA chains. */
  private static void quad(float[] in, int c, int[] tIn, int[] tK, int nt, int base, int step, float[] kernel,
      float[] bias, float lo, float hi, float[] out, int o) {
    int cv = S.loopBound(c);
    int ci = 0;
    for (; ci < cv; ci += VL) {
      FloatVector a0 = FloatVector.fromArray(S, bias, ci);
      FloatVector a1 = FloatVector.fromArray(S, bias, ci);
      FloatVector a2 = FloatVector.fromArray(S, bias, ci);
      FloatVector a3 = FloatVector.fromArray(S, bias, ci);
      for (int t = 0; t < nt; t++) {
        int i0 = tIn[t] + base + ci;
        FloatVector kv = FloatVector.fromArray(S, kernel, tK[t] + ci);
        a0 = FloatVector.fromArray(S, in, i0).fma(kv, a0);
        a1 = FloatVector.fromArray(S, in, i0 + step).fma(kv, a1);
        a2 = FloatVector.fromArray(S, in, i0 + 2 * step).fma(kv, a2);
        a3 = FloatVector.fromArray(S, in, i0 + 3 * step).fma(kv, a3);
      }
      a0 = a0.blend(lo, a0.compare(LE, lo));
      a0.blend(hi, a0.compare(GE, hi)).intoArray(out, o + ci);
      a1 = a1.blend(lo, a1.compare(LE, lo));
      a1.blend(hi, a1.compare(GE, hi)).intoArray(out, o + c + ci);
      a2 = a2.blend(lo, a2.compare(LE, lo));
      a2.blend(hi, a2.compare(GE, hi)).intoArray(out, o + 2 * c + ci);
      a3 = a3.blend(lo, a3.compare(LE, lo));
      a3.blend(hi, a3.compare(GE, hi)).intoArray(out, o + 3 * c + ci);
    }
    tail(in, c, cv, tIn, tK, nt, base, step, kernel, bias, lo, hi, out, o);
  }

  /** The channels {@code [cv, c)} past the last whole vector of four pixels, one at a time. */
  private static void tail(float[] in, int c, int cv, int[] tIn, int[] tK, int nt, int base, int step,
      float[] kernel, float[] bias, float lo, float hi, float[] out, int o) {
    for (int ci = cv; ci < c; ci++) {
      for (int i = 0; i < 4; i++) {
        float acc = bias[ci];
        for (int t = 0; t < nt; t++) acc = Math.fma(in[tIn[t] + base + i * step + ci], kernel[tK[t] + ci], acc);
        out[o + i * c + ci] = clamp(acc, lo, hi);
      }
    }
  }

  /**
   * Four positions of a 3x3 stride-1 depthwise convolution whose taps are all inside the image: input row {@code ky}
   * of the first position starts at {@code in[rKy]} (its column 0 tap, channel 0), so the four positions read columns
   * 0 .. 5 of the three rows. Each input vector is loaded once and used by the positions that read it; each position
   * accumulates its taps in (ky, kx) order from the bias.
   */
  private static void quad3s1(float[] in, int c, int r0, int r1, int r2, float[] k, float[] bias, float lo,
      float hi, float[] out, int o) {
    int cv = S.loopBound(c);
    int c3 = 3 * c;
    for (int ci = 0; ci < cv; ci += VL) {
      FloatVector a0 = FloatVector.fromArray(S, bias, ci), a1 = a0, a2 = a0, a3 = a0;
      for (int ky = 0; ky < 3; ky++) {
        int r = (ky == 0 ? r0 : ky == 1 ? r1 : r2) + ci, kk = ky * c3 + ci;
        FloatVector k0 = FloatVector.fromArray(S, k, kk);
        FloatVector k1 = FloatVector.fromArray(S, k, kk + c);
        FloatVector k2 = FloatVector.fromArray(S, k, kk + 2 * c);
        FloatVector x = FloatVector.fromArray(S, in, r);
        a0 = x.fma(k0, a0);
        x = FloatVector.fromArray(S, in, r + c);
        a0 = x.fma(k1, a0);
        a1 = x.fma(k0, a1);
        x = FloatVector.fromArray(S, in, r + 2 * c);
        a0 = x.fma(k2, a0);
        a1 = x.fma(k1, a1);
        a2 = x.fma(k0, a2);
        x = FloatVector.fromArray(S, in, r + 3 * c);
        a1 = x.fma(k2, a1);
        a2 = x.fma(k1, a2);
        a3 = x.fma(k0, a3);
        x = FloatVector.fromArray(S, in, r + 4 * c);
        a2 = x.fma(k2, a2);
        a3 = x.fma(k1, a3);
        x = FloatVector.fromArray(S, in, r + 5 * c);
        a3 = x.fma(k2, a3);
      }
      a0 = a0.blend(lo, a0.compare(LE, lo));
      a0.blend(hi, a0.compare(GE, hi)).intoArray(out, o + ci);
      a1 = a1.blend(lo, a1.compare(LE, lo));
      a1.blend(hi, a1.compare(GE, hi)).intoArray(out, o + c + ci);
      a2 = a2.blend(lo, a2.compare(LE, lo));
      a2.blend(hi, a2.compare(GE, hi)).intoArray(out, o + 2 * c + ci);
      a3 = a3.blend(lo, a3.compare(LE, lo));
      a3.blend(hi, a3.compare(GE, hi)).intoArray(out, o + 3 * c + ci);
    }
    if (cv < c) tail3(in, c, cv, r0, r1, r2, 1, k, bias, lo, hi, out, o);
  }

  /** {@link #quad3s1} at stride 2: the four positions read columns 0 .. 8 of the three rows. */
  private static void quad3s2(float[] in, int c, int r0, int r1, int r2, float[] k, float[] bias, float lo,
      float hi, float[] out, int o) {
    int cv = S.loopBound(c);
    int c3 = 3 * c;
    for (int ci = 0; ci < cv; ci += VL) {
      FloatVector a0 = FloatVector.fromArray(S, bias, ci), a1 = a0, a2 = a0, a3 = a0;
      for (int ky = 0; ky < 3; ky++) {
        int r = (ky == 0 ? r0 : ky == 1 ? r1 : r2) + ci, kk = ky * c3 + ci;
        FloatVector k0 = FloatVector.fromArray(S, k, kk);
        FloatVector k1 = FloatVector.fromArray(S, k, kk + c);
        FloatVector k2 = FloatVector.fromArray(S, k, kk + 2 * c);
        a0 = FloatVector.fromArray(S, in, r).fma(k0, a0);
        a0 = FloatVector.fromArray(S, in, r + c).fma(k1, a0);
        FloatVector x = FloatVector.fromArray(S, in, r + 2 * c);
        a0 = x.fma(k2, a0);
        a1 = x.fma(k0, a1);
        a1 = FloatVector.fromArray(S, in, r + 3 * c).fma(k1, a1);
        x = FloatVector.fromArray(S, in, r + 4 * c);
        a1 = x.fma(k2, a1);
        a2 = x.fma(k0, a2);
        a2 = FloatVector.fromArray(S, in, r + 5 * c).fma(k1, a2);
        x = FloatVector.fromArray(S, in, r + 6 * c);
        a2 = x.fma(k2, a2);
        a3 = x.fma(k0, a3);
        a3 = FloatVector.fromArray(S, in, r + 7 * c).fma(k1, a3);
        a3 = FloatVector.fromArray(S, in, r + 8 * c).fma(k2, a3);
      }
      a0 = a0.blend(lo, a0.compare(LE, lo));
      a0.blend(hi, a0.compare(GE, hi)).intoArray(out, o + ci);
      a1 = a1.blend(lo, a1.compare(LE, lo));
      a1.blend(hi, a1.compare(GE, hi)).intoArray(out, o + c + ci);
      a2 = a2.blend(lo, a2.compare(LE, lo));
      a2.blend(hi, a2.compare(GE, hi)).intoArray(out, o + 2 * c + ci);
      a3 = a3.blend(lo, a3.compare(LE, lo));
      a3.blend(hi, a3.compare(GE, hi)).intoArray(out, o + 3 * c + ci);
    }
    if (cv < c) tail3(in, c, cv, r0, r1, r2, 2, k, bias, lo, hi, out, o);
  }

  /** Channels {@code [cv, c)} of {@link #quad3s1} ({@code sw} 1) or {@link #quad3s2} ({@code sw} 2), one at a time. */
  private static void tail3(float[] in, int c, int cv, int r0, int r1, int r2, int sw, float[] k, float[] bias,
      float lo, float hi, float[] out, int o) {
    for (int ci = cv; ci < c; ci++) {
      for (int i = 0; i < 4; i++) {
        float acc = bias[ci];
        for (int ky = 0; ky < 3; ky++) {
          int r = (ky == 0 ? r0 : ky == 1 ? r1 : r2) + i * sw * c + ci;
          for (int kx = 0; kx < 3; kx++) acc = Math.fma(in[r + kx * c], k[(ky * 3 + kx) * c + ci], acc);
        }
        out[o + i * c + ci] = clamp(acc, lo, hi);
      }
    }
  }
}

package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * The arguments of one fused convolution ({@link KernelSet#conv2d}), held so that a kernel set can hand parts of
 * the call to its threads without allocating: one instance per kernel set or pool, reused, and {@link #clear}ed
 * after the call so it does not keep a session's buffers alive. Field names follow {@link Conv#conv2d}'s
 * parameters ({@code sh}/{@code sw} strides, {@code dh}/{@code dw} dilations, {@code pt}/{@code pl} top and left
 * padding).
 */
public class ConvCall {
  public float[] in, packed, bias, residual, out;
  public int n, h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, groups;
  public Activation act;

  public void set(float[] in, int n, int h, int w, int c, float[] packed, int kh, int kw, int f, int sh, int sw,
      int dh, int dw, int pt, int pl, int oh, int ow, int groups, float[] bias, float[] residual, Activation act,
      float[] out) {
    this.in = in;
    this.n = n;
    this.h = h;
    this.w = w;
    this.c = c;
    this.packed = packed;
    this.kh = kh;
    this.kw = kw;
    this.f = f;
    this.sh = sh;
    this.sw = sw;
    this.dh = dh;
    this.dw = dw;
    this.pt = pt;
    this.pl = pl;
    this.oh = oh;
    this.ow = ow;
    this.groups = groups;
    this.bias = bias;
    this.residual = residual;
    this.act = act;
    this.out = out;
  }

  /** Drops the arrays. */
  public void clear() {
    in = packed = bias = residual = out = null;
  }
}

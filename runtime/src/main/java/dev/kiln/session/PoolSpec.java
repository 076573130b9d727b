package dev.kiln.session;

import dev.kiln.kernels.KernelSet;

/**
 * The geometry of one pooling of a generated session, built once per class with named parts:
 * {@code PoolSpec.input(26, 26, 16).window(2, 2).strides(2, 2).output(13, 13)}; padding defaults to 0. Immutable.
 */
public final class PoolSpec {
  final int h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW;

  private PoolSpec(int h, int w, int c, int kh, int kw, int strideH, int strideW, int padTop, int padLeft, int outH,
      int outW) {
    this.h = h;
    this.w = w;
    this.c = c;
    this.kh = kh;
    this.kw = kw;
    this.strideH = strideH;
    this.strideW = strideW;
    this.padTop = padTop;
    this.padLeft = padLeft;
    this.outH = outH;
    this.outW = outW;
  }

  /** An input of {@code h x w} pixels of {@code c} channels (per image of the batch). */
  public static PoolSpec input(int h, int w, int c) {
    return new PoolSpec(h, w, c, 1, 1, 1, 1, 0, 0, h, w);
  }

  public PoolSpec window(int kh, int kw) {
    return new PoolSpec(h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
  }

  public PoolSpec strides(int strideH, int strideW) {
    return new PoolSpec(h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
  }

  public PoolSpec padding(int top, int left) {
    return new PoolSpec(h, w, c, kh, kw, strideH, strideW, top, left, outH, outW);
  }

  public PoolSpec output(int outH, int outW) {
    return new PoolSpec(h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW);
  }

  public void maxPool2d(KernelSet kernels, float[] in, int batch, float[] out) {
    kernels.maxPool2d(in, batch, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW, out);
  }

  public void avgPool2d(KernelSet kernels, float[] in, int batch, float[] out) {
    kernels.avgPool2d(in, batch, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, outH, outW, out);
  }
}

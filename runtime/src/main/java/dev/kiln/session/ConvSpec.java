package dev.kiln.session;

import dev.kiln.Activation;
import dev.kiln.kernels.Conv;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;

/**
 * The geometry of one convolution of a generated session, built once per class with named parts so that its kernel
 * call reads: {@code ConvSpec.input(28, 28, 1).kernel(3, 3).filters(16).output(26, 26)}; strides, dilations and
 * padding default to 1, 1 and 0. Immutable.
 */
public final class ConvSpec {
  final int h, w, c;
  final int kh, kw, filters;
  final int strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, groups;

  private ConvSpec(int h, int w, int c, int kh, int kw, int filters, int strideH, int strideW, int dilationH,
      int dilationW, int padTop, int padLeft, int outH, int outW, int groups) {
    this.h = h;
    this.w = w;
    this.c = c;
    this.kh = kh;
    this.kw = kw;
    this.filters = filters;
    this.strideH = strideH;
    this.strideW = strideW;
    this.dilationH = dilationH;
    this.dilationW = dilationW;
    this.padTop = padTop;
    this.padLeft = padLeft;
    this.outH = outH;
    this.outW = outW;
    this.groups = groups;
  }

  /** An input of {@code h x w} pixels of {@code c} channels (per image of the batch). */
  public static ConvSpec input(int h, int w, int c) {
    return new ConvSpec(h, w, c, 1, 1, c, 1, 1, 1, 1, 0, 0, h, w, 1);
  }

  public ConvSpec kernel(int kh, int kw) {
    return new ConvSpec(h, w, c, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, groups);
  }

  /** Output channels; for a depthwise convolution, the depth multiplier. */
  public ConvSpec filters(int filters) {
    return new ConvSpec(h, w, c, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, groups);
  }

  public ConvSpec strides(int strideH, int strideW) {
    return new ConvSpec(h, w, c, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, groups);
  }

  public ConvSpec dilations(int dilationH, int dilationW) {
    return new ConvSpec(h, w, c, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, groups);
  }

  /** The zero rows above and columns left of the input (those below and right follow from the output size). */
  public ConvSpec padding(int top, int left) {
    return new ConvSpec(h, w, c, kh, kw, filters, strideH, strideW, dilationH, dilationW, top, left, outH, outW, groups);
  }

  public ConvSpec output(int outH, int outW) {
    return new ConvSpec(h, w, c, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, groups);
  }

  public ConvSpec groups(int groups) {
    return new ConvSpec(h, w, c, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, groups);
  }

  /** {@link KernelSet#conv2d}: {@code out = act(conv(in, packed) + bias + residual)}. */
  public void conv2d(KernelSet kernels, float[] in, int batch, PackedWeights packed, float[] bias, float[] residual,
      Activation act, float[] out) {
    kernels.conv2d(in, batch, h, w, c, packed, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop,
        padLeft, outH, outW, groups, bias, residual, act, out);
  }

  /** {@link KernelSet#conv2dMaxPool}: the convolution pooled by {@code pool}; {@code convOut} is room for its result. */
  public void conv2dMaxPool(KernelSet kernels, float[] in, int batch, PackedWeights packed, float[] bias,
      float[] residual, Activation act, float[] convOut, PoolSpec pool, float[] out) {
    kernels.conv2dMaxPool(in, batch, h, w, c, packed, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop,
        padLeft, outH, outW, groups, bias, residual, act, convOut, pool.kh, pool.kw, pool.strideH, pool.strideW,
        pool.padTop, pool.padLeft, pool.outH, pool.outW, out);
  }

  /** {@link KernelSet#depthwise2d}; {@link #filters} is the depth multiplier. */
  public void depthwise2d(KernelSet kernels, float[] in, int batch, float[] kernel, float[] bias, Activation act,
      float[] out) {
    kernels.depthwise2d(in, batch, h, w, c, kernel, kh, kw, filters, strideH, strideW, dilationH, dilationW, padTop,
        padLeft, outH, outW, bias, act, out);
  }

  /**
   * {@link KernelSet#depthwisePointwise}: this depthwise convolution ({@link #filters} the depth multiplier) and the 1x1
   * convolution of {@code f} filters reading it, computed tile by tile; {@code dwOut} is room for the depthwise result.
   */
  public void depthwisePointwise(KernelSet kernels, float[] in, int batch, float[] dwKernel, float[] dwBias,
      Activation dwAct, float[] dwOut, PackedWeights pwPacked, int f, float[] pwBias, float[] residual,
      Activation pwAct, float[] out) {
    kernels.depthwisePointwise(in, batch, h, w, c, dwKernel, kh, kw, filters, strideH, strideW, dilationH, dilationW,
        padTop, padLeft, outH, outW, dwBias, dwAct, dwOut, pwPacked, f, pwBias, residual, pwAct, out);
  }

  /** {@link Conv#conv2dTranspose}: kernel {@code [kh, kw, filters, c]}; {@link #padding} is the top/left crop. */
  public void conv2dTranspose(float[] in, int batch, float[] kernel, float[] bias, Activation act, float[] out) {
    Conv.conv2dTranspose(in, batch, h, w, c, kernel, kh, kw, filters, strideH, strideW, padTop, padLeft, outH, outW,
        bias, act, out);
  }
}

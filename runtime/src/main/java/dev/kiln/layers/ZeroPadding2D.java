package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code ZeroPadding2D} on NHWC input: zero rows above and below, zero columns left and right (a
 * {@code Pad} node). {@code new ZeroPadding2D()} pads 1 everywhere, {@code (p)} pads p everywhere, {@code (h, w)}
 * is symmetric, {@code (top, bottom, left, right)} is Keras {@code ((top, bottom), (left, right))}.
 */
public final class ZeroPadding2D extends AbstractLayer {
  private int top;
  private int bottom;
  private int left;
  private int right;

  public ZeroPadding2D() {
    this(1);
  }

  public ZeroPadding2D(int padding) {
    this(padding, padding);
  }

  public ZeroPadding2D(int h, int w) {
    this(h, h, w, w);
  }

  public ZeroPadding2D(int top, int bottom, int left, int right) {
    padding(top, bottom, left, right);
  }

  public ZeroPadding2D padding(int padding) {
    return padding(padding, padding, padding, padding);
  }

  public ZeroPadding2D padding(int h, int w) {
    return padding(h, h, w, w);
  }

  public ZeroPadding2D padding(int top, int bottom, int left, int right) {
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      throw new IllegalArgumentException("ZeroPadding2D: padding must be non-negative, got (" + top + ", " + bottom + ", "
          + left + ", " + right + ")");
    }
    this.top = top;
    this.bottom = bottom;
    this.left = left;
    this.right = right;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    if (x.rank() != 4) throw new IllegalArgumentException("ZeroPadding2D needs NHWC input of rank 4, got rank " + x.rank());
    return Ops.pad(x, new int[][] {{0, 0}, {top, bottom}, {left, right}, {0, 0}});
  }
}

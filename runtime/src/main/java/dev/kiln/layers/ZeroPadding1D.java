package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;

/**
 * Keras {@code ZeroPadding1D} on {@code [N, steps, C]} input: zero steps at the start and the end (a {@code Pad}
 * node). {@code new ZeroPadding1D()} pads 1 on both sides, {@code (p)} p on both, {@code (left, right)} each.
 */
public final class ZeroPadding1D extends AbstractLayer {
  private int left;
  private int right;

  public ZeroPadding1D() {
    this(1);
  }

  public ZeroPadding1D(int padding) {
    this(padding, padding);
  }

  public ZeroPadding1D(int left, int right) {
    padding(left, right);
  }

  public ZeroPadding1D padding(int padding) {
    return padding(padding, padding);
  }

  public ZeroPadding1D padding(int left, int right) {
    if (left < 0 || right < 0) {
      throw new IllegalArgumentException("ZeroPadding1D: padding must be non-negative, got (" + left + ", " + right + ")");
    }
    this.left = left;
    this.right = right;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    if (x.rank() != 3) throw new IllegalArgumentException("ZeroPadding1D needs input of rank 3 [N, steps, C], got rank " + x.rank());
    return Ops.pad(x, new int[][] {{0, 0}, {left, right}, {0, 0}});
  }
}

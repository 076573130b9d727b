package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;

/**
 * Keras {@code Cropping2D} on NHWC input: drops rows at the top and bottom and columns at the left and right (a
 * {@code Slice} node that keeps the batch: begin 0, size -1 on axis 0). {@code new Cropping2D()} crops nothing,
 * {@code (c)} c everywhere, {@code (h, w)} symmetric, {@code (top, bottom, left, right)} is Keras
 * {@code ((top, bottom), (left, right))}. Height and width must be known.
 */
public final class Cropping2D extends AbstractLayer {
  private int top;
  private int bottom;
  private int left;
  private int right;

  public Cropping2D() {
    this(0);
  }

  public Cropping2D(int cropping) {
    this(cropping, cropping);
  }

  public Cropping2D(int h, int w) {
    this(h, h, w, w);
  }

  public Cropping2D(int top, int bottom, int left, int right) {
    cropping(top, bottom, left, right);
  }

  public Cropping2D cropping(int cropping) {
    return cropping(cropping, cropping, cropping, cropping);
  }

  public Cropping2D cropping(int h, int w) {
    return cropping(h, h, w, w);
  }

  public Cropping2D cropping(int top, int bottom, int left, int right) {
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      throw new IllegalArgumentException("Cropping2D: cropping must be non-negative, got (" + top + ", " + bottom + ", "
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
    int[] s = x.shape();
    if (s.length != 4) throw new IllegalArgumentException("Cropping2D needs NHWC input of rank 4, got " + Shapes.toString(s));
    int h = s[1] - top - bottom;
    int w = s[2] - left - right;
    if (s[1] < 0 || s[2] < 0 || h <= 0 || w <= 0) {
      throw new IllegalArgumentException("Cropping2D: cropping (" + top + ", " + bottom + ", " + left + ", " + right
          + ") does not fit input " + Shapes.toString(s) + " (needs known height and width larger than the cropping)");
    }
    return Ops.slice(x, new int[] {0, top, left, 0}, new int[] {-1, h, w, -1});
  }
}

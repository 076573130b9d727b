package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;

/**
 * Keras {@code Cropping1D} on {@code [N, steps, C]} input: drops steps at the start and the end (a {@code Slice}
 * node keeping the batch). {@code new Cropping1D()} crops 1 on both sides (the Keras default), {@code (c)} c on
 * both, {@code (start, end)} each. The number of steps must be known.
 */
public final class Cropping1D extends AbstractLayer {
  private int start;
  private int end;

  public Cropping1D() {
    this(1);
  }

  public Cropping1D(int cropping) {
    this(cropping, cropping);
  }

  public Cropping1D(int start, int end) {
    cropping(start, end);
  }

  public Cropping1D cropping(int cropping) {
    return cropping(cropping, cropping);
  }

  public Cropping1D cropping(int start, int end) {
    if (start < 0 || end < 0) {
      throw new IllegalArgumentException("Cropping1D: cropping must be non-negative, got (" + start + ", " + end + ")");
    }
    this.start = start;
    this.end = end;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    int[] s = x.shape();
    if (s.length != 3) throw new IllegalArgumentException("Cropping1D needs input of rank 3 [N, steps, C], got " + Shapes.toString(s));
    int len = s[1] - start - end;
    if (s[1] < 0 || len <= 0) {
      throw new IllegalArgumentException("Cropping1D: cropping (" + start + ", " + end + ") does not fit input " + Shapes.toString(s)
          + " (needs a known number of steps larger than the cropping)");
    }
    return Ops.slice(x, new int[] {0, start, 0}, new int[] {-1, len, -1});
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.NormOps;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;

/**
 * Keras {@code UpSampling1D} on {@code [N, steps, C]} input: repeats each step {@code size} times (default 2).
 * Graph: Reshape to {@code [N, steps, 1, C]}, Resize nearest by {@code (size, 1)}, Reshape to
 * {@code [N, steps*size, C]}. Steps and channels must be known.
 */
public final class UpSampling1D extends AbstractLayer {
  private int size;

  public UpSampling1D() {
    this(2);
  }

  public UpSampling1D(int size) {
    size(size);
  }

  public UpSampling1D size(int size) {
    if (size < 1) throw new IllegalArgumentException("UpSampling1D: size must be >= 1, got " + size);
    this.size = size;
    return this;
  }

  @Override
  protected Tensor call(Tensor x) {
    int[] s = x.shape();
    if (s.length != 3 || s[1] < 0 || s[2] < 0) {
      throw new IllegalArgumentException("UpSampling1D needs input [N, steps, C] with known steps and channels, got "
          + Shapes.toString(s));
    }
    int n = s[0] < 0 ? -1 : s[0];
    Tensor image = Ops.reshape(x, n, s[1], 1, s[2]);
    Tensor up = NormOps.resize(image, size, 1, "nearest");
    return Ops.reshape(up, n, s[1] * size, s[2]);
  }
}

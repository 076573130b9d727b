package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Shaping;

/** Constant padding ({@code tf.pad}): {@code paddings = [before0, after0, before1, ...]}, filled with {@code value}. */
public final class Pad extends Op {
  private final int[] paddings;
  private final float value;

  public Pad(int[] paddings, float value) {
    if (paddings.length % 2 != 0) throw new IllegalArgumentException("Pad: paddings need two values per axis");
    for (int p : paddings) {
      if (p < 0) throw new IllegalArgumentException("Pad: paddings must be non-negative, got " + dev.kiln.Shapes.toString(paddings));
    }
    this.paddings = paddings.clone();
    this.value = value;
  }

  static Pad decode(Attrs a) {
    return new Pad(a.getInts("paddings"), a.getFloat("value", 0f));
  }

  public int[] paddings() {
    return paddings.clone();
  }

  public float value() {
    return value;
  }

  /** Zeros on the two spatial axes of an NHWC tensor only: what a convolution's own padding can absorb. */
  public boolean isSpatialZeroPadding() {
    return paddings.length == 8 && paddings[0] == 0 && paddings[1] == 0 && paddings[6] == 0 && paddings[7] == 0
        && value == 0f;
  }

  @Override
  public String type() {
    return "Pad";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("paddings", paddings, "value", value);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    floats(dtypes);
    Dim[] in = shapes[0];
    if (paddings.length != 2 * in.length) {
      throw new IllegalArgumentException("Pad: paddings for " + paddings.length / 2 + " axes do not fit shape "
          + Dims.toString(in));
    }
    Dim[] out = new Dim[in.length];
    for (int d = 0; d < in.length; d++) {
      int add = paddings[2 * d] + paddings[2 * d + 1];
      if (add == 0) {
        out[d] = in[d];
      } else if (!in[d].isConstant()) {
        throw new IllegalArgumentException("Pad: axis " + d + " of " + Dims.toString(in) + " is the run-time dimension "
            + in[d] + " and cannot be padded");
      } else {
        out[d] = Dim.of((long) in[d].value() + add);
      }
    }
    return Outputs.of(out, DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    Shaping.pad((float[]) in[0], inShapes[0], paddings, value, (float[]) out[0]);
  }
}

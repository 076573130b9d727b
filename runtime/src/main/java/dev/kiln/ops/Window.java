package dev.kiln.ops;

import dev.kiln.Padding;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.ConvShapes;

/**
 * The sliding window of a convolution or pooling over the two spatial axes of an NHWC input, and TensorFlow's size
 * and padding rules for it: SAME gives {@code ceil(in / stride)} outputs with total padding
 * {@code max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0)}, {@code total / 2} of it before (the odd pixel goes
 * bottom / right); VALID gives {@code ceil((in - (k - 1) * dilation) / stride)}. The lowering of every windowed op
 * reads its geometry here, so the rule exists once.
 */
public final class Window {
  private final int[] size;
  private final int[] strides;
  private final int[] dilations;
  private final Padding padding;

  public Window(int[] size, int[] strides, int[] dilations, Padding padding) {
    this.size = size.clone();
    this.strides = strides.clone();
    this.dilations = dilations.clone();
    this.padding = padding;
  }

  public int[] size() {
    return size.clone();
  }

  public int[] strides() {
    return strides.clone();
  }

  public int[] dilations() {
    return dilations.clone();
  }

  public Padding padding() {
    return padding;
  }

  /** The geometry of this window over an input of {@code inH x inW}: a shape rule failure names {@code op}. */
  public Geometry over(String op, Dim[] input) {
    int[] in = new int[2];
    for (int i = 0; i < 2; i++) {
      Dim d = input[1 + i];
      if (!d.isConstant()) {
        throw new IllegalArgumentException(op + ": the " + (i == 0 ? "height" : "width") + " of " + Dims.toString(input)
            + " is the run-time dimension " + d + "; convolutions and poolings need known spatial sizes");
      }
      in[i] = d.value();
    }
    int[] before = new int[2];
    int[] after = new int[2];
    int[] out = new int[2];
    for (int i = 0; i < 2; i++) {
      if (padding == Padding.SAME) {
        int[] p = ConvShapes.samePadding(in[i], size[i], strides[i], dilations[i]);
        before[i] = p[0];
        after[i] = p[1];
        out[i] = p[2];
      } else {
        int eff = ConvShapes.effectiveKernel(size[i], dilations[i]);
        if (eff > in[i]) {
          throw new IllegalArgumentException(op + ": VALID " + (i == 0 ? "height" : "width") + " kernel " + size[i]
              + (dilations[i] > 1 ? " with dilation " + dilations[i] + " (effective " + eff + ")" : "")
              + " is larger than the input " + (i == 0 ? "height " : "width ") + in[i] + " of " + Dims.toString(input));
        }
        out[i] = ConvShapes.validOut(in[i], size[i], strides[i], dilations[i]);
      }
    }
    return new Geometry(in, out, before, after);
  }

  /** Checks a window argument: two positive values. */
  static int[] pair(String op, String what, int[] v) {
    if (v == null || v.length != 2) {
      throw new IllegalArgumentException(op + ": " + what + " must have 2 values (height, width), got "
          + (v == null ? "null" : dev.kiln.Shapes.toString(v)));
    }
    if (v[0] <= 0 || v[1] <= 0) {
      throw new IllegalArgumentException(op + ": " + what + " must be positive, got " + dev.kiln.Shapes.toString(v));
    }
    return v.clone();
  }

  /** Input and output sizes and the padding of a window over a known input. */
  public static final class Geometry {
    private final int[] in;
    private final int[] out;
    private final int[] padBefore;
    private final int[] padAfter;

    Geometry(int[] in, int[] out, int[] padBefore, int[] padAfter) {
      this.in = in;
      this.out = out;
      this.padBefore = padBefore;
      this.padAfter = padAfter;
    }

    public int inHeight() {
      return in[0];
    }

    public int inWidth() {
      return in[1];
    }

    public int outHeight() {
      return out[0];
    }

    public int outWidth() {
      return out[1];
    }

    public int padTop() {
      return padBefore[0];
    }

    public int padBottom() {
      return padAfter[0];
    }

    public int padLeft() {
      return padBefore[1];
    }

    public int padRight() {
      return padAfter[1];
    }
  }
}

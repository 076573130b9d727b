package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Padding;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Conv;
import dev.kiln.kernels.ConvShapes;

/**
 * Keras {@code Conv2DTranspose} (no dilation): x {@code [N, H, W, C]}, kernel {@code [kh, kw, F, C]} (the Keras
 * layout), output size by Keras {@code deconv_output_length}, computed as TensorFlow's {@code conv2d_transpose}. Its
 * kernel applies a bias and an activation only.
 */
public final class Conv2DTranspose extends Op {
  private static final Epilogue EPILOGUE = Epilogue.biasNormActivation().withoutBatchNorm();

  private final int[] strides;
  private final Padding padding;
  /** Null when not given. */
  private final int[] outputPadding;

  public Conv2DTranspose(int[] strides, Padding padding, int[] outputPadding) {
    this.strides = Window.pair(type(), "strides", strides);
    if (padding == null) throw new IllegalArgumentException(type() + ": padding must be SAME or VALID, got null");
    this.padding = padding;
    if (outputPadding != null) {
      if (outputPadding.length != 2) {
        throw new IllegalArgumentException(type() + ": output_padding must have 2 values, got "
            + Shapes.toString(outputPadding));
      }
      for (int i = 0; i < 2; i++) {
        if (outputPadding[i] < 0 || outputPadding[i] >= strides[i]) {
          throw new IllegalArgumentException(type() + ": output_padding " + Shapes.toString(outputPadding)
              + " must be non-negative and smaller than strides " + Shapes.toString(strides));
        }
      }
    }
    this.outputPadding = outputPadding == null ? null : outputPadding.clone();
  }

  static Conv2DTranspose decode(Attrs a) {
    return new Conv2DTranspose(a.getInts("strides"), Padding.valueOf(a.getString("padding")),
        a.has("output_padding") ? a.getInts("output_padding") : null);
  }

  public int[] strides() {
    return strides.clone();
  }

  public Padding padding() {
    return padding;
  }

  /**
   * Output size and the padding before the first row / column, per spatial axis, for an input of this static
   * shape and a kernel {@code [kh, kw, ...]}: {@code {{outH, padTop}, {outW, padLeft}}}.
   */
  public int[][] geometry(Dim[] x, Dim[] k) {
    boolean same = padding == Padding.SAME;
    int[][] g = new int[2][];
    for (int i = 0; i < 2; i++) {
      Dim d = x[1 + i];
      if (!d.isConstant()) {
        throw new IllegalArgumentException(type() + ": the " + (i == 0 ? "height" : "width") + " of " + Dims.toString(x)
            + " is the run-time dimension " + d + "; convolutions need known spatial sizes");
      }
      int in = d.value();
      int ki = k[i].value();
      int out = ConvShapes.transposeOut(in, ki, strides[i], same, outputPadding == null ? -1 : outputPadding[i]);
      if (out <= 0) {
        throw new IllegalArgumentException(type() + ": input " + Dims.toString(x) + " and kernel " + Dims.toString(k)
            + " with strides " + Shapes.toString(strides) + " and " + padding + " padding give an empty output");
      }
      // TensorFlow (and so Keras) requires the forward convolution of the output to give back the input size.
      int back = same ? (out + strides[i] - 1) / strides[i] : out < ki ? 0 : (out - ki) / strides[i] + 1;
      if (back != in) {
        throw new IllegalArgumentException(type() + ": output size " + out + " (kernel " + ki + ", stride " + strides[i]
            + ", " + padding + ", output padding " + (outputPadding == null ? "none" : outputPadding[i])
            + ") does not convolve back to the input size " + in + " of " + Dims.toString(x)
            + "; TensorFlow rejects this configuration");
      }
      g[i] = new int[] {out, ConvShapes.transposePadBefore(in, out, ki, strides[i], same)};
    }
    return g;
  }

  @Override
  public String type() {
    return "Conv2DTranspose";
  }

  @Override
  public Pattern pattern() {
    return Pattern.PRODUCER;
  }

  @Override
  public Epilogue epilogue() {
    return EPILOGUE;
  }

  @Override
  public Attrs attrs() {
    Attrs a = Attrs.of("strides", strides, "padding", padding.name());
    return outputPadding == null ? a : a.with("output_padding", outputPadding);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    floats(dtypes);
    Dim[] x = shapes[0];
    Dim[] k = shapes[1];
    int c = ConvRules.inputAndKernel(type(), x, k);
    if (k[3].value() != c) {
      throw new IllegalArgumentException(type() + ": input " + Dims.toString(x) + " has " + c + " channels but kernel "
          + Dims.toString(k) + " [kh, kw, filters, in] expects " + k[3]);
    }
    int[][] g = geometry(x, k);
    return Outputs.of(new Dim[] {x[0], Dim.of(g[0][0]), Dim.of(g[1][0]), k[2]}, DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] xs = inShapes[0];
    int[] ks = inShapes[1];
    int[][] g = geometry(Dim.of(xs), Dim.of(ks));
    Conv.conv2dTranspose((float[]) in[0], xs[0], xs[1], xs[2], xs[3], (float[]) in[1], ks[0], ks[1], ks[2], strides[0],
        strides[1], g[0][1], g[1][1], g[0][0], g[1][0], null, null, (float[]) out[0]);
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Padding;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Conv;

/**
 * {@code tf.nn.depthwise_conv2d}: x {@code [N, H, W, C]}, kernel {@code [kh, kw, C, M]}, output {@code C * M}
 * channels, channel {@code c * M + m}. Its kernel applies bias, a folded batch normalization and an activation, and
 * pads its input itself, and can feed a following 1x1 convolution tile by tile; it has no residual input.
 */
public final class DepthwiseConv2D extends Op {
  private static final Epilogue EPILOGUE = Epilogue.biasNormActivation().withInputPadding().withPointwise();

  private final int[] strides;
  private final int[] dilations;
  private final Padding padding;

  public DepthwiseConv2D(int[] strides, int[] dilations, Padding padding) {
    this.strides = Window.pair(type(), "strides", strides);
    this.dilations = Window.pair(type(), "dilations", dilations);
    if (padding == null) throw new IllegalArgumentException(type() + ": padding must be SAME or VALID, got null");
    this.padding = padding;
  }

  static DepthwiseConv2D decode(Attrs a) {
    return new DepthwiseConv2D(a.getInts("strides"), a.getInts("dilations"), Padding.valueOf(a.getString("padding")));
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

  public Window.Geometry geometry(Dim[] input, Dim[] kernel) {
    return new Window(new int[] {kernel[0].value(), kernel[1].value()}, strides, dilations, padding).over(type(), input);
  }

  @Override
  public String type() {
    return "DepthwiseConv2dNative";
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
    return Attrs.of("strides", strides, "dilations", dilations).with("padding", padding.name());
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    floats(dtypes);
    Dim[] x = shapes[0];
    Dim[] k = shapes[1];
    int c = ConvRules.inputAndKernel(type(), x, k);
    if (k[2].value() != c) {
      throw new IllegalArgumentException(type() + ": input " + Dims.toString(x) + " has " + c + " channels but kernel "
          + Dims.toString(k) + " expects " + k[2]);
    }
    Window.Geometry g = geometry(x, k);
    return Outputs.of(new Dim[] {x[0], Dim.of(g.outHeight()), Dim.of(g.outWidth()), Dim.of((long) c * k[3].value())},
        DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] xs = inShapes[0];
    int[] ks = inShapes[1];
    Window.Geometry g = geometry(Dim.of(xs), Dim.of(ks));
    Conv.depthwise2d((float[]) in[0], xs[0], xs[1], xs[2], xs[3], (float[]) in[1], ks[0], ks[1], ks[3], strides[0],
        strides[1], dilations[0], dilations[1], g.padTop(), g.padLeft(), g.outHeight(), g.outWidth(), null, null,
        (float[]) out[0]);
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Padding;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Conv;

/**
 * {@code tf.nn.conv2d} with groups: x {@code [N, H, W, C]}, kernel {@code [kh, kw, C / groups, F]}, output
 * {@code [N, H', W', F]}. Its kernel applies bias, a folded batch normalization, a residual add and an activation,
 * pads its input itself, and can max-pool its result while it is in cache.
 */
public final class Conv2D extends Op {
  private static final Epilogue EPILOGUE =
      Epilogue.biasNormActivation().withResidual().withInputPadding().withMaxPooling();

  private final int[] strides;
  private final int[] dilations;
  private final Padding padding;
  private final int groups;

  public Conv2D(int[] strides, int[] dilations, Padding padding, int groups) {
    this.strides = Window.pair("Conv2D", "strides", strides);
    this.dilations = Window.pair("Conv2D", "dilations", dilations);
    if (padding == null) throw new IllegalArgumentException("Conv2D: padding must be SAME or VALID, got null");
    if (groups <= 0) throw new IllegalArgumentException("Conv2D: groups must be positive, got " + groups);
    this.padding = padding;
    this.groups = groups;
  }

  static Conv2D decode(Attrs a) {
    return new Conv2D(a.getInts("strides"), a.getInts("dilations"), Padding.valueOf(a.getString("padding")),
        a.getInt("groups", 1));
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

  public int groups() {
    return groups;
  }

  /** The window over an input of this static shape; its kernel size comes from {@code kernel [kh, kw, ...]}. */
  public Window.Geometry geometry(Dim[] input, Dim[] kernel) {
    return window(kernel).over(type(), input);
  }

  private Window window(Dim[] kernel) {
    return new Window(new int[] {kernel[0].value(), kernel[1].value()}, strides, dilations, padding);
  }

  @Override
  public String type() {
    return "Conv2D";
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
    return Attrs.of("strides", strides, "dilations", dilations).with("padding", padding.name()).with("groups", groups);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    floats(dtypes);
    Dim[] x = shapes[0];
    Dim[] k = shapes[1];
    int channels = ConvRules.inputAndKernel(type(), x, k);
    int f = k[3].value();
    Dim c = x[3];
    if (f % groups != 0) {
      throw new IllegalArgumentException(type() + ": groups " + groups + " does not divide the " + f
          + " filters of kernel " + Dims.toString(k));
    }
    if (channels % groups != 0) {
      throw new IllegalArgumentException(type() + ": groups " + groups + " does not divide the " + c
          + " channels of input " + Dims.toString(x));
    }
    if (k[2].value() * groups != channels) {
      throw new IllegalArgumentException(type() + ": input " + Dims.toString(x) + " has " + c + " channels but kernel "
          + Dims.toString(k) + " expects " + k[2].value() + " x " + groups + " group(s) = " + k[2].value() * groups);
    }
    Window.Geometry g = geometry(x, k);
    return Outputs.of(new Dim[] {x[0], Dim.of(g.outHeight()), Dim.of(g.outWidth()), k[3]}, DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] xs = inShapes[0];
    int[] ks = inShapes[1];
    Window.Geometry g = geometry(Dim.of(xs), Dim.of(ks));
    Conv.Packed packed = Conv.packKernel((float[]) in[1], ks[0], ks[1], ks[2], ks[3], groups);
    Conv.conv2d((float[]) in[0], xs[0], xs[1], xs[2], xs[3], packed, ks[0], ks[1], ks[3], strides[0], strides[1],
        dilations[0], dilations[1], g.padTop(), g.padLeft(), g.outHeight(), g.outWidth(), groups, null, null, null,
        (float[]) out[0]);
  }
}

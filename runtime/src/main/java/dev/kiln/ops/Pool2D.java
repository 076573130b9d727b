package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Padding;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Pooling;

/**
 * {@code MaxPool} ({@code tf.nn.max_pool2d}; SAME pads with -inf) and {@code AvgPool} ({@code tf.nn.avg_pool2d};
 * SAME leaves padded cells out of the count) over NHWC.
 */
public final class Pool2D extends Op {
  private final boolean max;
  private final Window window;

  public Pool2D(boolean max, int[] ksize, int[] strides, Padding padding) {
    this.max = max;
    String type = max ? "MaxPool" : "AvgPool";
    if (padding == null) throw new IllegalArgumentException(type + ": padding must be SAME or VALID, got null");
    this.window = new Window(Window.pair(type, "ksize", ksize), Window.pair(type, "strides", strides),
        new int[] {1, 1}, padding);
  }

  static Pool2D decode(boolean max, Attrs a) {
    return new Pool2D(max, a.getInts("ksize"), a.getInts("strides"), Padding.valueOf(a.getString("padding")));
  }

  public boolean isMax() {
    return max;
  }

  public Window window() {
    return window;
  }

  public Window.Geometry geometry(Dim[] input) {
    return window.over(type(), input);
  }

  @Override
  public String type() {
    return max ? "MaxPool" : "AvgPool";
  }

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("ksize", window.size(), "strides", window.strides()).with("padding", window.padding().name());
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    floats(dtypes);
    Dim[] x = shapes[0];
    if (x.length != 4) {
      throw new IllegalArgumentException(type() + ": input must have rank 4 [batch, height, width, channels], got "
          + Dims.toString(x));
    }
    Window.Geometry g = geometry(x);
    return Outputs.of(new Dim[] {x[0], Dim.of(g.outHeight()), Dim.of(g.outWidth()), x[3]}, DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] xs = inShapes[0];
    Window.Geometry g = geometry(Dim.of(xs));
    int[] k = window.size();
    int[] s = window.strides();
    Pooling.pool2dRows(max, (float[]) in[0], xs[0], xs[1], xs[2], xs[3], k[0], k[1], s[0], s[1], g.padTop(),
        g.padLeft(), g.outHeight(), g.outWidth(), (float[]) out[0], 0, xs[0] * g.outHeight());
  }
}

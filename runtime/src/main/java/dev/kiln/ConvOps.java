package dev.kiln;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Tracer;
import dev.kiln.kernels.Conv;
import dev.kiln.kernels.ConvShapes;
import dev.kiln.kernels.Pooling;

/**
 * Convolution and pooling ops (channels-last, TensorFlow semantics), usable in {@code @Call} bodies and eagerly,
 * in the style of {@link Ops}: the static output shape first ({@code -1} = unknown, propagated), then a graph node
 * when an input is symbolic, else an eager computation with {@link Conv} / {@link Pooling}. A configuration that
 * cannot work throws {@link IllegalArgumentException} naming the op, the shapes and the values.
 *
 * <p>Size rules per spatial axis (input {@code in}, kernel {@code k}, stride {@code s}, dilation {@code d}):
 * SAME gives {@code ceil(in / s)} with total padding {@code max((out - 1) s + (k - 1) d + 1 - in, 0)}, of which
 * {@code total / 2} goes before (the odd pixel goes bottom / right); VALID gives {@code ceil((in - (k - 1) d) / s)}.
 *
 * <table>
 * <caption>Node types</caption>
 * <tr><th>Type</th><th>Inputs</th><th>Attrs</th></tr>
 * <tr><td>Conv2D</td><td>x {@code [N, H, W, C]}, kernel {@code [kh, kw, C / groups, F]}</td><td>strides: int[2],
 *   dilations: int[2], padding: String ("SAME" | "VALID"), groups: Integer; output {@code [N, H', W', F]}</td></tr>
 * <tr><td>DepthwiseConv2dNative</td><td>x {@code [N, H, W, C]}, kernel {@code [kh, kw, C, M]}</td><td>strides: int[2],
 *   dilations: int[2], padding: String; output {@code [N, H', W', C * M]}, channel {@code c * M + m}</td></tr>
 * <tr><td>Conv2DTranspose</td><td>x {@code [N, H, W, C]}, kernel {@code [kh, kw, F, C]} (Keras layout)</td><td>strides:
 *   int[2], padding: String, output_padding: int[2] (absent when not given); output size by Keras
 *   {@code deconv_output_length}, computed as TensorFlow's {@code conv2d_transpose}</td></tr>
 * <tr><td>MaxPool, AvgPool</td><td>x {@code [N, H, W, C]}</td><td>ksize: int[2], strides: int[2], padding: String.
 *   SAME: max pads with -inf, average leaves padded cells out of the count</td></tr>
 * </table>
 *
 * <p>1-D convolutions and pools are composed like TensorFlow does ({@link #conv1d}, {@link #maxPool1d},
 * {@link #avgPool1d}): {@code Reshape [N, L, 1, C]}, the 2-D op with a {@code [k, 1]} window, {@code Reshape} back.
 */
public final class ConvOps {
  private ConvOps() {}

  // ---- Conv2D --------------------------------------------------------------------------------------------

  /** {@code tf.nn.conv2d} with groups: x {@code [N, H, W, C]}, kernel {@code [kh, kw, C / groups, F]}. */
  public static Tensor conv2d(Tensor x, Tensor kernel, int[] strides, int[] dilations, Padding padding, int groups) {
    String op = "Conv2D";
    int[] xs = x.shape();
    int[] ks = kernel.shape();
    checkRank4(op, "input", xs, ks);
    checkRank4(op, "kernel", ks, xs);
    check2(op, "strides", strides);
    check2(op, "dilations", dilations);
    if (groups <= 0) throw new IllegalArgumentException(op + ": groups must be positive, got " + groups);
    int f = ks[3];
    int c = xs[3];
    if (f >= 0 && f % groups != 0) {
      throw new IllegalArgumentException(op + ": groups " + groups + " does not divide the " + f + " filters of kernel " + Shapes.toString(ks));
    }
    if (c >= 0 && c % groups != 0) {
      throw new IllegalArgumentException(op + ": groups " + groups + " does not divide the " + c + " channels of input " + Shapes.toString(xs));
    }
    if (c >= 0 && ks[2] >= 0 && ks[2] * groups != c) {
      throw new IllegalArgumentException(op + ": input " + Shapes.toString(xs) + " has " + c + " channels but kernel "
          + Shapes.toString(ks) + " expects " + ks[2] + " x " + groups + " group(s) = " + ks[2] * groups);
    }
    int[][] sp = spatial(op, xs, ks[0], ks[1], strides, dilations, padding);
    int[] out = {xs[0], sp[0][2], sp[1][2], f};
    if (Tracer.anySymbolic(x, kernel)) {
      Attrs a = Attrs.of("strides", strides.clone(), "dilations", dilations.clone())
          .with("padding", padding.name()).with("groups", groups);
      return Tracer.require().op(op, a, out, DType.FLOAT32, x, kernel);
    }
    float[] r = new float[Shapes.size(out)];
    Conv.Packed packed = Conv.packKernel(Ops.floats(kernel), ks[0], ks[1], ks[2], f, groups);
    Conv.conv2d(Ops.floats(x), xs[0], xs[1], xs[2], c, packed, ks[0], ks[1], f, strides[0], strides[1],
        dilations[0], dilations[1], sp[0][0], sp[1][0], out[1], out[2], groups, null, null, null, r);
    return Tensor.wrap(r, out);
  }

  /** {@code tf.nn.depthwise_conv2d}: x {@code [N, H, W, C]}, kernel {@code [kh, kw, C, M]}, output {@code C * M} channels. */
  public static Tensor depthwiseConv2d(Tensor x, Tensor kernel, int[] strides, int[] dilations, Padding padding) {
    String op = "DepthwiseConv2dNative";
    int[] xs = x.shape();
    int[] ks = kernel.shape();
    checkRank4(op, "input", xs, ks);
    checkRank4(op, "kernel", ks, xs);
    check2(op, "strides", strides);
    check2(op, "dilations", dilations);
    int c = xs[3];
    if (c >= 0 && ks[2] >= 0 && ks[2] != c) {
      throw new IllegalArgumentException(op + ": input " + Shapes.toString(xs) + " has " + c + " channels but kernel "
          + Shapes.toString(ks) + " expects " + ks[2]);
    }
    int[][] sp = spatial(op, xs, ks[0], ks[1], strides, dilations, padding);
    int m = ks[3];
    int ch = c >= 0 ? c : ks[2];
    int[] out = {xs[0], sp[0][2], sp[1][2], ch < 0 || m < 0 ? -1 : ch * m};
    if (Tracer.anySymbolic(x, kernel)) {
      Attrs a = Attrs.of("strides", strides.clone(), "dilations", dilations.clone()).with("padding", padding.name());
      return Tracer.require().op(op, a, out, DType.FLOAT32, x, kernel);
    }
    float[] r = new float[Shapes.size(out)];
    Conv.depthwise2d(Ops.floats(x), xs[0], xs[1], xs[2], c, Ops.floats(kernel), ks[0], ks[1], m, strides[0], strides[1],
        dilations[0], dilations[1], sp[0][0], sp[1][0], out[1], out[2], null, null, r);
    return Tensor.wrap(r, out);
  }

  /**
   * Keras {@code Conv2DTranspose} (no dilation): x {@code [N, H, W, C]}, kernel {@code [kh, kw, F, C]};
   * {@code outputPadding} may be null.
   */
  public static Tensor conv2dTranspose(Tensor x, Tensor kernel, int[] strides, Padding padding, int[] outputPadding) {
    String op = "Conv2DTranspose";
    int[] xs = x.shape();
    int[] ks = kernel.shape();
    checkRank4(op, "input", xs, ks);
    checkRank4(op, "kernel", ks, xs);
    check2(op, "strides", strides);
    checkKernel(op, ks);
    if (outputPadding != null) {
      if (outputPadding.length != 2) {
        throw new IllegalArgumentException(op + ": output_padding must have 2 values, got " + Shapes.toString(outputPadding));
      }
      for (int i = 0; i < 2; i++) {
        if (outputPadding[i] < 0 || outputPadding[i] >= strides[i]) {
          throw new IllegalArgumentException(op + ": output_padding " + Shapes.toString(outputPadding)
              + " must be non-negative and smaller than strides " + Shapes.toString(strides));
        }
      }
    }
    int c = xs[3];
    if (c >= 0 && ks[3] >= 0 && ks[3] != c) {
      throw new IllegalArgumentException(op + ": input " + Shapes.toString(xs) + " has " + c + " channels but kernel "
          + Shapes.toString(ks) + " [kh, kw, filters, in] expects " + ks[3]);
    }
    boolean same = padding == Padding.SAME;
    int[] out = {xs[0], -1, -1, ks[2]};
    int[] pads = new int[2];
    for (int i = 0; i < 2; i++) {
      int in = xs[1 + i];
      if (in < 0) continue;
      out[1 + i] = ConvShapes.transposeOut(in, ks[i], strides[i], same, outputPadding == null ? -1 : outputPadding[i]);
      if (out[1 + i] <= 0) {
        throw new IllegalArgumentException(op + ": input " + Shapes.toString(xs) + " and kernel " + Shapes.toString(ks)
            + " with strides " + Shapes.toString(strides) + " and " + padding + " padding give an empty output");
      }
      // TensorFlow (and so Keras) requires the forward convolution of the output to give back the input size.
      int back = same ? (out[1 + i] + strides[i] - 1) / strides[i]
          : out[1 + i] < ks[i] ? 0 : (out[1 + i] - ks[i]) / strides[i] + 1;
      if (back != in) {
        throw new IllegalArgumentException(op + ": output size " + out[1 + i] + " (kernel " + ks[i] + ", stride "
            + strides[i] + ", " + padding + ", output padding " + (outputPadding == null ? "none" : outputPadding[i])
            + ") does not convolve back to the input size " + in + " of " + Shapes.toString(xs)
            + "; TensorFlow rejects this configuration");
      }
      pads[i] = ConvShapes.transposePadBefore(in, out[1 + i], ks[i], strides[i], same);
    }
    if (Tracer.anySymbolic(x, kernel)) {
      Attrs a = Attrs.of("strides", strides.clone(), "padding", padding.name());
      if (outputPadding != null) a = a.with("output_padding", outputPadding.clone());
      return Tracer.require().op(op, a, out, DType.FLOAT32, x, kernel);
    }
    float[] r = new float[Shapes.size(out)];
    Conv.conv2dTranspose(Ops.floats(x), xs[0], xs[1], xs[2], c, Ops.floats(kernel), ks[0], ks[1], ks[2], strides[0],
        strides[1], pads[0], pads[1], out[1], out[2], null, null, r);
    return Tensor.wrap(r, out);
  }

  // ---- pooling -------------------------------------------------------------------------------------------

  /** {@code tf.nn.max_pool2d}; SAME pads with -inf. */
  public static Tensor maxPool2d(Tensor x, int[] ksize, int[] strides, Padding padding) {
    return pool("MaxPool", x, ksize, strides, padding);
  }

  /** {@code tf.nn.avg_pool2d}; SAME leaves padded cells out of the count. */
  public static Tensor avgPool2d(Tensor x, int[] ksize, int[] strides, Padding padding) {
    return pool("AvgPool", x, ksize, strides, padding);
  }

  private static Tensor pool(String op, Tensor x, int[] ksize, int[] strides, Padding padding) {
    int[] xs = x.shape();
    if (xs.length != 4) {
      throw new IllegalArgumentException(op + ": input must have rank 4 [batch, height, width, channels], got " + Shapes.toString(xs));
    }
    check2(op, "ksize", ksize);
    check2(op, "strides", strides);
    int[][] sp = spatial(op, xs, ksize[0], ksize[1], strides, new int[] {1, 1}, padding);
    int[] out = {xs[0], sp[0][2], sp[1][2], xs[3]};
    if (Tracer.anySymbolic(x)) {
      Attrs a = Attrs.of("ksize", ksize.clone(), "strides", strides.clone()).with("padding", padding.name());
      return Tracer.require().op(op, a, out, DType.FLOAT32, x);
    }
    float[] r = new float[Shapes.size(out)];
    if (op.equals("MaxPool")) {
      Pooling.maxPool2d(Ops.floats(x), xs[0], xs[1], xs[2], xs[3], ksize[0], ksize[1], strides[0], strides[1],
          sp[0][0], sp[1][0], out[1], out[2], r);
    } else {
      Pooling.avgPool2d(Ops.floats(x), xs[0], xs[1], xs[2], xs[3], ksize[0], ksize[1], strides[0], strides[1],
          sp[0][0], sp[1][0], out[1], out[2], r);
    }
    return Tensor.wrap(r, out);
  }

  // ---- 1-D, composed ------------------------------------------------------------------------------------

  /**
   * 1-D convolution, composed as TensorFlow does: x {@code [N, L, C]} is reshaped to {@code [N, L, 1, C]}, the
   * kernel {@code [k, C / groups, F]} to {@code [k, 1, C / groups, F]}, a {@code Conv2D} runs, and the result is
   * reshaped to {@code [N, L', F]}. {@code causal} left-pads by {@code (k - 1) * dilation} (a Pad node) and then
   * runs VALID; otherwise {@code padding} applies.
   */
  public static Tensor conv1d(Tensor x, Tensor kernel, int stride, int dilation, Padding padding, boolean causal, int groups) {
    int[] xs = x.shape();
    int[] ks = kernel.shape();
    if (xs.length != 3) {
      throw new IllegalArgumentException("Conv1D: input must have rank 3 [batch, steps, channels], got " + Shapes.toString(xs));
    }
    if (ks.length != 3) {
      throw new IllegalArgumentException("Conv1D: kernel must have rank 3 [k, in / groups, filters], got " + Shapes.toString(ks));
    }
    if (causal) {
      if (ks[0] <= 0 || dilation <= 0) {
        throw new IllegalArgumentException("Conv1D: kernel size " + ks[0] + " and dilation " + dilation + " must be positive");
      }
      x = Ops.pad(x, new int[][] {{0, 0}, {(ks[0] - 1) * dilation, 0}, {0, 0}});
      padding = Padding.VALID;
      xs = x.shape();
    }
    Tensor x4 = Ops.reshape(x, xs[0], xs[1], 1, xs[2]);
    Tensor k4 = Ops.reshape(kernel, ks[0], 1, ks[1], ks[2]);
    Tensor y = conv2d(x4, k4, new int[] {stride, 1}, new int[] {dilation, 1}, padding, groups);
    int[] ys = y.shape();
    return Ops.reshape(y, ys[0], ys[1], ys[3]);
  }

  /** 1-D max pooling over axis 1 of {@code [N, L, C]}, through Reshape and {@link #maxPool2d}. */
  public static Tensor maxPool1d(Tensor x, int poolSize, int stride, Padding padding) {
    return pool1d("MaxPool", x, poolSize, stride, padding);
  }

  /** 1-D average pooling over axis 1 of {@code [N, L, C]}, through Reshape and {@link #avgPool2d}. */
  public static Tensor avgPool1d(Tensor x, int poolSize, int stride, Padding padding) {
    return pool1d("AvgPool", x, poolSize, stride, padding);
  }

  private static Tensor pool1d(String op, Tensor x, int poolSize, int stride, Padding padding) {
    int[] xs = x.shape();
    if (xs.length != 3) {
      throw new IllegalArgumentException(op + ": 1-D pooling needs rank 3 [batch, steps, channels], got " + Shapes.toString(xs));
    }
    Tensor x4 = Ops.reshape(x, xs[0], xs[1], 1, xs[2]);
    Tensor y = pool(op, x4, new int[] {poolSize, 1}, new int[] {stride, 1}, padding);
    int[] ys = y.shape();
    return Ops.reshape(y, ys[0], ys[1], ys[3]);
  }

  // ---- shape rules ---------------------------------------------------------------------------------------

  private static void checkRank4(String op, String what, int[] shape, int[] other) {
    if (shape.length != 4) {
      String layout = what.equals("input") ? "[batch, height, width, channels]" : "[kh, kw, in, out]";
      throw new IllegalArgumentException(op + ": " + what + " must have rank 4 " + layout + ", got "
          + Shapes.toString(shape) + " (other operand " + Shapes.toString(other) + ")");
    }
  }

  private static void check2(String op, String what, int[] v) {
    if (v == null || v.length != 2) {
      throw new IllegalArgumentException(op + ": " + what + " must have 2 values (height, width), got "
          + (v == null ? "null" : Shapes.toString(v)));
    }
    if (v[0] <= 0 || v[1] <= 0) {
      throw new IllegalArgumentException(op + ": " + what + " must be positive, got " + Shapes.toString(v));
    }
  }

  private static void checkKernel(String op, int[] ks) {
    if (ks[0] <= 0 || ks[1] <= 0) {
      throw new IllegalArgumentException(op + ": kernel size must be positive, got kernel " + Shapes.toString(ks));
    }
  }

  /** Per spatial axis {@code {padBefore, padAfter, out}} (out -1 when the input size is unknown). */
  private static int[][] spatial(String op, int[] xs, int kh, int kw, int[] strides, int[] dilations, Padding padding) {
    if (kh <= 0 || kw <= 0) {
      throw new IllegalArgumentException(op + ": kernel size must be positive, got " + kh + "x" + kw);
    }
    if (padding == null) throw new IllegalArgumentException(op + ": padding must be SAME or VALID, got null");
    int[] k = {kh, kw};
    int[][] r = new int[2][];
    for (int i = 0; i < 2; i++) {
      int in = xs[1 + i];
      if (in < 0) {
        r[i] = new int[] {0, 0, -1};
      } else if (padding == Padding.SAME) {
        r[i] = ConvShapes.samePadding(in, k[i], strides[i], dilations[i]);
      } else {
        int eff = ConvShapes.effectiveKernel(k[i], dilations[i]);
        if (eff > in) {
          throw new IllegalArgumentException(op + ": VALID " + (i == 0 ? "height" : "width") + " kernel " + k[i]
              + (dilations[i] > 1 ? " with dilation " + dilations[i] + " (effective " + eff + ")" : "")
              + " is larger than the input " + (i == 0 ? "height " : "width ") + in + " of " + Shapes.toString(xs));
        }
        r[i] = new int[] {0, 0, ConvShapes.validOut(in, k[i], strides[i], dilations[i])};
      }
    }
    return r;
  }
}

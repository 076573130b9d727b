package dev.kiln;

import dev.kiln.graph.Attrs;
import dev.kiln.graph.Tracer;
import dev.kiln.kernels.Normalization;
import dev.kiln.kernels.Resize;

/**
 * Normalization and resizing ops, in the style of {@link Ops} (shape rule first; a graph node when any input is
 * symbolic; otherwise eager into a new tensor). Node types added to the op language:
 * <table>
 * <caption>Node types</caption>
 * <tr><th>Type</th><th>Inputs</th><th>Attrs</th></tr>
 * <tr><td>BatchNorm</td><td>x, mean, variance, then gamma if scale, then beta if center (each {@code [C]})</td>
 *   <td>axis: Integer (normalized, the channel axis), epsilon: Float, center: Boolean, scale: Boolean</td></tr>
 * <tr><td>LayerNorm</td><td>x, then gamma if scale, then beta if center (each shaped like the normalized axes)</td>
 *   <td>axes: int[] (normalized, sorted, unique), epsilon: Float, center: Boolean, scale: Boolean</td></tr>
 * <tr><td>Resize</td><td>x {@code [N, H, W, C]}</td><td>scale: int[2] {@code {sh, sw}}, method: String
 *   ({@code "nearest"} or {@code "bilinear"}); output {@code [N, H*sh, W*sw, C]}</td></tr>
 * </table>
 *
 * <pre>{@code Tensor y = NormOps.batchNorm(x, movingMean, movingVariance, gamma, beta, -1, 1e-3f);}</pre>
 */
public final class NormOps {
  private NormOps() {}

  /**
   * Inference batch normalization along {@code axis}: {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta},
   * computed as {@code x * s + t} with {@code s = rsqrt(variance + epsilon) * gamma}, {@code t = beta - mean * s}
   * in float (the order of {@code tf.nn.batch_normalization}; see {@link Normalization}). {@code gamma} and
   * {@code beta} may be {@code null} (Keras {@code scale=False} / {@code center=False}).
   */
  public static Tensor batchNorm(Tensor x, Tensor mean, Tensor variance, Tensor gamma, Tensor beta, int axis,
      float epsilon) {
    int[] shape = x.shape();
    int ax = Shapes.axis(axis, shape.length, "BatchNorm");
    int channels = shape[ax];
    checkVector("BatchNorm", "mean", mean, shape, channels);
    checkVector("BatchNorm", "variance", variance, shape, channels);
    if (gamma != null) checkVector("BatchNorm", "gamma", gamma, shape, channels);
    if (beta != null) checkVector("BatchNorm", "beta", beta, shape, channels);
    Tensor[] inputs = inputs(new Tensor[] {x, mean, variance}, gamma, beta);
    if (Tracer.anySymbolic(inputs)) {
      Attrs attrs = Attrs.of("axis", ax, "epsilon", epsilon).with("center", beta != null).with("scale", gamma != null);
      return Tracer.require().op("BatchNorm", attrs, shape, DType.FLOAT32, inputs);
    }
    float[][] st = Normalization.foldBatchNorm(gamma == null ? null : Ops.floats(gamma), beta == null ? null : Ops.floats(beta),
        Ops.floats(mean), Ops.floats(variance), epsilon);
    float[] out = new float[Shapes.size(shape)];
    Normalization.batchNorm(Ops.floats(x), out, prod(shape, 0, ax), channels, prod(shape, ax + 1, shape.length), st[0], st[1]);
    return Tensor.wrap(out, shape);
  }

  /**
   * Keras layer normalization over {@code axes}: mean and biased variance over those axes, then
   * {@code (x - mean) * rsqrt(var + epsilon) * gamma + beta}. {@code gamma} / {@code beta} ({@code null} = absent)
   * have the shape of the normalized axes in increasing order ({@code [C]} for the last axis).
   */
  public static Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, int[] axes, float epsilon) {
    int[] shape = x.shape();
    int[] ax = Shapes.axes(axes, shape.length, "LayerNorm");
    if (ax.length == 0) throw new IllegalArgumentException("LayerNorm: needs at least one axis for shape " + Shapes.toString(shape));
    int[] paramShape = new int[ax.length];
    for (int i = 0; i < ax.length; i++) paramShape[i] = shape[ax[i]];
    if (gamma != null) checkParam("gamma", gamma, shape, paramShape);
    if (beta != null) checkParam("beta", beta, shape, paramShape);
    Tensor[] inputs = inputs(new Tensor[] {x}, gamma, beta);
    if (Tracer.anySymbolic(inputs)) {
      Attrs attrs = Attrs.of("axes", ax, "epsilon", epsilon).with("center", beta != null).with("scale", gamma != null);
      return Tracer.require().op("LayerNorm", attrs, shape, DType.FLOAT32, inputs);
    }
    float[] g = gamma == null ? null : Ops.floats(gamma);
    float[] b = beta == null ? null : Ops.floats(beta);
    int normSize = Shapes.size(paramShape);
    int n = Shapes.size(shape);
    boolean trailing = ax[ax.length - 1] == shape.length - 1 && ax[ax.length - 1] - ax[0] == ax.length - 1;
    if (trailing) {
      float[] out = new float[n];
      Normalization.layerNorm(Ops.floats(x), out, normSize == 0 ? 0 : n / normSize, normSize, g, b, epsilon);
      return Tensor.wrap(out, shape);
    }
    // Move the normalized axes last (in order), normalize contiguous rows, move them back.
    int[] perm = new int[shape.length];
    int j = 0;
    for (int d = 0, k = 0; d < shape.length; d++) {
      if (k < ax.length && ax[k] == d) k++;
      else perm[j++] = d;
    }
    for (int a : ax) perm[j++] = a;
    int[] inverse = new int[perm.length];
    for (int i = 0; i < perm.length; i++) inverse[perm[i]] = i;
    Tensor moved = Ops.transpose(x, perm);
    float[] out = new float[n];
    Normalization.layerNorm(Ops.floats(moved), out, normSize == 0 ? 0 : n / normSize, normSize, g, b, epsilon);
    return Ops.transpose(Tensor.wrap(out, moved.shape()), inverse);
  }

  /**
   * Upsamples NHWC {@code x} by integer factors: {@code "nearest"} repeats rows and columns (Keras
   * {@code UpSampling2D}), {@code "bilinear"} is {@code tf.image.resize(method='bilinear')} with half-pixel
   * centers and no antialiasing.
   */
  public static Tensor resize(Tensor x, int scaleH, int scaleW, String method) {
    int[] in = x.shape();
    if (in.length != 4) throw new IllegalArgumentException("Resize: needs an NHWC input of rank 4, got " + Shapes.toString(in));
    if (scaleH < 1 || scaleW < 1) throw new IllegalArgumentException("Resize: scale factors must be >= 1, got " + scaleH + ", " + scaleW);
    if (!"nearest".equals(method) && !"bilinear".equals(method)) {
      throw new IllegalArgumentException("Resize: method must be \"nearest\" or \"bilinear\", got " + method);
    }
    int[] out = {in[0], in[1] < 0 ? -1 : in[1] * scaleH, in[2] < 0 ? -1 : in[2] * scaleW, in[3]};
    if (Tracer.anySymbolic(x)) {
      return Tracer.require().op("Resize", Attrs.of("scale", new int[] {scaleH, scaleW}, "method", method), out, DType.FLOAT32, x);
    }
    float[] r = new float[Shapes.size(out)];
    if (method.equals("nearest")) Resize.nearest(Ops.floats(x), in[0], in[1], in[2], in[3], scaleH, scaleW, r);
    else Resize.bilinear(Ops.floats(x), in[0], in[1], in[2], in[3], scaleH, scaleW, r);
    return Tensor.wrap(r, out);
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private static Tensor[] inputs(Tensor[] first, Tensor gamma, Tensor beta) {
    int n = first.length + (gamma != null ? 1 : 0) + (beta != null ? 1 : 0);
    Tensor[] all = new Tensor[n];
    System.arraycopy(first, 0, all, 0, first.length);
    int i = first.length;
    if (gamma != null) all[i++] = gamma;
    if (beta != null) all[i] = beta;
    return all;
  }

  private static void checkVector(String op, String name, Tensor t, int[] xShape, int channels) {
    int[] s = t.shape();
    if (s.length != 1 || (s[0] >= 0 && channels >= 0 && s[0] != channels)) {
      throw new IllegalArgumentException(op + ": " + name + " of shape " + Shapes.toString(s) + " does not fit input "
          + Shapes.toString(xShape) + " (needs [" + channels + "])");
    }
  }

  private static void checkParam(String name, Tensor t, int[] xShape, int[] paramShape) {
    int[] s = t.shape();
    boolean ok = s.length == paramShape.length;
    for (int i = 0; ok && i < s.length; i++) ok = s[i] < 0 || paramShape[i] < 0 || s[i] == paramShape[i];
    if (!ok) {
      throw new IllegalArgumentException("LayerNorm: " + name + " of shape " + Shapes.toString(s) + " does not fit input "
          + Shapes.toString(xShape) + " (needs " + Shapes.toString(paramShape) + ")");
    }
  }

  private static int prod(int[] shape, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) p *= shape[i];
    return p;
  }
}

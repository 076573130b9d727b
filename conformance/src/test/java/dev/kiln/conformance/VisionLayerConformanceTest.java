package dev.kiln.conformance;

import static dev.kiln.conformance.Cases.s;

import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.layers.AveragePooling1D;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.Conv2DTranspose;
import dev.kiln.layers.Cropping1D;
import dev.kiln.layers.Cropping2D;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.GlobalAveragePooling2D;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.GlobalMaxPooling2D;
import dev.kiln.layers.LayerNormalization;
import dev.kiln.layers.MaxPooling1D;
import dev.kiln.layers.SeparableConv2D;
import dev.kiln.layers.UpSampling1D;
import dev.kiln.layers.UpSampling2D;
import dev.kiln.layers.ZeroPadding1D;
import dev.kiln.layers.ZeroPadding2D;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * The convolution, pooling, padding, cropping, resizing and normalization layers of {@code dev.kiln.layers} that
 * {@link ConvNormConformanceTest} does not reach through {@code ConvOps}, eagerly (weights by {@code loadWeights}),
 * against the TF ops a Keras layer of the same configuration runs:
 * Conv1D as Conv2D on {@code [N, L, 1, C]} (causal: Pad by {@code (k - 1) * d} on the left, then VALID); grouped
 * Conv2D as one TF Conv2D per group over the sliced input and kernel, concatenated, and as TF's own grouped Conv2D
 * (without bias: see {@link #groupedConv2dNative}); grouped Conv1D as TF's own grouped Conv2D; Conv2DTranspose as Conv2DBackpropInput with Keras' output shape;
 * SeparableConv2D as DepthwiseConv2dNative, a 1x1 Conv2D and BiasAdd; 1-D pooling as MaxPool / AvgPool on
 * {@code [N, L, 1, C]}; Pad, Slice, Tile, ResizeNearestNeighbor / ResizeBilinear (half-pixel centers), Mean / Max;
 * BatchNormalization on any axis by {@code tf.nn.batch_normalization}'s formula.
 */
class VisionLayerConformanceTest {
  @AfterAll
  static void report() {
    Check.report();
  }

  static List<Long> nhwc(int h, int w) {
    return List.of(1L, (long) h, (long) w, 1L);
  }

  static String tfPadding(Padding p) {
    return p == Padding.SAME ? "SAME" : "VALID";
  }

  // ---- TF references shared with ModelConformanceTest ----------------------------------------------------

  /**
   * Keras Conv2D with {@code groups} in TF: one Conv2D per group over channels {@code [g C/G, (g+1) C/G)} of the
   * input and filters {@code [g F/G, (g+1) F/G)} of the kernel {@code [kh, kw, C/G, F]}, concatenated on the channels.
   */
  static Operand<TFloat32> groupedConv2d(Tf t, Operand<TFloat32> x, Operand<TFloat32> kernel, int groups,
      int[] strides, int[] dilations, String padding) {
    var tf = t.tf;
    Conv2d.Options dil = Conv2d.dilations(1L, (long) dilations[0], (long) dilations[1], 1L);
    List<Long> st = nhwc(strides[0], strides[1]);
    if (groups == 1) return tf.nn.conv2d(x, kernel, st, padding, dil);
    int cg = (int) kernel.shape().get(2);
    int fg = (int) kernel.shape().get(3) / groups;
    List<Operand<TFloat32>> parts = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      Operand<TFloat32> xg = tf.slice(x, t.ints(0, 0, 0, g * cg), t.ints(-1, -1, -1, cg));
      Operand<TFloat32> kg = tf.slice(kernel, t.ints(0, 0, 0, g * fg), t.ints(-1, -1, -1, fg));
      parts.add(tf.nn.conv2d(xg, kg, st, padding, dil));
    }
    return tf.concat(parts, tf.constant(-1));
  }

  /**
   * Keras Conv1D: Conv2D on {@code [N, L, 1, C]} with the kernel {@code [k, 1, C/G, F]} (TF's CPU Conv2D runs
   * grouped kernels itself); causal pads first.
   */
  static Operand<TFloat32> conv1d(Tf t, Operand<TFloat32> x, Tensor kernel, int stride, int dilation, String padding) {
    var tf = t.tf;
    int[] ks = kernel.shape();
    if (padding.equals("causal")) {
      x = tf.pad(x, t.ints(new int[] {0, 0, (ks[0] - 1) * dilation, 0, 0, 0}, 3, 2), t.scalar(0f));
      padding = "VALID";
    }
    long[] xs = x.shape().asArray();
    Operand<TFloat32> x4 = tf.reshape(x, t.ints(-1, (int) xs[1], 1, (int) xs[2]));
    Operand<TFloat32> k4 = t.constant(kernel.toFloatArray(), ks[0], 1, ks[1], ks[2]);
    Operand<TFloat32> y = tf.nn.conv2d(x4, k4, nhwc(stride, 1), padding, Conv2d.dilations(1L, (long) dilation, 1L, 1L));
    long[] ys = y.shape().asArray();
    return tf.reshape(y, t.ints(-1, (int) ys[1], (int) ys[3]));
  }

  /** Keras {@code deconv_output_length} (dilation 1); {@code outputPadding < 0} means none. */
  static int transposeOut(int in, int k, int s, boolean same, int outputPadding) {
    if (outputPadding < 0) return same ? in * s : in * s + Math.max(k - s, 0);
    int pad = same ? k / 2 : 0;
    return (in - 1) * s + k - 2 * pad + outputPadding;
  }

  /**
   * Whether TF's Conv2DBackpropInput (so Keras) accepts the configuration: Keras' output length {@code out} must
   * convolve back to the input length, {@code ceil(out / s)} for SAME ({@code floor((out - k) / s) + 1} for VALID).
   * Some SAME configurations with an output padding fail it, say k 2, s 1, output padding 0: Keras computes
   * {@code out = in - 1} and TF raises "Size of out_backprop doesn't match" (Kiln returns a result; see README).
   */
  static boolean kerasAccepts(int[] in, int[] k, int[] st, Padding p, int[] op) {
    for (int i = 0; i < 2; i++) {
      int out = transposeOut(in[i], k[i], st[i], p == Padding.SAME, op == null ? -1 : op[i]);
      int back = p == Padding.SAME ? (out + st[i] - 1) / st[i] : (out - k[i]) / st[i] + 1;
      if (back != in[i]) return false;
    }
    return true;
  }

  /** Keras Conv2DTranspose: Conv2DBackpropInput with the output shape Keras computes; kernel {@code [kh, kw, F, C]}. */
  static Operand<TFloat32> conv2dTranspose(Tf t, Operand<TFloat32> x, Tensor kernel, int[] strides, Padding p,
      int[] outputPadding) {
    long[] xs = x.shape().asArray();
    int[] ks = kernel.shape();
    int[] size = {(int) xs[0], 0, 0, ks[2]};
    for (int i = 0; i < 2; i++) {
      size[1 + i] = transposeOut((int) xs[1 + i], ks[i], strides[i], p == Padding.SAME,
          outputPadding == null ? -1 : outputPadding[i]);
    }
    return t.tf.nn.conv2dBackpropInput(t.ints(size), t.constant(kernel), x, nhwc(strides[0], strides[1]), tfPadding(p));
  }

  /** Keras SeparableConv2D: depthwise, then the 1x1 pointwise Conv2D, then BiasAdd (if a bias is given). */
  static Operand<TFloat32> separableConv2d(Tf t, Operand<TFloat32> x, Tensor depthwise, Tensor pointwise, Tensor bias,
      int[] strides, Padding p) {
    var tf = t.tf;
    Operand<TFloat32> d = tf.nn.depthwiseConv2dNative(x, t.constant(depthwise), nhwc(strides[0], strides[1]), tfPadding(p));
    Operand<TFloat32> y = tf.nn.conv2d(d, t.constant(pointwise), nhwc(1, 1), "VALID");
    return bias == null ? y : tf.nn.biasAdd(y, t.constant(bias));
  }

  /** {@code tf.nn.batch_normalization}: {@code x * inv + (beta - mean * inv)}, {@code inv = rsqrt(var + eps) * gamma}. */
  static Operand<TFloat32> batchNorm(Tf t, Operand<TFloat32> x, int rank, int axis, Tensor mean, Tensor var,
      Tensor gamma, Tensor beta, float eps) {
    var tf = t.tf;
    int[] b = new int[rank];
    java.util.Arrays.fill(b, 1);
    b[axis] = mean.size();
    Operand<TFloat32> inv = tf.math.rsqrt(tf.math.add(t.constant(var), t.scalar(eps)));
    if (gamma != null) inv = tf.math.mul(inv, t.constant(gamma));
    Operand<TFloat32> shift = tf.math.neg(tf.math.mul(t.constant(mean), inv));
    if (beta != null) shift = tf.math.add(shift, t.constant(beta));
    return tf.math.add(tf.math.mul(x, tf.reshape(inv, t.ints(b))), tf.reshape(shift, t.ints(b)));
  }

  static <L extends dev.kiln.AbstractLayer> L withWeights(L layer, Map<String, Tensor> w) {
    return LayerConformanceTest.withWeights(layer, w);
  }

  static Map<String, Tensor> weights(Object... nameValue) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) if (nameValue[i + 1] != null) w.put((String) nameValue[i], (Tensor) nameValue[i + 1]);
    return w;
  }

  // ---- Conv1D ----------------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> conv1d() {
    List<DynamicTest> cases = new ArrayList<>();
    int[][] strideDilation = {{1, 1}, {2, 1}, {3, 1}, {1, 2}};
    for (int groups : new int[] {1, 2}) {
      int[] in = groups == 1 ? new int[] {1, 7, 4} : new int[] {2, 10, 4};
      for (int k : new int[] {1, 3, 4}) {
        for (int[] sd : strideDilation) {
          for (String p : new String[] {"valid", "same", "causal"}) {
            if (p.equals("valid") && in[1] < (k - 1) * sd[1] + 1) continue;
            {
              String name = s(in) + " k " + k + " s " + sd[0] + " d " + sd[1] + " " + p + " groups " + groups;
              Random r = Check.random("Conv1D" + name);
              Tensor x = Check.gaussian(r, in);
              Tensor kernel = Check.gaussian(r, k, in[2] / groups, 6);
              Tensor bias = Check.gaussian(r, 6);
              int st = sd[0];
              int d = sd[1];
              String tfPad = p.equals("causal") ? "causal" : p.toUpperCase();
              cases.add(Cases.of("Conv1D", name,
                  () -> withWeights(new Conv1D(6, k).strides(st).dilationRate(d).padding(p).groups(groups),
                      weights("kernel", kernel, "bias", bias)).apply(x),
                  t -> t.tf.nn.biasAdd(conv1d(t, t.placeholder(x), kernel, st, d, tfPad), t.constant(bias))));
            }
          }
        }
      }
    }
    return cases;
  }

  // ---- grouped Conv2D --------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> groupedConv2d() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int batch : new int[] {2}) {
      for (int groups : new int[] {2, 3}) {
        for (int[] k : new int[][] {{1, 1}, {3, 3}, {2, 3}}) {
          for (int[] sd : new int[][] {{1, 1}, {2, 1}, {1, 2}}) {
            for (Padding p : Padding.values()) {
              int[] in = {batch, 7, 6, 6};
              String name = s(in) + " k " + s(k) + " s " + sd[0] + " d " + sd[1] + " " + p + " groups " + groups;
              Random r = Check.random("GroupedConv2D" + name);
              Tensor x = Check.gaussian(r, in);
              Tensor kernel = Check.gaussian(r, k[0], k[1], 6 / groups, 6);
              Tensor bias = Check.gaussian(r, 6);
              int[] st = {sd[0], sd[0]};
              int[] dil = {sd[1], sd[1]};
              cases.add(Cases.of("Conv2D(groups)", name,
                  () -> withWeights(new Conv2D(6, k[0], k[1]).strides(st[0]).dilationRate(dil[0]).padding(p).groups(groups),
                      weights("kernel", kernel, "bias", bias)).apply(x),
                  t -> t.tf.nn.biasAdd(groupedConv2d(t, t.placeholder(x), t.constant(kernel), groups, st, dil,
                      tfPadding(p)), t.constant(bias))));
            }
          }
        }
      }
    }
    return cases;
  }

  /**
   * The grouped Conv2D once more against TF's own Conv2D with the grouped kernel {@code [kh, kw, C / G, F]}. TF
   * 2.18's CPU Conv2D runs it, but not followed by BiasAdd: grappler fuses the pair into {@code _FusedConv2D}, which
   * raises "Fused conv implementation does not support grouped convolutions for now". So the grid above uses one
   * Conv2D per group (which never fuses) and these cases have no bias. (Grouped Conv1D is fine with its bias: the
   * Reshape between Conv2D and BiasAdd prevents the fusion.)
   */
  @TestFactory
  List<DynamicTest> groupedConv2dNative() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int groups : new int[] {2, 3}) {
      for (Padding p : Padding.values()) {
        String name = "[2, 7, 6, 6] k [3, 3] s 2 " + p + " groups " + groups;
        Random r = Check.random("GroupedConv2DNative" + name);
        Tensor x = Check.gaussian(r, 2, 7, 6, 6);
        Tensor kernel = Check.gaussian(r, 3, 3, 6 / groups, 6);
        cases.add(Cases.of("Conv2D(groups, TF native)", name,
            () -> withWeights(new Conv2D(6, 3).strides(2).padding(p).groups(groups).useBias(false), weights("kernel", kernel))
                .apply(x),
            t -> t.tf.nn.conv2d(t.placeholder(x), t.constant(kernel), nhwc(2, 2), tfPadding(p))));
      }
    }
    return cases;
  }

  // ---- Conv2DTranspose -------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> conv2dTranspose() {
    List<DynamicTest> cases = new ArrayList<>();
    int[][] kernels = {{3, 3}, {2, 3}, {4, 4}};
    int[][] stridesGrid = {{1, 1}, {2, 2}, {3, 3}, {2, 3}};
    for (int[] k : kernels) {
      for (int[] st : stridesGrid) {
        for (Padding p : Padding.values()) {
          List<int[]> ops = new ArrayList<>();
          ops.add(null);
          ops.add(new int[] {0, 0});
          if (st[0] > 1 || st[1] > 1) ops.add(new int[] {st[0] - 1, st[1] - 1});
          for (int[] op : ops) {
            if (!kerasAccepts(new int[] {4, 5}, k, st, p, op)) continue;
            int batch = (k[0] + st[0]) % 2 + 1;
            int[] in = {batch, 4, 5, 3};
            String name = s(in) + " k " + s(k) + " s " + s(st) + " " + p + " output_padding " + (op == null ? "none" : s(op));
            Random r = Check.random("Conv2DTranspose" + name);
            Tensor x = Check.gaussian(r, in);
            Tensor kernel = Check.gaussian(r, k[0], k[1], 5, 3);
            Tensor bias = Check.gaussian(r, 5);
            cases.add(Cases.of("Conv2DTranspose", name, () -> {
              Conv2DTranspose layer = new Conv2DTranspose(5, k[0], k[1]).strides(st[0], st[1]).padding(p);
              if (op != null) layer.outputPadding(op[0], op[1]);
              return withWeights(layer, weights("kernel", kernel, "bias", bias)).apply(x);
            }, t -> t.tf.nn.biasAdd(conv2dTranspose(t, t.placeholder(x), kernel, st, p, op), t.constant(bias))));
          }
        }
      }
    }
    return cases;
  }

  // ---- SeparableConv2D -------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> separableConv2d() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int batch : new int[] {2}) {
      for (int[] k : new int[][] {{3, 3}, {2, 3}}) {
        for (int st : new int[] {1, 2}) {
          for (int mult : new int[] {1, 2}) {
            for (Padding p : Padding.values()) {
              boolean useBias = (mult + st) % 2 == 0;
              int[] in = {batch, 7, 6, 3};
              String name = s(in) + " k " + s(k) + " s " + st + " x" + mult + " " + p + (useBias ? "" : " no bias");
              Random r = Check.random("SeparableConv2D" + name);
              Tensor x = Check.gaussian(r, in);
              Tensor dw = Check.gaussian(r, k[0], k[1], 3, mult);
              Tensor pw = Check.gaussian(r, 1, 1, 3 * mult, 5);
              Tensor bias = useBias ? Check.gaussian(r, 5) : null;
              cases.add(Cases.of("SeparableConv2D", name,
                  () -> withWeights(new SeparableConv2D(5, k[0], k[1]).strides(st).depthMultiplier(mult).padding(p)
                      .useBias(useBias), weights("depthwise_kernel", dw, "pointwise_kernel", pw, "bias", bias)).apply(x),
                  t -> separableConv2d(t, t.placeholder(x), dw, pw, bias, new int[] {st, st}, p)));
            }
          }
        }
      }
    }
    return cases;
  }

  // ---- pooling ---------------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> globalPooling() {
    List<DynamicTest> cases = new ArrayList<>();
    Tensor x1 = Check.gaussian(Check.random("GlobalPooling1D"), 2, 5, 3);
    Tensor x2 = Check.gaussian(Check.random("GlobalPooling2D"), 3, 4, 5, 2);
    for (boolean keep : new boolean[] {false, true}) {
      String k = keep ? " keepDims" : "";
      cases.add(Cases.of("GlobalPooling", "avg 1D" + k, () -> new GlobalAveragePooling1D().keepDims(keep).apply(x1),
          t -> t.tf.math.mean(t.placeholder(x1), t.ints(1), Mean.keepDims(keep))));
      cases.add(Cases.of("GlobalPooling", "max 1D" + k, () -> new GlobalMaxPooling1D().keepDims(keep).apply(x1),
          t -> t.tf.max(t.placeholder(x1), t.ints(1), Max.keepDims(keep))));
      cases.add(Cases.of("GlobalPooling", "avg 2D" + k, () -> new GlobalAveragePooling2D().keepDims(keep).apply(x2),
          t -> t.tf.math.mean(t.placeholder(x2), t.ints(1, 2), Mean.keepDims(keep))));
      cases.add(Cases.of("GlobalPooling", "max 2D" + k, () -> new GlobalMaxPooling2D().keepDims(keep).apply(x2),
          t -> t.tf.max(t.placeholder(x2), t.ints(1, 2), Max.keepDims(keep))));
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> pooling1d() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] in : new int[][] {{3, 7, 2}}) {
      for (int pool : new int[] {2, 3}) {
        for (int st : new int[] {1, 2, 3}) {
          for (Padding p : Padding.values()) {
            String name = s(in) + " pool " + pool + " s " + st + " " + p;
            Tensor x = Check.gaussian(Check.random("Pool1D" + name), in);
            cases.add(Cases.of("MaxPooling1D", name, () -> new MaxPooling1D(pool).strides(st).padding(p).apply(x),
                t -> pool1dTf(t, x, true, pool, st, p)));
            cases.add(Cases.of("AveragePooling1D", name, () -> new AveragePooling1D(pool).strides(st).padding(p).apply(x),
                t -> pool1dTf(t, x, false, pool, st, p)));
          }
        }
      }
    }
    return cases;
  }

  static Operand<TFloat32> pool1dTf(Tf t, Tensor x, boolean max, int pool, int st, Padding p) {
    int[] xs = x.shape();
    Operand<TFloat32> x4 = t.tf.reshape(t.placeholder(x), t.ints(xs[0], xs[1], 1, xs[2]));
    Operand<TFloat32> y = max
        ? t.tf.nn.maxPool(x4, t.ints(1, pool, 1, 1), t.ints(1, st, 1, 1), tfPadding(p))
        : t.tf.nn.avgPool(x4, nhwc(pool, 1), nhwc(st, 1), tfPadding(p));
    return t.tf.reshape(y, t.ints(xs[0], -1, xs[2]));
  }

  // ---- padding, cropping, upsampling ---------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> paddingCropping() {
    List<DynamicTest> cases = new ArrayList<>();
    Tensor x1 = Check.gaussian(Check.random("PadCrop1D"), 2, 6, 3);
    Tensor x2 = Check.gaussian(Check.random("PadCrop2D"), 2, 6, 7, 3);
    for (int[] lr : new int[][] {{1, 1}, {0, 2}, {2, 1}}) {
      String name = "1D " + s(lr);
      cases.add(Cases.of("ZeroPadding", name, () -> new ZeroPadding1D(lr[0], lr[1]).apply(x1),
          t -> t.tf.pad(t.placeholder(x1), t.ints(new int[] {0, 0, lr[0], lr[1], 0, 0}, 3, 2), t.scalar(0f))));
      cases.add(Cases.of("Cropping", name, () -> new Cropping1D(lr[0], lr[1]).apply(x1),
          t -> t.tf.slice(t.placeholder(x1), t.ints(0, lr[0], 0), t.ints(-1, 6 - lr[0] - lr[1], -1))));
    }
    cases.add(Cases.of("ZeroPadding", "1D (2)", () -> new ZeroPadding1D(2).apply(x1),
        t -> t.tf.pad(t.placeholder(x1), t.ints(new int[] {0, 0, 2, 2, 0, 0}, 3, 2), t.scalar(0f))));
    for (int[] tblr : new int[][] {{1, 1, 1, 1}, {1, 1, 2, 2}, {0, 1, 2, 3}, {2, 0, 0, 1}}) {
      String name = "2D " + s(tblr);
      boolean sym = tblr[0] == tblr[1] && tblr[2] == tblr[3];
      cases.add(Cases.of("ZeroPadding", name,
          () -> (sym ? new ZeroPadding2D(tblr[0], tblr[2]) : new ZeroPadding2D(tblr[0], tblr[1], tblr[2], tblr[3])).apply(x2),
          t -> t.tf.pad(t.placeholder(x2), t.ints(new int[] {0, 0, tblr[0], tblr[1], tblr[2], tblr[3], 0, 0}, 4, 2),
              t.scalar(0f))));
      cases.add(Cases.of("Cropping", name,
          () -> (sym ? new Cropping2D(tblr[0], tblr[2]) : new Cropping2D(tblr[0], tblr[1], tblr[2], tblr[3])).apply(x2),
          t -> t.tf.slice(t.placeholder(x2), t.ints(0, tblr[0], tblr[2], 0),
              t.ints(-1, 6 - tblr[0] - tblr[1], 7 - tblr[2] - tblr[3], -1))));
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> upSampling() {
    List<DynamicTest> cases = new ArrayList<>();
    Tensor x1 = Check.gaussian(Check.random("UpSampling1D"), 2, 5, 3);
    for (int size : new int[] {1, 2, 3}) {
      // Keras: repeat each step `size` times (repeat_elements) = tile a new axis after the steps, then reshape.
      cases.add(Cases.of("UpSampling1D", "x" + size, () -> new UpSampling1D(size).apply(x1),
          t -> t.tf.reshape(t.tf.tile(t.tf.reshape(t.placeholder(x1), t.ints(2, 5, 1, 3)), t.ints(1, 1, size, 1)),
              t.ints(2, 5 * size, 3))));
    }
    Tensor x2 = Check.gaussian(Check.random("UpSampling2D"), 2, 3, 4, 2);
    for (int[] sz : new int[][] {{2, 2}, {3, 1}, {1, 2}, {2, 3}}) {
      int[] out = {3 * sz[0], 4 * sz[1]};
      cases.add(Cases.of("UpSampling2D(nearest)", s(sz), () -> new UpSampling2D(sz[0], sz[1]).apply(x2),
          t -> t.tf.image.resizeNearestNeighbor(t.placeholder(x2), t.ints(out), ResizeNearestNeighbor.halfPixelCenters(true))));
      cases.add(Cases.of("UpSampling2D(bilinear)", s(sz),
          () -> new UpSampling2D(sz[0], sz[1]).interpolation("bilinear").apply(x2),
          t -> t.tf.image.resizeBilinear(t.placeholder(x2), t.ints(out), ResizeBilinear.halfPixelCenters(true))));
    }
    return cases;
  }

  // ---- normalization ---------------------------------------------------------------------------------------

  @TestFactory
  List<DynamicTest> batchNormalization() {
    List<DynamicTest> cases = new ArrayList<>();
    int[] shape = {2, 3, 4, 5};
    for (int axis : new int[] {-1, 1, 2}) {
      int pos = axis < 0 ? axis + 4 : axis;
      for (boolean center : new boolean[] {true, false}) {
        for (boolean scale : new boolean[] {true, false}) {
          String name = s(shape) + " axis " + axis + (center ? "" : " center=false") + (scale ? "" : " scale=false");
          Random r = Check.random("BatchNormalization" + name);
          int c = shape[pos];
          Tensor x = Check.gaussian(r, shape);
          Tensor mean = Check.gaussian(r, c);
          Tensor var = Check.uniform(r, 0.01f, 2f, c);
          Tensor gamma = scale ? Check.uniform(r, 0.5f, 1.5f, c) : null;
          Tensor beta = center ? Check.gaussian(r, c) : null;
          cases.add(Cases.of("BatchNormalization", name,
              () -> withWeights(new BatchNormalization().axis(axis).center(center).scale(scale),
                  weights("gamma", gamma, "beta", beta, "moving_mean", mean, "moving_variance", var)).apply(x, false),
              t -> batchNorm(t, t.placeholder(x), 4, pos, mean, var, gamma, beta, 1e-3f)));
        }
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> layerNormalization() {
    List<DynamicTest> cases = new ArrayList<>();
    int[] shape = {2, 3, 4, 5};
    for (int[] axes : new int[][] {{1, 2}, {2, 3}, {-2, -1}, {1, 3}}) {
      for (boolean affine : new boolean[] {true, false}) {
        String name = s(shape) + " axes " + s(axes) + (affine ? "" : " center=scale=false");
        Random r = Check.random("LayerNormalization" + name);
        Tensor x = dev.kiln.Ops.add(Check.gaussian(r, shape), 3f);
        int[] pos = axes.clone();
        int[] paramShape = new int[2];
        int[] broadcast = {1, 1, 1, 1};
        for (int i = 0; i < 2; i++) {
          if (pos[i] < 0) pos[i] += 4;
          paramShape[i] = shape[pos[i]];
          broadcast[pos[i]] = shape[pos[i]];
        }
        Tensor gamma = Check.uniform(r, 0.5f, 1.5f, paramShape);
        Tensor beta = Check.gaussian(r, paramShape);
        cases.add(Cases.of("LayerNormalization", name,
            () -> withWeights(new LayerNormalization().axis(axes).center(affine).scale(affine),
                affine ? weights("gamma", gamma, "beta", beta) : weights()).apply(x),
            t -> {
              var tf = t.tf;
              Operand<TFloat32> px = t.placeholder(x);
              Operand<TFloat32> m = tf.math.mean(px, t.ints(pos), Mean.keepDims(true));
              Operand<TFloat32> centered = tf.math.sub(px, m);
              Operand<TFloat32> v = tf.math.mean(tf.math.square(centered), t.ints(pos), Mean.keepDims(true));
              Operand<TFloat32> n = tf.math.mul(centered, tf.math.rsqrt(tf.math.add(v, t.scalar(1e-3f))));
              if (!affine) return n;
              return tf.math.add(tf.math.mul(n, tf.reshape(t.constant(gamma), t.ints(broadcast))),
                  tf.reshape(t.constant(beta), t.ints(broadcast)));
            }));
      }
    }
    return cases;
  }
}

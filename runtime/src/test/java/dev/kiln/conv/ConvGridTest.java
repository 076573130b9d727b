package dev.kiln.conv;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import dev.kiln.ConvOps;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.kernels.Activations;
import dev.kiln.kernels.Conv;
import dev.kiln.kernels.ConvShapes;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Eager ops and kernels against {@link Ref} over a grid of configurations. */
class ConvGridTest {
  private static final int[] KS = {1, 2, 3, 5};
  private static final int[] STRIDES = {1, 2, 3};
  private static final int[] DILATIONS = {1, 2};
  private static final int[] CHANNELS = {1, 3, 8};
  private static final int[][] SIZES = {{7, 6}, {8, 9}};

  @Test
  void conv2dGrid() {
    Random r = new Random(1);
    int cases = 0;
    for (int k : KS)
      for (int s : STRIDES)
        for (int d : DILATIONS)
          for (boolean same : new boolean[] {true, false})
            for (int groups : new int[] {1, 2})
              for (int c : CHANNELS)
                for (int n : new int[] {1, 2})
                  for (int[] hw : SIZES) {
                    if (c % groups != 0) continue;
                    int h = hw[0], w = hw[1];
                    // non-square kernel and strides on half the cases
                    int kw = (cases & 1) == 0 ? k : Math.max(1, k - 1);
                    int sw = (cases & 2) == 0 ? s : 1;
                    if (!same && ((k - 1) * d + 1 > h || (kw - 1) * d + 1 > w)) continue;
                    int f = 2 * groups;
                    float[] x = Ref.random(r, n * h * w * c);
                    float[] ker = Ref.random(r, k * kw * (c / groups) * f);
                    int[] dims = new int[4];
                    float[] want = Ref.conv2d(x, n, h, w, c, ker, k, kw, f, s, sw, d, d, same, groups, dims);
                    Tensor y = ConvOps.conv2d(Tensor.of(x, n, h, w, c), Tensor.of(ker, k, kw, c / groups, f),
                        new int[] {s, sw}, new int[] {d, d}, same ? Padding.SAME : Padding.VALID, groups);
                    String what = "k" + k + "x" + kw + " s" + s + "," + sw + " d" + d + (same ? " SAME" : " VALID") + " g" + groups
                        + " c" + c + " n" + n + " " + h + "x" + w;
                    assertThat(y.shape()).isEqualTo(dims);
                    Ref.assertClose(what, y.toFloatArray(), want);
                    cases++;
                  }
    assertThat(cases).isGreaterThan(500);
  }

  @Test
  void conv2dLargeTilesKBlocksAndFusedEpilogue() {
    Random r = new Random(2);
    // {n, h, w, c, kh, kw, f, stride, groups}: more positions than a tile, K above the K block, 1x1 GEMM path,
    // 1x1 stride 2 (implicit path with a GEMM-packed kernel), groups with many channels
    int[][] cfgs = {{2, 13, 11, 40, 3, 3, 9, 1, 1}, {1, 12, 12, 8, 1, 1, 20, 1, 1}, {1, 9, 9, 6, 1, 1, 5, 2, 1},
        {1, 10, 10, 16, 3, 3, 12, 1, 4}, {1, 17, 15, 3, 5, 5, 17, 2, 1}, {3, 5, 5, 70, 1, 1, 3, 1, 1}};
    for (int[] q : cfgs) {
      int n = q[0], h = q[1], w = q[2], c = q[3], kh = q[4], kw = q[5], f = q[6], s = q[7], g = q[8];
      for (boolean same : new boolean[] {true, false}) {
        for (Activation act : new Activation[] {null, Activation.RELU, Activation.SILU}) {
          float[] x = Ref.random(r, n * h * w * c);
          float[] ker = Ref.random(r, kh * kw * (c / g) * f);
          int[] dims = new int[4];
          float[] want = Ref.conv2d(x, n, h, w, c, ker, kh, kw, f, s, s, 1, 1, same, g, dims);
          float[] bias = Ref.random(r, f);
          float[] res = Ref.random(r, want.length);
          for (int i = 0; i < want.length; i++) want[i] += bias[i % f] + res[i];
          Activations.apply(act, want, want, want.length);
          int[] py = same ? ConvShapes.samePadding(h, kh, s, 1) : new int[] {0, 0, ConvShapes.validOut(h, kh, s, 1)};
          int[] px = same ? ConvShapes.samePadding(w, kw, s, 1) : new int[] {0, 0, ConvShapes.validOut(w, kw, s, 1)};
          float[] out = new float[want.length];
          Conv.Packed packed = Conv.packKernel(ker, kh, kw, c / g, f, g);
          Conv.conv2d(x, n, h, w, c, packed, kh, kw, f, s, s, 1, 1, py[0], px[0], py[2], px[2], g, bias, res, act, out);
          Ref.assertClose(java.util.Arrays.toString(q) + same + act, out, want);
          // no bias / residual: plain convolution again (scratch reuse)
          float[] plain = Ref.conv2d(x, n, h, w, c, ker, kh, kw, f, s, s, 1, 1, same, g, dims);
          Conv.conv2d(x, n, h, w, c, packed, kh, kw, f, s, s, 1, 1, py[0], px[0], py[2], px[2], g, null, null, null, out);
          Ref.assertClose(java.util.Arrays.toString(q) + same + " plain", out, plain);
        }
      }
    }
  }

  @Test
  void depthwiseGrid() {
    Random r = new Random(3);
    int cases = 0;
    for (int k : KS)
      for (int s : STRIDES)
        for (int d : DILATIONS)
          for (boolean same : new boolean[] {true, false})
            for (int m : new int[] {1, 2})
              for (int c : CHANNELS)
                for (int n : new int[] {1, 2})
                  for (int[] hw : SIZES) {
                    int h = hw[0], w = hw[1];
                    int kw = (cases & 1) == 0 ? k : Math.max(1, k - 1);
                    int sw = (cases & 2) == 0 ? s : 1;
                    if (!same && ((k - 1) * d + 1 > h || (kw - 1) * d + 1 > w)) continue;
                    float[] x = Ref.random(r, n * h * w * c);
                    float[] ker = Ref.random(r, k * kw * c * m);
                    int[] dims = new int[4];
                    float[] want = Ref.depthwise(x, n, h, w, c, ker, k, kw, m, s, sw, d, d, same, dims);
                    Tensor y = ConvOps.depthwiseConv2d(Tensor.of(x, n, h, w, c), Tensor.of(ker, k, kw, c, m),
                        new int[] {s, sw}, new int[] {d, d}, same ? Padding.SAME : Padding.VALID);
                    assertThat(y.shape()).isEqualTo(dims);
                    Ref.assertClose("depthwise k" + k + "x" + kw + " s" + s + "," + sw + " d" + d + same + " m" + m + " c" + c,
                        y.toFloatArray(), want);
                    cases++;
                  }
    assertThat(cases).isGreaterThan(300);
  }

  @Test
  void depthwiseFusedBiasAndActivation() {
    Random r = new Random(4);
    for (int m : new int[] {1, 3}) {
      int n = 2, h = 9, w = 8, c = 5;
      float[] x = Ref.random(r, n * h * w * c);
      float[] ker = Ref.random(r, 3 * 3 * c * m);
      float[] bias = Ref.random(r, c * m);
      int[] dims = new int[4];
      float[] want = Ref.depthwise(x, n, h, w, c, ker, 3, 3, m, 2, 2, 1, 1, true, dims);
      for (int i = 0; i < want.length; i++) want[i] = Math.min(Math.max(want[i] + bias[i % (c * m)], 0f), 6f);
      float[] out = new float[want.length];
      int[] py = ConvShapes.samePadding(h, 3, 2, 1);
      int[] px = ConvShapes.samePadding(w, 3, 2, 1);
      Conv.depthwise2d(x, n, h, w, c, ker, 3, 3, m, 2, 2, 1, 1, py[0], px[0], py[2], px[2], bias, Activation.RELU6, out);
      Ref.assertClose("depthwise fused m" + m, out, want);
    }
  }

  @Test
  void poolGrid() {
    Random r = new Random(5);
    int cases = 0;
    for (int k : new int[] {1, 2, 3, 5})
      for (int s : STRIDES)
        for (boolean same : new boolean[] {true, false})
          for (boolean max : new boolean[] {true, false})
            for (int c : CHANNELS)
              for (int n : new int[] {1, 2})
                for (int[] hw : SIZES) {
                  int h = hw[0], w = hw[1];
                  int kw = (cases & 1) == 0 ? k : Math.max(1, k - 1);
                  float[] x = Ref.random(r, n * h * w * c);
                  int[] dims = new int[4];
                  float[] want = Ref.pool(max, x, n, h, w, c, k, kw, s, 1, same, dims);
                  int[] ks = {k, kw};
                  int[] st = {s, 1};
                  Padding p = same ? Padding.SAME : Padding.VALID;
                  Tensor xt = Tensor.of(x, n, h, w, c);
                  Tensor y = max ? ConvOps.maxPool2d(xt, ks, st, p) : ConvOps.avgPool2d(xt, ks, st, p);
                  assertThat(y.shape()).isEqualTo(dims);
                  Ref.assertClose((max ? "max" : "avg") + " k" + k + "x" + kw + " s" + s + same + " c" + c, y.toFloatArray(), want);
                  cases++;
                }
    assertThat(cases).isGreaterThan(200);
  }

  /** conv2d_transpose is the adjoint of conv2d: {@code <conv(y), x> == <y, convT(x)>} for every configuration. */
  @Test
  void conv2dTransposeIsTheAdjointOfConv2d() {
    Random r = new Random(6);
    int cases = 0;
    for (int k : new int[] {1, 2, 3, 4, 5})
      for (int s : STRIDES)
        for (boolean same : new boolean[] {true, false})
          for (int op = -1; op < s; op++)
            for (int c : new int[] {1, 3})
              for (int[] hw : new int[][] {{3, 4}, {5, 5}}) {
                int n = 2, h = hw[0], w = hw[1], f = 2;
                int[] outPad = op < 0 ? null : new int[] {op, op};
                float[] x = Ref.random(r, n * h * w * c);
                float[] ker = Ref.random(r, k * k * f * c); // [kh, kw, f, c]
                // Keras deconv_output_length, written out again
                int want = op < 0 ? (same ? h * s : h * s + Math.max(k - s, 0)) : (h - 1) * s + k - 2 * (same ? k / 2 : 0) + op;
                int wantW = op < 0 ? (same ? w * s : w * s + Math.max(k - s, 0)) : (w - 1) * s + k - 2 * (same ? k / 2 : 0) + op;
                boolean valid = back(want, k, s, same) == h && back(wantW, k, s, same) == w;
                if (!valid) {
                  // TensorFlow rejects an output that does not convolve back to the input; so does Kiln.
                  float[] xs = x;
                  assertThrows(IllegalArgumentException.class, () -> ConvOps.conv2dTranspose(Tensor.of(xs, n, h, w, c),
                      Tensor.of(ker, k, k, f, c), new int[] {s, s}, same ? Padding.SAME : Padding.VALID, outPad));
                  continue;
                }
                Tensor yT = ConvOps.conv2dTranspose(Tensor.of(x, n, h, w, c), Tensor.of(ker, k, k, f, c), new int[] {s, s},
                    same ? Padding.SAME : Padding.VALID, outPad);
                int oh = yT.shape()[1], ow = yT.shape()[2];
                assertThat(oh).isEqualTo(want);
                float[] y = Ref.random(r, n * oh * ow * f);
                int[] dims = new int[4];
                float[] fwd = Ref.conv2d(y, n, oh, ow, f, ker, k, k, c, s, s, 1, 1, same, 1, dims);
                if (dims[1] != h || dims[2] != w) continue; // the forward conv does not map back (not a TF-valid pair)
                double lhs = Ref.dot(fwd, x);
                double rhs = Ref.dot(y, yT.toFloatArray());
                assertThat(rhs).isWithin(1e-4 * (1 + Math.abs(lhs))).of(lhs);
                cases++;
              }
    assertThat(cases).isGreaterThan(80);
  }

  /** The output size of a forward convolution of {@code out} positions (TF's SAME / VALID rules, dilation 1). */
  private static int back(int out, int k, int s, boolean same) {
    return same ? (out + s - 1) / s : out < k ? 0 : (out - k) / s + 1;
  }
}

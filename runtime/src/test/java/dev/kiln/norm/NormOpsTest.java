package dev.kiln.norm;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.NormOps;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.kernels.Gemm;
import dev.kiln.kernels.Normalization;
import dev.kiln.kernels.Resize;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NormOpsTest {
  private static Tensor t(float[] v, int... shape) {
    return Tensor.of(v, shape);
  }

  private static Tensor v(float... v) {
    return Tensor.of(v, v.length);
  }

  private static void assertValues(Tensor x, int[] shape, float... want) {
    assertThat(x.shape()).isEqualTo(shape);
    assertThat(x.toFloatArray()).usingTolerance(1e-6).containsExactly(want).inOrder();
  }

  // ---- batch norm -----------------------------------------------------------------------------------------

  @Test
  void batchNormChannelsLastHandValues() {
    // x [[1, 2], [3, 4]], mean [1, 2], var [4, 0.25], eps 0, gamma [2, 3], beta [0.5, -1]
    // s = gamma / sqrt(var) = [1, 6], t = beta - mean * s = [-0.5, -13]
    // y = [[1 - 0.5, 12 - 13], [3 - 0.5, 24 - 13]] = [[0.5, -1], [2.5, 11]]
    Tensor y = NormOps.batchNorm(t(new float[] {1, 2, 3, 4}, 2, 2), v(1, 2), v(4, 0.25f), v(2, 3), v(0.5f, -1), -1, 0f);
    assertValues(y, new int[] {2, 2}, 0.5f, -1, 2.5f, 11);
  }

  @Test
  void batchNormAxis1WithoutGammaBeta() {
    // x [1, 2, 2], channel axis 1: channel 0 = {1, 2}, channel 1 = {3, 4}; mean [1, 3], var [4, 0.25]
    // s = [0.5, 2], t = [-0.5, -6] -> [0, 0.5, 0, 2]
    Tensor y = NormOps.batchNorm(t(new float[] {1, 2, 3, 4}, 1, 2, 2), v(1, 3), v(4, 0.25f), null, null, 1, 0f);
    assertValues(y, new int[] {1, 2, 2}, 0, 0.5f, 0, 2);
    // gamma only: scale by [2, 10] -> [0, 1, 0, 20]; beta only: shift by [1, -1]
    assertValues(NormOps.batchNorm(t(new float[] {1, 2, 3, 4}, 1, 2, 2), v(1, 3), v(4, 0.25f), v(2, 10), null, 1, 0f),
        new int[] {1, 2, 2}, 0, 1, 0, 20);
    assertValues(NormOps.batchNorm(t(new float[] {1, 2, 3, 4}, 1, 2, 2), v(1, 3), v(4, 0.25f), null, v(1, -1), -2, 0f),
        new int[] {1, 2, 2}, 1, 1.5f, -1, 1);
  }

  @Test
  void batchNormGridAgainstNaive() {
    Random r = new Random(11);
    int[][] shapes = {{4}, {3, 5}, {2, 3, 4}, {2, 3, 4, 5}};
    for (int[] shape : shapes) {
      float[] x = Naive.random(r, Naive.size(shape));
      for (int axis = 0; axis < shape.length; axis++) {
        int c = shape[axis];
        float[] mean = Naive.random(r, c);
        float[] var = new float[c];
        for (int i = 0; i < c; i++) var[i] = r.nextFloat() * 3 + 0.01f;
        float[] gamma = Naive.random(r, c);
        float[] beta = Naive.random(r, c);
        Tensor y = NormOps.batchNorm(t(x, shape), v(mean), v(var), v(gamma), v(beta), axis - shape.length, 1e-3f);
        Naive.assertClose("BatchNorm axis " + axis, y.toFloatArray(),
            Naive.batchNorm(x, shape, axis, mean, var, gamma, beta, 1e-3f), 1e-5);
        Tensor y2 = NormOps.batchNorm(t(x, shape), v(mean), v(var), null, null, axis, 1e-3f);
        Naive.assertClose("BatchNorm no gamma/beta axis " + axis, y2.toFloatArray(),
            Naive.batchNorm(x, shape, axis, mean, var, null, null, 1e-3f), 1e-5);
      }
    }
  }

  @Test
  void batchNormShapeErrors() {
    Tensor x = Tensor.zeros(2, 3);
    assertThrows(IllegalArgumentException.class, () -> NormOps.batchNorm(x, v(0, 0), v(1, 1, 1), null, null, -1, 1e-3f));
    assertThrows(IllegalArgumentException.class, () -> NormOps.batchNorm(x, v(0, 0, 0), v(1, 1, 1), v(1), null, -1, 1e-3f));
    assertThrows(IllegalArgumentException.class, () -> NormOps.batchNorm(x, v(0, 0, 0), v(1, 1, 1), null, null, 2, 1e-3f));
  }

  // ---- folding --------------------------------------------------------------------------------------------

  @Test
  void foldHandValues() {
    // gamma 2, beta 1, mean 3, var 4, eps 0: scale = 2 / 2 = 1, shift = 1 - 3 = -2
    float[][] st = Normalization.foldBatchNorm(new float[] {2}, new float[] {1}, new float[] {3}, new float[] {4}, 0f);
    assertThat(st[0]).usingExactEquality().containsExactly(1f);
    assertThat(st[1]).usingExactEquality().containsExactly(-2f);
    // no gamma, no beta: scale = 1 / 2, shift = -3 / 2
    st = Normalization.foldBatchNorm(null, null, new float[] {3}, new float[] {4}, 0f);
    assertThat(st[0]).usingExactEquality().containsExactly(0.5f);
    assertThat(st[1]).usingExactEquality().containsExactly(-1.5f);
    // kernel [[1, 2], [3, 4]] (in 2, out 2), bias [1, -1], scale [2, 0.5], shift [0, 1]
    // kernel' = [[2, 1], [6, 2]], bias' = [1 * 2 + 0, -1 * 0.5 + 1] = [2, 0.5]
    float[] kernel = {1, 2, 3, 4};
    float[][] kb = Normalization.foldIntoKernel(kernel, 2, new float[] {1, -1}, new float[] {2, 0.5f}, new float[] {0, 1});
    assertThat(kb[0]).usingExactEquality().containsExactly(2f, 1f, 6f, 2f).inOrder();
    assertThat(kb[1]).usingExactEquality().containsExactly(2f, 0.5f).inOrder();
    assertThat(kernel).usingExactEquality().containsExactly(1f, 2f, 3f, 4f).inOrder();
    kb = Normalization.foldIntoKernel(kernel, 2, null, new float[] {2, 0.5f}, new float[] {0, 1});
    assertThat(kb[1]).usingExactEquality().containsExactly(0f, 1f).inOrder();
    assertThrows(IllegalArgumentException.class,
        () -> Normalization.foldIntoKernel(new float[] {1, 2, 3}, 2, null, new float[2], new float[2]));
  }

  @Test
  void foldedDenseEqualsDenseThenBatchNorm() {
    Random r = new Random(5);
    int in = 7;
    int units = 5;
    float[] x = Naive.random(r, 3 * in);
    float[] kernel = Naive.random(r, in * units);
    float[] bias = Naive.random(r, units);
    float[] gamma = Naive.random(r, units);
    float[] beta = Naive.random(r, units);
    float[] mean = Naive.random(r, units);
    float[] var = new float[units];
    for (int i = 0; i < units; i++) var[i] = r.nextFloat() + 0.1f;
    for (boolean withBias : new boolean[] {true, false}) {
      Tensor pre = Ops.matmul(t(x, 3, in), t(kernel, in, units));
      if (withBias) pre = Ops.biasAdd(pre, v(bias));
      Tensor unfolded = NormOps.batchNorm(pre, v(mean), v(var), v(gamma), v(beta), -1, 1e-3f);
      float[][] st = Normalization.foldBatchNorm(gamma, beta, mean, var, 1e-3f);
      float[][] kb = Normalization.foldIntoKernel(kernel, units, withBias ? bias : null, st[0], st[1]);
      Tensor folded = Ops.biasAdd(Ops.matmul(t(x, 3, in), t(kb[0], in, units)), v(kb[1]));
      Naive.assertClose("folded dense", folded.toFloatArray(), unfolded.toFloatArray(), 1e-5);
      // the fused Gemm path the generated code uses
      float[] c = new float[3 * units];
      Gemm.dense(x, 3, in, Gemm.packWeights(kb[0], in, units), units, kb[1], Activation.LINEAR, c);
      Naive.assertClose("folded Gemm.dense", c, unfolded.toFloatArray(), 1e-5);
    }
  }

  /** VALID, stride 1, NHWC x [n, h, w, cin], kernel [kh, kw, cin, f]: written out here, independent of the runtime. */
  private static float[] conv(float[] x, int n, int h, int w, int cin, float[] k, int kh, int kw, int f, float[] bias) {
    int oh = h - kh + 1;
    int ow = w - kw + 1;
    float[] y = new float[n * oh * ow * f];
    for (int b = 0; b < n; b++)
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
          for (int o = 0; o < f; o++) {
            double s = bias == null ? 0 : bias[o];
            for (int p = 0; p < kh; p++)
              for (int q = 0; q < kw; q++)
                for (int ci = 0; ci < cin; ci++) {
                  s += (double) x[((b * h + i + p) * w + j + q) * cin + ci] * k[((p * kw + q) * cin + ci) * f + o];
                }
            y[((b * oh + i) * ow + j) * f + o] = (float) s;
          }
    return y;
  }

  @Test
  void foldedConvEqualsConvThenBatchNorm() {
    Random r = new Random(9);
    int n = 2, h = 5, w = 4, cin = 3, kh = 3, kw = 2, f = 4;
    float[] x = Naive.random(r, n * h * w * cin);
    float[] k = Naive.random(r, kh * kw * cin * f);
    float[] bias = Naive.random(r, f);
    float[] gamma = Naive.random(r, f);
    float[] mean = Naive.random(r, f);
    float[] var = new float[f];
    for (int i = 0; i < f; i++) var[i] = r.nextFloat() * 2 + 0.05f;
    int[] outShape = {n, h - kh + 1, w - kw + 1, f};
    Tensor unfolded = NormOps.batchNorm(t(conv(x, n, h, w, cin, k, kh, kw, f, bias), outShape), v(mean), v(var), v(gamma),
        null, 3, 1e-3f);
    float[][] st = Normalization.foldBatchNorm(gamma, null, mean, var, 1e-3f);
    float[][] kb = Normalization.foldIntoKernel(k, f, bias, st[0], st[1]);
    float[] folded = conv(x, n, h, w, cin, kb[0], kh, kw, f, kb[1]);
    Naive.assertClose("folded conv", folded, unfolded.toFloatArray(), 1e-5);
  }

  // ---- layer norm -----------------------------------------------------------------------------------------

  @Test
  void layerNormLastAxisHandValues() {
    // row 0 [1, 2, 3, 4]: mean 2.5, var (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; eps 2.75 -> rsqrt(4) = 0.5
    //   normalized [-0.75, -0.25, 0.25, 0.75]; * gamma [1, 2, 1, 2] + beta [0, 0, 1, 1] = [-0.75, -0.5, 1.25, 2.5]
    // row 1 [2, 2, 2, 2]: var 0 -> normalized 0 -> beta [0, 0, 1, 1]
    Tensor x = t(new float[] {1, 2, 3, 4, 2, 2, 2, 2}, 2, 4);
    Tensor y = NormOps.layerNorm(x, v(1, 2, 1, 2), v(0, 0, 1, 1), new int[] {-1}, 2.75f);
    assertValues(y, new int[] {2, 4}, -0.75f, -0.5f, 1.25f, 2.5f, 0, 0, 1, 1);
    assertValues(NormOps.layerNorm(x, null, null, new int[] {1}, 2.75f), new int[] {2, 4}, -0.75f, -0.25f, 0.25f, 0.75f, 0, 0, 0, 0);
  }

  @Test
  void layerNormTwoAxesHandValues() {
    // x [1, 2, 2] = [[0, 2], [4, 6]] over axes {1, 2}: mean 3, var (9 + 1 + 1 + 9) / 4 = 5; eps 4 -> rsqrt(9) = 1/3
    // normalized [-1, -1/3, 1/3, 1]; gamma [[3, 3], [3, 3]] -> [-3, -1, 1, 3]; beta [[0, 1], [2, 3]] -> [-3, 0, 3, 6]
    Tensor x = t(new float[] {0, 2, 4, 6}, 1, 2, 2);
    Tensor y = NormOps.layerNorm(x, t(new float[] {3, 3, 3, 3}, 2, 2), t(new float[] {0, 1, 2, 3}, 2, 2), new int[] {2, 1}, 4f);
    assertValues(y, new int[] {1, 2, 2}, -3, 0, 3, 6);
  }

  @Test
  void layerNormGridAgainstNaive() {
    Random r = new Random(13);
    int[][] shapes = {{3, 5}, {2, 3, 4}, {2, 3, 2, 4}};
    for (int[] shape : shapes) {
      int rank = shape.length;
      float[] x = Naive.random(r, Naive.size(shape));
      for (int mask = 1; mask < (1 << rank); mask++) {
        int[] axes = new int[Integer.bitCount(mask)];
        int[] pshape = new int[axes.length];
        for (int d = 0, j = 0; d < rank; d++) if ((mask >> d & 1) != 0) { pshape[j] = shape[d]; axes[j++] = d; }
        float[] gamma = Naive.random(r, Naive.size(pshape));
        float[] beta = Naive.random(r, Naive.size(pshape));
        Tensor y = NormOps.layerNorm(t(x, shape), t(gamma, pshape), t(beta, pshape), axes, 1e-3f);
        String what = "LayerNorm " + java.util.Arrays.toString(shape) + " axes " + java.util.Arrays.toString(axes);
        Naive.assertClose(what, y.toFloatArray(), Naive.layerNorm(x, shape, axes, gamma, beta, 1e-3f), 1e-5);
        Tensor y2 = NormOps.layerNorm(t(x, shape), null, null, axes, 1e-3f);
        Naive.assertClose(what + " plain", y2.toFloatArray(), Naive.layerNorm(x, shape, axes, null, null, 1e-3f), 1e-5);
      }
    }
  }

  @Test
  void layerNormShapeErrors() {
    Tensor x = Tensor.zeros(2, 3, 4);
    assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(x, v(1, 1, 1), null, new int[] {-1}, 1e-3f));
    assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(x, null, v(1, 1, 1, 1), new int[] {1, 2}, 1e-3f));
    assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(x, null, null, new int[0], 1e-3f));
  }

  // ---- resize ---------------------------------------------------------------------------------------------

  @Test
  void resizeNearestHandValues() {
    // [[1, 2], [3, 4]] by (2, 3): each row twice, each value three times
    Tensor y = NormOps.resize(t(new float[] {1, 2, 3, 4}, 1, 2, 2, 1), 2, 3, "nearest");
    assertValues(y, new int[] {1, 4, 6, 1},
        1, 1, 1, 2, 2, 2,
        1, 1, 1, 2, 2, 2,
        3, 3, 3, 4, 4, 4,
        3, 3, 3, 4, 4, 4);
  }

  @Test
  void resizeBilinearHalfPixelHandValues() {
    // 2x2 -> 4x4, scale 0.5: source coordinate (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25
    // -> (lower, upper, lerp) = (0, 0, *), (0, 1, 0.25), (0, 1, 0.75), (1, 1, *)
    // row 0 = [1, 1.25, 1.75, 2], row 3 = [3, 3.25, 3.75, 4]; row 1 = row 0 + 2 * 0.25, row 2 = row 0 + 2 * 0.75
    Tensor y = NormOps.resize(t(new float[] {1, 2, 3, 4}, 1, 2, 2, 1), 2, 2, "bilinear");
    assertValues(y, new int[] {1, 4, 4, 1},
        1, 1.25f, 1.75f, 2,
        1.5f, 1.75f, 2.25f, 2.5f,
        2.5f, 2.75f, 3.25f, 3.5f,
        3, 3.25f, 3.75f, 4);
  }

  @Test
  void resizeGridAgainstNaive() {
    Random r = new Random(17);
    int n = 2, c = 3;
    for (int h = 1; h <= 4; h++) {
      for (int w = 1; w <= 3; w++) {
        float[] x = Naive.random(r, n * h * w * c);
        for (int sh = 1; sh <= 3; sh++) {
          for (int sw = 1; sw <= 3; sw++) {
            float[] got = new float[n * h * sh * w * sw * c];
            Resize.bilinear(x, n, h, w, c, sh, sw, got);
            Naive.assertClose("bilinear " + h + "x" + w + " by " + sh + "x" + sw, got,
                Naive.bilinear(x, n, h, w, c, h * sh, w * sw), 1e-5);
            Resize.nearest(x, n, h, w, c, sh, sw, got);
            for (int i = 0; i < got.length; i++) {
              int[] idx = Naive.unravel(i, new int[] {n, h * sh, w * sw, c});
              assertThat(got[i]).isEqualTo(x[((idx[0] * h + idx[1] / sh) * w + idx[2] / sw) * c + idx[3]]);
            }
          }
        }
      }
    }
  }

  @Test
  void resizeErrors() {
    assertThrows(IllegalArgumentException.class, () -> NormOps.resize(Tensor.zeros(2, 2, 1), 2, 2, "nearest"));
    assertThrows(IllegalArgumentException.class, () -> NormOps.resize(Tensor.zeros(1, 2, 2, 1), 0, 2, "nearest"));
    assertThrows(IllegalArgumentException.class, () -> NormOps.resize(Tensor.zeros(1, 2, 2, 1), 2, 2, "bicubic"));
  }

  // ---- softsign / exponential -----------------------------------------------------------------------------

  @Test
  void softsignAndExponential() {
    // x / (1 + |x|): -3 -> -0.75, 0 -> 0, 1 -> 0.5
    assertValues(Ops.softsign(v(-3, 0, 1)), new int[] {3}, -0.75f, 0, 0.5f);
    assertValues(Ops.activation(v(-3, 0, 1), Activation.SOFTSIGN), new int[] {3}, -0.75f, 0, 0.5f);
    assertValues(Ops.activation(v(0, 1), Activation.EXPONENTIAL), new int[] {2}, 1, (float) Math.E);
    assertThat(Activation.SOFTSIGN.opName()).isEqualTo("Softsign");
    assertThat(Activation.EXPONENTIAL.opName()).isEqualTo("Exp");
    // Gemm.dense epilogue: [1, 1] x [[1, -1], [2, -4]] = [3, -5] -> softsign [0.75, -5/6]; exp of [0, ln 2] = [1, 2]
    float[] c = new float[2];
    Gemm.dense(new float[] {1, 1}, 1, 2, Gemm.packWeights(new float[] {1, -1, 2, -4}, 2, 2), 2, null, Activation.SOFTSIGN, c);
    assertThat(c).usingTolerance(1e-6).containsExactly(0.75f, -5f / 6f).inOrder();
    Gemm.dense(new float[] {1}, 1, 1, Gemm.packWeights(new float[] {0, (float) Math.log(2)}, 1, 2), 2, null,
        Activation.EXPONENTIAL, c);
    assertThat(c).usingTolerance(1e-6).containsExactly(1f, 2f).inOrder();
  }

  // ---- tracing and OpKernels ------------------------------------------------------------------------------

  @Test
  void tracedNodesHaveAttrsAndExecuteLikeEager() {
    Random r = new Random(21);
    Tracer tracer = Tracer.begin();
    NodeDef bn;
    NodeDef bnPlain;
    NodeDef ln;
    NodeDef lnGammaOnly;
    NodeDef rsN;
    NodeDef rsB;
    NodeDef softsign;
    NodeDef exp;
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 3, 2, 4);
      Tensor mean = tracer.placeholder("mean", 1, DType.FLOAT32, 4);
      Tensor var = tracer.placeholder("var", 2, DType.FLOAT32, 4);
      Tensor gamma = tracer.placeholder("gamma", 3, DType.FLOAT32, 4);
      Tensor beta = tracer.placeholder("beta", 4, DType.FLOAT32, 4);
      Tensor y = NormOps.batchNorm(x, mean, var, gamma, beta, -1, 1e-3f);
      assertThat(y.shape()).isEqualTo(new int[] {-1, 3, 2, 4});
      bn = y.symbol().node();
      assertThat(bn.opType()).isEqualTo("BatchNorm");
      assertThat(bn.name()).isEqualTo("BatchNorm");
      assertThat(bn.inputs()).asList().containsExactly("x:0", "mean:0", "var:0", "gamma:0", "beta:0").inOrder();
      assertThat(bn.attrs().getInt("axis")).isEqualTo(3);
      assertThat(bn.attrs().getFloat("epsilon")).isEqualTo(1e-3f);
      assertThat(bn.attrs().getBoolean("center")).isTrue();
      assertThat(bn.attrs().getBoolean("scale")).isTrue();
      Tensor m3 = tracer.placeholder("m3", 5, DType.FLOAT32, 3);
      Tensor v3 = tracer.placeholder("v3", 6, DType.FLOAT32, 3);
      bnPlain = NormOps.batchNorm(x, m3, v3, null, null, 1, 1e-5f).symbol().node();
      assertThat(bnPlain.name()).isEqualTo("BatchNorm_1");
      assertThat(bnPlain.numInputs()).isEqualTo(3);
      assertThat(bnPlain.attrs().getInt("axis")).isEqualTo(1);
      assertThat(bnPlain.attrs().getBoolean("center")).isFalse();
      assertThat(bnPlain.attrs().getBoolean("scale")).isFalse();

      Tensor g2 = tracer.placeholder("g2", 7, DType.FLOAT32, 3, 4);
      Tensor b2 = tracer.placeholder("b2", 8, DType.FLOAT32, 3, 4);
      Tensor l = NormOps.layerNorm(x, g2, b2, new int[] {-1, 1}, 1e-3f);
      assertThat(l.shape()).isEqualTo(new int[] {-1, 3, 2, 4});
      ln = l.symbol().node();
      assertThat(ln.opType()).isEqualTo("LayerNorm");
      assertThat(ln.inputs()).asList().containsExactly("x:0", "g2:0", "b2:0").inOrder();
      assertThat(ln.attrs().getInts("axes")).isEqualTo(new int[] {1, 3});
      assertThat(ln.attrs().getFloat("epsilon")).isEqualTo(1e-3f);
      lnGammaOnly = NormOps.layerNorm(x, gamma, null, new int[] {3}, 1e-3f).symbol().node();
      assertThat(lnGammaOnly.numInputs()).isEqualTo(2);
      assertThat(lnGammaOnly.attrs().getBoolean("scale")).isTrue();
      assertThat(lnGammaOnly.attrs().getBoolean("center")).isFalse();

      Tensor up = NormOps.resize(x, 2, 3, "nearest");
      assertThat(up.shape()).isEqualTo(new int[] {-1, 6, 6, 4});
      rsN = up.symbol().node();
      assertThat(rsN.opType()).isEqualTo("Resize");
      assertThat(rsN.attrs().getInts("scale")).isEqualTo(new int[] {2, 3});
      assertThat(rsN.attrs().getString("method")).isEqualTo("nearest");
      rsB = NormOps.resize(x, 2, 2, "bilinear").symbol().node();
      assertThat(rsB.attrs().getString("method")).isEqualTo("bilinear");

      softsign = Ops.activation(x, Activation.SOFTSIGN).symbol().node();
      assertThat(softsign.opType()).isEqualTo("Softsign");
      exp = Ops.activation(x, Activation.EXPONENTIAL).symbol().node();
      assertThat(exp.opType()).isEqualTo("Exp");
    } finally {
      tracer.end();
    }
    Tensor x = t(Naive.random(r, 2 * 3 * 2 * 4), 2, 3, 2, 4);
    Tensor mean = t(Naive.random(r, 4), 4);
    Tensor var = t(new float[] {0.5f, 1, 2, 3}, 4);
    Tensor gamma = t(Naive.random(r, 4), 4);
    Tensor beta = t(Naive.random(r, 4), 4);
    assertThat(bn.op().compute(new Tensor[] {x, mean, var, gamma, beta})[0].toFloatArray())
        .isEqualTo(NormOps.batchNorm(x, mean, var, gamma, beta, -1, 1e-3f).toFloatArray());
    Tensor m3 = t(Naive.random(r, 3), 3);
    Tensor v3 = t(new float[] {1, 2, 0.25f}, 3);
    assertThat(bnPlain.op().compute(new Tensor[] {x, m3, v3})[0].toFloatArray())
        .isEqualTo(NormOps.batchNorm(x, m3, v3, null, null, 1, 1e-5f).toFloatArray());
    Tensor g2 = t(Naive.random(r, 12), 3, 4);
    Tensor b2 = t(Naive.random(r, 12), 3, 4);
    assertThat(ln.op().compute(new Tensor[] {x, g2, b2})[0].toFloatArray())
        .isEqualTo(NormOps.layerNorm(x, g2, b2, new int[] {1, 3}, 1e-3f).toFloatArray());
    assertThat(lnGammaOnly.op().compute(new Tensor[] {x, gamma})[0].toFloatArray())
        .isEqualTo(NormOps.layerNorm(x, gamma, null, new int[] {-1}, 1e-3f).toFloatArray());
    Tensor out = rsN.op().compute(new Tensor[] {x})[0];
    assertThat(out.shape()).isEqualTo(new int[] {2, 6, 6, 4});
    assertThat(out.toFloatArray()).isEqualTo(NormOps.resize(x, 2, 3, "nearest").toFloatArray());
    assertThat(rsB.op().compute(new Tensor[] {x})[0].toFloatArray())
        .isEqualTo(NormOps.resize(x, 2, 2, "bilinear").toFloatArray());
    assertThat(softsign.op().compute(new Tensor[] {x})[0].toFloatArray()).isEqualTo(Ops.softsign(x).toFloatArray());
    assertThat(exp.op().compute(new Tensor[] {x})[0].toFloatArray()).isEqualTo(Ops.exp(x).toFloatArray());
  }
}

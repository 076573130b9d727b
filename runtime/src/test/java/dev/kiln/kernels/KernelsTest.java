package dev.kiln.kernels;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KernelsTest {

  /** Independent erf oracle: Maclaurin series for |x| <= 3, continued fraction for erfc beyond. */
  static double erfOracle(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax <= 3) {
      double sum = 0, term = ax;
      for (int n = 0; n < 200; n++) {
        sum += term / (2 * n + 1);
        term *= -ax * ax / (n + 1);
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // Lentz-free continued fraction, evaluated backwards: erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
      double f = ax;
      for (int n = 60; n >= 1; n--) f = ax + (n / 2.0) / f;
      r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
    }
    return x < 0 ? -r : r;
  }

  @Test
  void erfIsAccurate() {
    double worst = 0;
    for (double x = -7; x <= 7; x += 0.001) worst = Math.max(worst, Math.abs(Activations.erf(x) - erfOracle(x)));
    assertThat(worst).isLessThan(1e-6);
    assertThat(Activations.erf(0)).isEqualTo(0.0);
    assertThat(Activations.erf(1)).isWithin(1e-7).of(0.8427007929497149);
  }

  @Test
  void scalarActivationsAgainstHandValues() {
    assertThat(Activations.relu(-2f)).isEqualTo(0f);
    assertThat(Activations.relu(3f)).isEqualTo(3f);
    assertThat(Activations.relu6(7f)).isEqualTo(6f);
    assertThat(Activations.relu6(-1f)).isEqualTo(0f);
    assertThat(Activations.relu6(2.5f)).isEqualTo(2.5f);
    assertThat(Activations.sigmoid(0f)).isEqualTo(0.5f);
    assertThat(Activations.sigmoid(2f)).isWithin(1e-7f).of(0.880797078f);
    assertThat(Activations.sigmoid(-100f)).isWithin(1e-30f).of(0f);
    assertThat(Activations.sigmoid(-2f)).isWithin(1e-7f).of(0.119202922f);
    assertThat(Activations.tanh(1f)).isWithin(1e-7f).of(0.761594156f);
    // gelu(1) = 0.5 (1 + erf(1/sqrt2)) = 0.8413447460685429
    assertThat(Activations.gelu(1f)).isWithin(1e-6f).of(0.841344746f);
    assertThat(Activations.gelu(-1f)).isWithin(1e-6f).of(-0.158655254f);
    assertThat(Activations.gelu(0f)).isEqualTo(0f);
    // tanh approx: 0.5 * 1 * (1 + tanh(0.7978845608 * 1.044715)) = 0.8411919906
    assertThat(Activations.geluTanh(1f)).isWithin(1e-6f).of(0.841191990f);
    assertThat(Activations.silu(1f)).isWithin(1e-7f).of(0.731058579f);
    assertThat(Activations.silu(-1f)).isWithin(1e-7f).of(-0.268941421f);
    assertThat(Activations.hardSigmoid(0f)).isEqualTo(0.5f);
    assertThat(Activations.hardSigmoid(-4f)).isEqualTo(0f);
    assertThat(Activations.hardSigmoid(4f)).isEqualTo(1f);
    assertThat(Activations.hardSigmoid(1.5f)).isEqualTo(0.75f);
    assertThat(Activations.hardSilu(1.5f)).isEqualTo(1.125f);
    assertThat(Activations.elu(-1f, 1f)).isWithin(1e-7f).of(-0.632120559f);
    assertThat(Activations.elu(-1f, 2f)).isWithin(1e-7f).of(-1.264241118f);
    assertThat(Activations.elu(2f, 1f)).isEqualTo(2f);
    assertThat(Activations.leakyRelu(-2f, 0.2f)).isWithin(1e-7f).of(-0.4f);
    assertThat(Activations.leakyRelu(-2f, 1.5f)).isWithin(1e-7f).of(-3f);
    assertThat(Activations.leakyRelu(2f, 0.2f)).isEqualTo(2f);
    assertThat(Activations.softplus(0f)).isWithin(1e-7f).of(0.693147181f);
    assertThat(Activations.softplus(100f)).isEqualTo(100f);
    assertThat(Activations.softplus(-100f)).isWithin(1e-30f).of(3.7200760e-44f);
    assertThat(Activations.softplus(2f)).isWithin(1e-6f).of(2.126928011f);
  }

  @Test
  void arrayApplyMatchesScalar() {
    float[] x = {-3f, -1f, -0.25f, 0f, 0.5f, 2f, 7f};
    float[] out = new float[x.length + 1];
    for (Activation a : Activation.values()) {
      if (a == Activation.SOFTMAX) {
        assertThrows(IllegalArgumentException.class, () -> Activations.apply(Activation.SOFTMAX, x, out, x.length));
        continue;
      }
      Activations.apply(a, x, out, x.length);
      for (int i = 0; i < x.length; i++) {
        float v = x[i];
        float want;
        switch (a) {
          case LINEAR: want = v; break;
          case RELU: want = Activations.relu(v); break;
          case RELU6: want = Activations.relu6(v); break;
          case SIGMOID: want = Activations.sigmoid(v); break;
          case TANH: want = Activations.tanh(v); break;
          case GELU: want = Activations.gelu(v); break;
          case SILU: want = Activations.silu(v); break;
          case HARD_SIGMOID: want = Activations.hardSigmoid(v); break;
          case HARD_SILU: want = Activations.hardSilu(v); break;
          case ELU: want = Activations.elu(v, 1f); break;
          case LEAKY_RELU: want = Activations.leakyRelu(v, 0.2f); break;
          case SOFTSIGN: want = Activations.softsign(v); break;
          case EXPONENTIAL: want = (float) Math.exp(v); break;
          case GELU_APPROXIMATE: want = Activations.geluTanh(v); break;
          default: want = Activations.softplus(v); break;
        }
        assertThat(out[i]).isEqualTo(want);
      }
      assertThat(out[x.length]).isEqualTo(0f);
    }
  }

  @Test
  void unaryOps() {
    float[] x = {4f, 1f, 0.25f};
    float[] exp = new float[3], log = new float[3], sqrt = new float[3], sq = new float[3];
    for (int i = 0; i < 3; i++) {
      exp[i] = Unary.exp(x[i]);
      log[i] = Unary.log(x[i]);
      sqrt[i] = Unary.sqrt(x[i]);
      sq[i] = Unary.square(x[i]);
    }
    assertThat(exp).usingTolerance(1e-4).containsExactly(54.59815f, 2.7182817f, 1.2840254f).inOrder();
    assertThat(log).usingTolerance(1e-6).containsExactly(1.3862944f, 0f, -1.3862944f).inOrder();
    assertThat(sqrt).usingTolerance(0).containsExactly(2f, 1f, 0.5f).inOrder();
    assertThat(sq).usingTolerance(0).containsExactly(16f, 1f, 0.0625f).inOrder();
    assertThat(new float[] {Unary.abs(-2f), Unary.abs(0f), Unary.abs(3f)}).usingTolerance(0)
        .containsExactly(2f, 0f, 3f).inOrder();
    assertThat(new float[] {Unary.neg(-2f), Unary.neg(0f), Unary.neg(3f)}).usingTolerance(0)
        .containsExactly(2f, -0f, -3f).inOrder();
    assertThat(new float[] {Unary.clip(-5, 0f, 1f), Unary.clip(0.5f, 0f, 1f), Unary.clip(2, 0f, 1f)}).usingTolerance(0)
        .containsExactly(0f, 0.5f, 1f).inOrder();
  }

  /** Reference broadcasting via full multi-index decomposition. */
  static float[] refBinary(int op, float[] a, int[] as, float[] b, int[] bs, int[] os) {
    int n = 1;
    for (int d : os) n *= d;
    float[] out = new float[n];
    int[] idx = new int[os.length];
    for (int f = 0; f < n; f++) {
      int rem = f;
      for (int d = os.length - 1; d >= 0; d--) {
        idx[d] = rem % os[d];
        rem /= os[d];
      }
      float x = a[flat(idx, as)];
      float y = b[flat(idx, bs)];
      switch (op) {
        case Elementwise.ADD: out[f] = x + y; break;
        case Elementwise.SUB: out[f] = x - y; break;
        case Elementwise.MUL: out[f] = x * y; break;
        case Elementwise.DIV: out[f] = x / y; break;
        case Elementwise.MAX: out[f] = Math.max(x, y); break;
        default: out[f] = Math.min(x, y);
      }
    }
    return out;
  }

  private static int flat(int[] outIdx, int[] shape) {
    int off = outIdx.length - shape.length;
    int p = 0;
    for (int d = 0; d < shape.length; d++) p = p * shape[d] + (shape[d] == 1 ? 0 : outIdx[d + off]);
    return p;
  }

  @Test
  void broadcastingMatchesReference() {
    int[][][] cases = {
      {{2, 3}, {2, 3}, {2, 3}},
      {{2, 3}, {}, {2, 3}},
      {{}, {2, 3}, {2, 3}},
      {{2, 3}, {3}, {2, 3}},
      {{3}, {2, 3}, {2, 3}},
      {{2, 1}, {1, 3}, {2, 3}},
      {{4, 1, 3}, {2, 1}, {4, 2, 3}},
      {{2, 3, 1}, {3, 5}, {2, 3, 5}},
      {{1, 1, 3}, {2, 2, 1}, {2, 2, 3}},
      {{5, 1}, {5, 4}, {5, 4}},
      {{1}, {3}, {3}},
    };
    Random r = new Random(7);
    for (int[][] c : cases) {
      float[] a = new float[size(c[0])];
      float[] b = new float[size(c[1])];
      for (int i = 0; i < a.length; i++) a[i] = r.nextInt(19) - 9;
      for (int i = 0; i < b.length; i++) b[i] = r.nextInt(9) + 1;
      for (int op = Elementwise.ADD; op <= Elementwise.MIN; op++) {
        float[] out = new float[size(c[2])];
        Elementwise.binary(op, a, c[0], b, c[1], out, c[2]);
        assertThat(out).isEqualTo(refBinary(op, a, c[0], b, c[1], c[2]));
      }
    }
  }

  @Test
  void broadcastHandValues() {
    float[] out = new float[6];
    Elementwise.binary(Elementwise.ADD, new float[] {1, 2, 3, 4, 5, 6}, new int[] {2, 3},
        new float[] {10, 20, 30}, new int[] {3}, out, new int[] {2, 3});
    assertThat(out).usingTolerance(0).containsExactly(11f, 22f, 33f, 14f, 25f, 36f).inOrder();
    Elementwise.binary(Elementwise.SUB, new float[] {1, 2}, new int[] {2, 1},
        new float[] {10, 20, 30}, new int[] {1, 3}, out, new int[] {2, 3});
    assertThat(out).usingTolerance(0).containsExactly(-9f, -19f, -29f, -8f, -18f, -28f).inOrder();
  }

  private static int size(int[] s) {
    int n = 1;
    for (int d : s) n *= d;
    return n;
  }

  @Test
  void softmaxRowsAndMiddleAxis() {
    float[] in = {1, 2, 3, 1000, 1000, 1000};
    float[] out = new float[6];
    Softmax.softmax(in, out, 2, 3, 1);
    // e^-2, e^-1, 1 over their sum 1.5032147
    assertThat(out).usingTolerance(1e-6).containsExactly(0.09003057f, 0.24472847f, 0.66524096f, 1f / 3, 1f / 3, 1f / 3).inOrder();
    // [1, 2, 3] viewed as outer=1, axis=2, inner=3: columns (1,1000),(2,1000),(3,1000) -> ~ (0, 1)
    float[] in2 = {0, 1, 2, 0, 0, 0};
    Softmax.softmax(in2, out, 1, 2, 3);
    double e1 = Math.exp(1), e2 = Math.exp(2);
    assertThat(out).usingTolerance(1e-6).containsExactly(
        0.5f, (float) (e1 / (e1 + 1)), (float) (e2 / (e2 + 1)), 0.5f, (float) (1 / (e1 + 1)), (float) (1 / (e2 + 1))).inOrder();
  }

  @Test
  void reductions() {
    // [2, 3, 2]
    float[] x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    float[] o = new float[4];
    Reductions.reduce(Reductions.SUM, x, o, 2, 3, 2);
    assertThat(o).usingTolerance(0).containsExactly(9f, 12f, 27f, 30f).inOrder();
    Reductions.reduce(Reductions.MEAN, x, o, 2, 3, 2);
    assertThat(o).usingTolerance(1e-6).containsExactly(3f, 4f, 9f, 10f).inOrder();
    Reductions.reduce(Reductions.MAX, x, o, 2, 3, 2);
    assertThat(o).usingTolerance(0).containsExactly(5f, 6f, 11f, 12f).inOrder();
    int[] am = new int[3];
    Reductions.argmax(new float[] {3, 7, 7, -1, -5, -1, 0, 0, 0}, am, 3, 3, 1);
    assertThat(am).asList().containsExactly(1, 0, 0).inOrder();
  }

  /**
   * Sums and means over the middle axis, eight columns at a time and the rest one by one, are bit for bit a double sum
   * of each column in axis order (the values eager and compiled code both get), and equal reduceAxes over the same
   * axes; shapes include MobileNetV2's global average pooling (49 positions of 1280 channels) and columns past the
   * last eight.
   */
  @Test
  void sumsAndMeansAreEachColumnsDoubleSumInAxisOrder() {
    Random r = new Random(29);
    int[][] shapes = {{1, 49, 1280}, {2, 7, 13}, {3, 1, 8}, {1, 5, 7}, {2, 100, 17}};
    for (int[] sh : shapes) {
      int outer = sh[0], len = sh[1], inner = sh[2];
      float[] x = new float[outer * len * inner];
      for (int i = 0; i < x.length; i++) x[i] = (r.nextFloat() - 0.3f) * (float) Math.pow(10, r.nextInt(7) - 3);
      for (int op : new int[] {Reductions.SUM, Reductions.MEAN}) {
        float[] got = new float[outer * inner], byAxes = new float[outer * inner];
        Reductions.reduce(op, x, got, outer, len, inner);
        Reductions.reduceAxes(op, x, new int[] {outer, len, inner}, new int[] {1}, byAxes);
        for (int o = 0; o < outer; o++) {
          for (int i = 0; i < inner; i++) {
            double s = 0;
            for (int a = 0; a < len; a++) s += x[(o * len + a) * inner + i];
            float expected = (float) (op == Reductions.MEAN ? s / len : s);
            int at = o * inner + i;
            if (Float.floatToIntBits(expected) != Float.floatToIntBits(got[at])
                || Float.floatToIntBits(expected) != Float.floatToIntBits(byAxes[at])) {
              throw new AssertionError("op " + op + " shape " + Arrays.toString(sh) + " at " + at + ": expected "
                  + expected + ", reduce " + got[at] + ", reduceAxes " + byAxes[at]);
            }
          }
        }
      }
    }
  }

  @Test
  void transposeMatchesReference() {
    Random r = new Random(5);
    int[][][] cases = {{{2, 3}, {1, 0}}, {{2, 3, 4}, {2, 0, 1}}, {{2, 3, 4}, {0, 2, 1}}, {{2, 3, 4, 5}, {3, 1, 0, 2}},
        {{3, 4}, {0, 1}}, {{1, 2, 1, 3, 2}, {4, 3, 2, 1, 0}}};
    for (int[][] c : cases) {
      int[] s = c[0], perm = c[1];
      float[] x = new float[size(s)];
      for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
      int[] os = new int[s.length];
      for (int i = 0; i < s.length; i++) os[i] = s[perm[i]];
      float[] out = new float[x.length];
      Shaping.transpose(x, s, perm, out);
      // reference: out[oi] = x[ii] with ii[perm[k]] = oi[k]
      int[] oi = new int[s.length];
      int[] ii = new int[s.length];
      for (int f = 0; f < x.length; f++) {
        int rem = f;
        for (int d = s.length - 1; d >= 0; d--) {
          oi[d] = rem % os[d];
          rem /= os[d];
        }
        for (int k = 0; k < s.length; k++) ii[perm[k]] = oi[k];
        int p = 0;
        for (int d = 0; d < s.length; d++) p = p * s[d] + ii[d];
        assertThat(out[f]).isEqualTo(x[p]);
      }
    }
    float[] o = new float[6];
    Shaping.transpose(new float[] {1, 2, 3, 4, 5, 6}, new int[] {2, 3}, new int[] {1, 0}, o);
    assertThat(o).usingTolerance(0).containsExactly(1f, 4f, 2f, 5f, 3f, 6f).inOrder();
  }

  @Test
  void concatPadSlice() {
    float[] out = new float[10];
    // [2,2] ++ [2,3] on axis 1
    Shaping.concat(new Object[] {new float[] {1, 2, 3, 4}, new float[] {5, 6, 7, 8, 9, 10}},
        new int[][] {{2, 2}, {2, 3}}, 1, out);
    assertThat(out).usingTolerance(0).containsExactly(1f, 2f, 5f, 6f, 7f, 3f, 4f, 8f, 9f, 10f).inOrder();

    float[] p = new float[12];
    // [2,2] padded ((1,0),(0,2)) with 9 -> [3,4]
    Shaping.pad(new float[] {1, 2, 3, 4}, new int[] {2, 2}, new int[] {1, 0, 0, 2}, 9f, p);
    assertThat(p).usingTolerance(0).containsExactly(9f, 9f, 9f, 9f, 1f, 2f, 9f, 9f, 3f, 4f, 9f, 9f).inOrder();

    float[] s = new float[4];
    // [3,4] = 0..11, begin (1,1) size (2,2)
    float[] x = new float[12];
    for (int i = 0; i < 12; i++) x[i] = i;
    Shaping.slice(x, new int[] {3, 4}, new int[] {1, 1}, new int[] {2, 2}, s);
    assertThat(s).usingTolerance(0).containsExactly(5f, 6f, 9f, 10f).inOrder();

  }
}

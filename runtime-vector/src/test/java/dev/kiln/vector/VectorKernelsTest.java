package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.Activation;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * VectorKernels against JavaKernels on random shapes. Tolerance: {@code |v - j| <= 1e-5 * max(|j|, rms(j))} per
 * element — relative, except that elements much smaller than the typical output (cancellation) are compared at the
 * scale of the output: both kernels round differently (fused multiply-adds, another summation order).
 */
class VectorKernelsTest {
  private static final KernelSet JAVA = JavaKernels.FACTORY.create(1);
  private static KernelSet[] vector;

  @BeforeAll
  static void open() {
    vector = TestKernelSets.open();
  }

  @AfterAll
  static void close() {
    TestKernelSets.close(vector);
  }

  private static float[] random(Random r, int n) {
    return random(r, n, 1f);
  }

  /** Uniform in {@code [-scale, scale)}; weights get {@code 1/sqrt(fan-in)} (as Glorot) so outputs are O(1). */
  private static float[] random(Random r, int n, float scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (r.nextFloat() * 2f - 1f) * scale;
    return x;
  }

  private static float fanIn(int k) {
    return (float) (1.0 / Math.sqrt(Math.max(k, 1)));
  }

  /**
   * {@code layerNorm} against {@code Normalization.layerNorm} (double sums): row widths below, at and around the
   * vector length and its double, wide rows, without scale or center, in place; and rows far from zero (where float
   * sums of the values would lose the mean's digits).
   */
  @Test
  void layerNormEqualsPureJava() {
    int vl = Sgemm.VL;
    int[] widths = {1, 3, vl - 1, vl, vl + 1, 2 * vl, 2 * vl + 3, 3 * vl, 128, 1000};
    for (int w : widths) {
      checkLayerNorm(5, w, true, true, 0f, 1e-3f, false);
      checkLayerNorm(2, w, false, true, 0f, 1e-6f, false);
      checkLayerNorm(2, w, true, false, 0f, 1e-6f, false);
      checkLayerNorm(3, w, false, false, 0f, 1e-3f, true);
    }
  }

  @Test
  void layerNormOfRowsFarFromZero() {
    checkLayerNorm(4, 128, true, true, 30f, 1e-6f, false);
    checkLayerNorm(4, 1000, true, true, -20f, 1e-6f, false);
    checkLayerNorm(4, 2 * Sgemm.VL + 5, true, true, 25f, 1e-6f, true);
  }

  private static void checkLayerNorm(int rows, int width, boolean scale, boolean center, float offset, float eps,
      boolean inPlace) {
    Random r = new Random(rows * 1000 + width);
    float[] x = new float[rows * width + 1];
    for (int i = 0; i < x.length; i++) x[i] = offset + r.nextFloat() * 4f - 2f;
    float[] gamma = scale ? random(r, width) : null, beta = center ? random(r, width) : null;
    float[] expected = new float[rows * width];
    JAVA.layerNorm(x, expected, rows, width, gamma, beta, eps);
    for (KernelSet ks : vector) {
      float[] in = x.clone();
      float[] out = inPlace ? in : new float[rows * width + 1];
      out[rows * width] = Float.NaN;
      ks.layerNorm(in, out, rows, width, gamma, beta, eps);
      String what = ks + " layerNorm rows " + rows + " width " + width + " scale " + scale + " center " + center
          + " offset " + offset + " in place " + inPlace;
      assertClose(expected, out, rows * width, what);
      assertEquals(Float.NaN, out[rows * width], what + ": wrote past the rows");
    }
  }

  /** Within 1e-5 relative to the value or the rms of the expected; a NaN only where the expected has one. */
  static void assertClose(float[] expected, float[] actual, int n, String what) {
    double ss = 0;
    for (int i = 0; i < n; i++) {
      if (!Float.isNaN(expected[i])) ss += (double) expected[i] * expected[i];
    }
    double rms = Math.sqrt(ss / Math.max(n, 1));
    for (int i = 0; i < n; i++) {
      double e = expected[i], a = actual[i];
      if (Double.isNaN(e) || Double.isNaN(a)) {
        if (Double.isNaN(e) != Double.isNaN(a)) fail(what + ": element " + i + " expected " + e + " got " + a);
        continue;
      }
      double tol = 1e-5 * Math.max(Math.abs(e), rms) + 1e-30;
      if (!(Math.abs(e - a) <= tol)) fail(what + ": element " + i + " expected " + e + " got " + a + " (rms " + rms + ")");
    }
  }

  private static final Activation[] ACTS = Activation.values();

  @Test
  void denseRandomShapes() {
    Random r = new Random(42);
    int[][] shapes = {{1, 784, 128}, {1, 1, 1}, {1, 17, 33}, {1, 128, 10}, {2, 3, 5}, {7, 19, 31}, {8, 256, 32},
        {9, 257, 65}, {13, 300, 47}, {64, 784, 128}, {33, 513, 100}, {1, 1000, 1}, {5, 0, 7}, {3, 600, 16},
        {100, 40, 3}, {17, 5, 200}, {1, 19, 24}, {1, 787, 64}, {1, 5, 8}, {1, 3, 136}, {1, 0, 16},
        // packed A (three panels or more): row tails for MR 6 and 8, several k blocks, a partial last panel
        {23, 520, 100}, {7, 600, 130}, {6, 256, 48}, {12, 513, 96}, {50, 40, 200}, {4, 30, 100}};
    int count = 0;
    for (int[] s : shapes) {
      for (Activation act : new Activation[] {null, Activation.LINEAR, Activation.RELU, Activation.SOFTMAX,
          ACTS[count++ % ACTS.length]}) {
        checkDense(r, s[0], s[1], s[2], act, r.nextBoolean());
      }
    }
    for (int t = 0; t < 40; t++) {
      checkDense(r, 1 + r.nextInt(40), 1 + r.nextInt(300), 1 + r.nextInt(150), ACTS[r.nextInt(ACTS.length)],
          r.nextBoolean());
    }
  }

  @Test
  void denseRowsEqualsDenseOnTheUnmaskedRows() {
    Random r = new Random(43);
    // [rows, k, n]: whole row groups and panels, partial ones, the packed and the in-place paths, a GEMV-sized run
    int[][] shapes = {{4 * 32, 64, 512}, {3 * 17, 20, 24}, {2 * 40, 128, 100}, {50, 7, 16}};
    for (int[] s : shapes) {
      int m = s[0], k = s[1], n = s[2];
      float[] a = random(r, m * k), b = random(r, k * n, fanIn(k)), bias = random(r, n);
      int[] mask = new int[m];
      for (int i = 0; i < m; i++) mask[i] = i % 9 == 4 ? 1 : r.nextInt(4) == 0 ? 0 : 1; // runs of 1 row and longer
      mask[0] = 0;
      float[] expected = new float[m * n];
      JAVA.dense(a, m, k, JAVA.packDenseWeights(b, k, n), n, bias, Activation.SOFTMAX, expected);
      for (KernelSet v : vector) {
        float[] c = new float[m * n];
        Arrays.fill(c, Float.NaN);
        v.denseRows(a, m, k, v.packDenseWeights(b, k, n), n, bias, Activation.SOFTMAX, c, mask);
        for (int i = 0; i < m; i++) {
          float[] want = Arrays.copyOfRange(expected, i * n, i * n + n), got = Arrays.copyOfRange(c, i * n, i * n + n);
          if (mask[i] != 0) assertClose(want, got, n, v + " denseRows " + m + "x" + k + "x" + n + " row " + i);
          else assertTrue(Float.isNaN(got[0]) && Float.isNaN(got[n - 1]), v + ": masked row " + i + " was computed");
        }
      }
    }
  }

  private void checkDense(Random r, int m, int k, int n, Activation act, boolean withBias) {
    float[] a = random(r, m * k);
    float[] b = random(r, k * n, fanIn(k));
    float[] bias = withBias ? random(r, n) : null;
    float[] expected = new float[m * n];
    JAVA.dense(a, m, k, JAVA.packDenseWeights(b, k, n), n, bias, act, expected);
    for (KernelSet v : vector) {
      PackedWeights packed = v.packDenseWeights(b, k, n);
      float[] c = new float[m * n + 3];
      Arrays.fill(c, Float.NaN);
      v.dense(a, m, k, packed, n, bias, act, c);
      assertClose(expected, c, m * n, v + " dense " + m + "x" + k + "x" + n + " " + act + " bias " + withBias);
      assertTrue(Float.isNaN(c[m * n]), "wrote past m*n");
    }
  }

  @Test
  void conv2dRandomShapes() {
    Random r = new Random(7);
    // n, h, w, c, kh, kw, f, sh, sw, dh, dw, groups, padding (0 valid, 1 same, 2 odd explicit)
    int[][] cases = {
      {1, 8, 8, 3, 3, 3, 16, 1, 1, 1, 1, 1, 1},
      {1, 56, 56, 64, 3, 3, 64, 1, 1, 1, 1, 1, 1},
      {2, 7, 9, 5, 3, 3, 7, 1, 1, 1, 1, 1, 0},
      {1, 10, 11, 6, 3, 3, 9, 2, 2, 1, 1, 3, 1},
      {1, 12, 12, 8, 3, 3, 40, 2, 1, 2, 2, 2, 1},
      {2, 6, 6, 4, 1, 1, 33, 1, 1, 1, 1, 1, 0},
      {1, 9, 9, 4, 1, 1, 20, 2, 2, 1, 1, 1, 0},
      {1, 5, 5, 6, 1, 1, 6, 1, 1, 1, 1, 2, 0},
      {1, 7, 7, 3, 5, 5, 17, 1, 1, 1, 1, 1, 2},
      {1, 15, 13, 35, 3, 3, 31, 1, 2, 1, 3, 1, 1},
      {1, 4, 4, 300, 3, 3, 5, 1, 1, 1, 1, 1, 1},
      {3, 5, 6, 2, 2, 3, 3, 1, 1, 1, 1, 1, 2},
      {1, 3, 3, 2, 5, 5, 4, 1, 1, 1, 1, 1, 1},
      {2, 7, 13, 4, 3, 3, 32, 1, 1, 1, 1, 1, 1}, // two panels, tiles spanning rows and images
      {1, 4, 5, 3, 3, 3, 64, 1, 1, 2, 1, 2, 2}, // row dilation, groups of 32 filters, odd padding
      // one input channel, stride 1 along rows: whole output rows in groups of six consecutive inputs
      {2, 9, 30, 1, 3, 3, 32, 1, 1, 1, 1, 1, 0}, // rows of 28: four groups and one overlapping the fourth
      {1, 12, 12, 1, 3, 3, 32, 2, 1, 1, 1, 1, 1}, // padded, row stride 2
      {1, 10, 11, 1, 3, 3, 64, 1, 1, 2, 1, 1, 0}, // row dilation, rows of 9
      {3, 8, 9, 1, 5, 5, 32, 1, 1, 1, 1, 1, 2}, // odd explicit padding
      {1, 5, 5, 1, 3, 3, 32, 1, 1, 1, 1, 1, 1}, // rows of 5: the offset-table kernel instead
    };
    int i = 0;
    for (int[] s : cases) {
      for (int rep = 0; rep < 3; rep++) {
        Activation act = ACTS[i++ % ACTS.length];
        if (act == Activation.SOFTMAX) act = Activation.RELU6;
        checkConv(r, s, act, rep > 0, rep == 2);
      }
    }
    for (int t = 0; t < 30; t++) {
      int groups = 1 + r.nextInt(3);
      int[] s = {1 + r.nextInt(2), 1 + r.nextInt(12), 1 + r.nextInt(12), groups * (1 + r.nextInt(9)), 1 + r.nextInt(3),
          1 + r.nextInt(3), groups * (1 + r.nextInt(40)), 1 + r.nextInt(2), 1 + r.nextInt(2), 1 + r.nextInt(2),
          1 + r.nextInt(2), groups, r.nextInt(3)};
      Activation act = ACTS[r.nextInt(ACTS.length)];
      if (act == Activation.SOFTMAX) act = null;
      checkConv(r, s, act, r.nextBoolean(), r.nextBoolean());
    }
  }

  /**
   * Convolution fused with its max pooling ({@code conv2dMaxPool}, band by band in cache) against the pure-Java
   * convolution then pooling: the small CNN's two blocks at batches 1 and 3, SAME convolutions (padded input),
   * strides, groups, filters that are not whole panels (gathered tiles), overlapping SAME pooling windows whose bands
   * share convolution rows, pool windows past the convolution's edge, bands of several pooled rows; and the default
   * (residual, fewer filters than a vector), on 1, 2 and 3 threads, with bands split over them when large.
   */
  @Test
  void conv2dMaxPoolEqualsConvolutionThenPooling() {
    Random r = new Random(21);
    // n, h, w, c, kh, kw, f, sh, sw, groups, same, pool kh, pool kw, pool stride, pool same, residual
    int[][] cases = {
      {1, 28, 28, 1, 3, 3, 16, 1, 1, 1, 0, 2, 2, 2, 0, 0},
      {3, 13, 13, 16, 3, 3, 32, 1, 1, 1, 0, 2, 2, 2, 0, 0},
      {2, 9, 8, 3, 3, 3, 16, 1, 1, 1, 1, 3, 3, 2, 1, 0},
      {1, 11, 10, 4, 3, 3, 24, 2, 2, 1, 1, 2, 2, 2, 1, 0},
      {2, 8, 8, 4, 3, 3, 32, 1, 1, 2, 0, 3, 3, 1, 0, 0},
      {1, 6, 6, 2, 1, 1, 40, 1, 1, 1, 0, 2, 3, 2, 1, 0},
      {2, 7, 7, 3, 3, 3, 5, 1, 1, 1, 1, 2, 2, 2, 0, 0},
      {1, 6, 6, 16, 1, 1, 16, 1, 1, 1, 0, 2, 2, 2, 0, 1},
      {2, 40, 37, 2, 3, 3, 32, 1, 1, 1, 1, 3, 3, 2, 1, 0}, // bands of 2 pooled rows sharing convolution rows
      {1, 30, 30, 3, 3, 3, 16, 1, 1, 1, 1, 3, 3, 1, 1, 0}, // stride-1 windows: 3 rows of every band recomputed
      {24, 28, 28, 1, 3, 3, 16, 1, 1, 1, 0, 2, 2, 2, 0, 0}, // 2.7M multiply-adds: bands split over the threads
      // few images: filter panels split over the threads (4 or 6 panels of 16, 2 or 3 of 32), also 2 of 3 threads
      {1, 13, 13, 16, 3, 3, 64, 1, 1, 1, 0, 2, 2, 2, 0, 0}, // (Winograd where 16 is whole vectors)
      {1, 13, 13, 12, 3, 3, 64, 1, 1, 1, 0, 2, 2, 2, 0, 0}, // the same by the blocked copy
      {1, 13, 13, 16, 5, 5, 64, 1, 1, 1, 1, 2, 2, 2, 0, 0},
      {1, 12, 12, 1, 3, 3, 96, 1, 1, 1, 1, 3, 3, 2, 1, 0}, // one channel, padding made real before the split
      {2, 10, 9, 8, 3, 3, 64, 2, 1, 1, 1, 3, 3, 2, 1, 0}, // row stride 2, padding in the blocked copy
      // one channel, 2x2 windows at stride 2: pooled in registers (the last convolution row and column unused)
      {2, 31, 30, 1, 5, 5, 32, 1, 1, 1, 0, 2, 2, 2, 0, 0},
      {3, 12, 13, 1, 3, 3, 16, 1, 1, 1, 0, 2, 2, 2, 0, 0},
      {1, 14, 14, 1, 3, 3, 32, 1, 1, 1, 1, 2, 2, 2, 0, 0}, // SAME: padding made real first
    };
    int caseIndex = 0;
    for (int[] k : cases) {
      // RELU is applied after the pooling (on the maxima): every other case, and one with NaN inputs, without RELU
      Activation act = caseIndex++ % 2 == 0 ? Activation.RELU : Activation.LINEAR;
      boolean nans = caseIndex % 5 == 2;
      int n = k[0], h = k[1], w = k[2], c = k[3], kh = k[4], kw = k[5], f = k[6], sh = k[7], sw = k[8], g = k[9];
      boolean same = k[10] == 1;
      int oh = same ? (h + sh - 1) / sh : (h - kh) / sh + 1, ow = same ? (w + sw - 1) / sw : (w - kw) / sw + 1;
      int pt = same ? Math.max((oh - 1) * sh + kh - h, 0) / 2 : 0, pl = same ? Math.max((ow - 1) * sw + kw - w, 0) / 2 : 0;
      int ph = k[11], pw = k[12], ps = k[13];
      boolean poolSame = k[14] == 1;
      int poh = poolSame ? (oh + ps - 1) / ps : (oh - ph) / ps + 1, pow = poolSame ? (ow + ps - 1) / ps : (ow - pw) / ps + 1;
      int ppt = poolSame ? Math.max((poh - 1) * ps + ph - oh, 0) / 2 : 0;
      int ppl = poolSame ? Math.max((pow - 1) * ps + pw - ow, 0) / 2 : 0;
      float[] x = random(r, n * h * w * c);
      if (nans) {
        for (int i = 0; i < x.length; i += 97) x[i] = Float.NaN;
      }
      float[] kernel = random(r, kh * kw * (c / g) * f, fanIn(kh * kw * c / g));
      float[] bias = random(r, f);
      float[] residual = k[15] == 1 ? random(r, n * oh * ow * f) : null;
      int convLen = n * oh * ow * f, outLen = n * poh * pow * f;
      float[] conv = new float[convLen];
      float[] expected = new float[outLen];
      JAVA.conv2d(x, n, h, w, c, JAVA.packConvKernel(kernel, kh, kw, c / g, f, g), kh, kw, f, sh, sw, 1, 1, pt, pl, oh,
          ow, g, bias, residual, act, conv);
      JAVA.maxPool2d(conv, n, oh, ow, f, ph, pw, ps, ps, ppt, ppl, poh, pow, expected);
      for (KernelSet v : vector) {
        float[] out = new float[outLen + 1];
        out[outLen] = Float.NaN;
        v.conv2dMaxPool(x, n, h, w, c, v.packConvKernel(kernel, kh, kw, c / g, f, g), kh, kw, f, sh, sw, 1, 1, pt, pl,
            oh, ow, g, bias, residual, act, new float[convLen], ph, pw, ps, ps, ppt, ppl, poh, pow, out);
        assertClose(expected, out, outLen, v + " conv2dMaxPool " + act + (nans ? " NaN " : " ") + Arrays.toString(k));
        assertTrue(Float.isNaN(out[outLen]), "wrote past the output");
      }
    }
  }

  /**
   * The two gathers of the implicit GEMM (by tap for {@code kw*cg < 16}, else by kernel row, contiguous or in runs of
   * {@code cg}) and the direct kernel of interior tiles (all tiles once the input is padded), at image borders, with
   * strides, dilations, groups, batches whose tiles span images, and reductions split into k blocks (kk > 256) mid
   * kernel row; the fused bias and RELU with and without a residual.
   */
  @Test
  void conv2dGatherPaths() {
    Random r = new Random(3);
    // n, h, w, c, kh, kw, f, sh, sw, dh, dw, groups, padding (0 valid, 1 same, 2 odd explicit)
    int[][] cases = {
      {1, 28, 28, 1, 3, 3, 16, 1, 1, 1, 1, 1, 0}, // the small CNN's conv1
      {3, 28, 28, 1, 3, 3, 16, 1, 1, 1, 1, 1, 1},
      {2, 13, 13, 16, 3, 3, 32, 1, 1, 1, 1, 1, 0}, // its conv2, tiles across images
      {2, 13, 13, 16, 3, 3, 32, 1, 1, 1, 1, 1, 1},
      {2, 11, 10, 3, 3, 3, 8, 2, 2, 1, 1, 1, 1},
      {3, 9, 9, 1, 5, 5, 5, 2, 2, 1, 1, 1, 1},
      {2, 12, 12, 1, 3, 3, 16, 1, 1, 2, 2, 1, 1},
      {2, 12, 12, 16, 3, 3, 16, 1, 1, 2, 2, 1, 1},
      {2, 10, 10, 2, 3, 3, 6, 1, 1, 1, 1, 2, 1},
      {2, 10, 10, 32, 3, 3, 20, 2, 1, 1, 1, 2, 1},
      {2, 9, 8, 6, 3, 3, 12, 1, 2, 2, 1, 3, 2},
      {2, 9, 8, 3, 3, 3, 12, 2, 1, 1, 2, 1, 2},
      {1, 7, 7, 40, 3, 3, 24, 1, 1, 1, 1, 1, 1}, // kk = 360: two k blocks, by kernel row
      {2, 25, 6, 5, 19, 3, 10, 1, 1, 1, 1, 1, 1}, // kk = 285: two k blocks, by tap
      {5, 4, 4, 1, 3, 3, 16, 1, 1, 1, 1, 1, 1}, // many images per tile
      {2, 30, 30, 3, 3, 3, 16, 2, 2, 1, 1, 1, 1},
      {1, 6, 40, 1, 1, 7, 9, 1, 3, 1, 2, 1, 1},
      // whole panels (f/groups a multiple of 16 or 32): the direct kernel on interior tiles
      {1, 9, 9, 40, 3, 3, 32, 1, 1, 1, 1, 1, 0}, // two k blocks
      {1, 8, 8, 4, 3, 3, 64, 1, 1, 1, 1, 2, 0},
      {2, 15, 15, 3, 3, 3, 32, 2, 2, 1, 1, 1, 0},
      {1, 14, 14, 2, 3, 3, 16, 1, 1, 2, 2, 1, 0},
      {1, 10, 64, 16, 3, 3, 32, 1, 1, 1, 1, 1, 1}, // SAME: interior and border tiles
      {3, 7, 7, 1, 3, 3, 32, 1, 1, 1, 1, 1, 0},
      // padded: the input copied with its padding made real, then all tiles direct
      {1, 10, 10, 4, 3, 3, 16, 2, 2, 1, 1, 1, 1}, // SAME, stride 2: padding only at the bottom and right
      {2, 9, 8, 3, 3, 3, 32, 2, 1, 1, 2, 1, 2},
      {2, 6, 7, 2, 3, 3, 32, 1, 1, 1, 1, 2, 1},
      {2, 13, 13, 16, 3, 3, 24, 1, 1, 1, 1, 1, 1}, // partial panels: gathered at the borders
      // gathered tiles over several panels, a partial last one, two k blocks, position tails
      {1, 9, 9, 40, 3, 3, 40, 1, 1, 1, 1, 1, 1},
      {2, 11, 11, 8, 3, 3, 72, 2, 1, 1, 1, 1, 0},
      // split over threads at 121 positions: tiles smaller than one thread's default tile
      {1, 13, 13, 64, 3, 3, 64, 1, 1, 1, 1, 1, 0},
      {1, 13, 13, 64, 3, 3, 56, 1, 1, 1, 1, 1, 1},
    };
    for (int[] s : cases) {
      checkConv(r, s, Activation.RELU, true, false);
      checkConv(r, s, Activation.RELU, true, true);
      checkConv(r, s, null, false, false);
      checkConv(r, s, Activation.RELU6, true, true);
    }
  }

  /** Output size and padding: VALID, SAME, or an odd explicit padding. */
  private static int[] geometry(int in, int k, int stride, int dil, int mode) {
    int eff = (k - 1) * dil + 1;
    if (mode == 0) return new int[] {0, in >= eff ? (in - eff) / stride + 1 : 0};
    if (mode == 1) {
      int out = (in + stride - 1) / stride;
      int total = Math.max((out - 1) * stride + eff - in, 0);
      return new int[] {total / 2, out};
    }
    int pad = 1 + (k > 1 ? 1 : 0);
    int padded = in + pad + 1;
    return new int[] {pad, padded >= eff ? (padded - eff) / stride + 1 : 0};
  }

  private void checkConv(Random r, int[] s, Activation act, boolean withBias, boolean withResidual) {
    int n = s[0], h = s[1], w = s[2], c = s[3], kh = s[4], kw = s[5], f = s[6], sh = s[7], sw = s[8], dh = s[9],
        dw = s[10], groups = s[11];
    int[] gy = geometry(h, kh, sh, dh, s[12]);
    int[] gx = geometry(w, kw, sw, dw, s[12]);
    int oh = gy[1], ow = gx[1];
    if (oh <= 0 || ow <= 0) return;
    int cg = c / groups;
    float[] in = random(r, n * h * w * c);
    float[] kernel = random(r, kh * kw * cg * f, fanIn(kh * kw * cg));
    float[] bias = withBias ? random(r, f) : null;
    int outLen = n * oh * ow * f;
    float[] residual = withResidual ? random(r, outLen) : null;
    float[] expected = new float[outLen];
    JAVA.conv2d(in, n, h, w, c, JAVA.packConvKernel(kernel, kh, kw, cg, f, groups), kh, kw, f, sh, sw, dh, dw, gy[0],
        gx[0], oh, ow, groups, bias, residual, act, expected);
    for (KernelSet v : vector) {
      float[] out = new float[outLen + 2];
      Arrays.fill(out, Float.NaN);
      v.conv2d(in, n, h, w, c, v.packConvKernel(kernel, kh, kw, cg, f, groups), kh, kw, f, sh, sw, dh, dw, gy[0], gx[0],
          oh, ow, groups, bias, residual, act, out);
      assertClose(expected, out, outLen, v + " conv2d " + Arrays.toString(s) + " " + act + " bias " + withBias
          + " residual " + withResidual);
      assertTrue(Float.isNaN(out[outLen]), "wrote past the output");
    }
  }

  @Test
  void depthwiseRandomShapes() {
    Random r = new Random(11);
    // n, h, w, c, kh, kw, m, sh, sw, dh, dw, padding
    int[][] cases = {
      {1, 112, 112, 32, 3, 3, 1, 1, 1, 1, 1, 1},
      {1, 14, 14, 96, 3, 3, 1, 2, 2, 1, 1, 1},
      {2, 9, 10, 17, 3, 3, 1, 1, 1, 1, 1, 1},
      {1, 11, 13, 40, 5, 5, 1, 2, 1, 1, 1, 1},
      {1, 12, 12, 16, 3, 3, 1, 1, 1, 2, 2, 1},
      {1, 8, 9, 5, 3, 2, 2, 1, 1, 1, 1, 0},
      {1, 7, 7, 33, 3, 3, 1, 1, 1, 1, 1, 2},
      {1, 7, 20, 3, 1, 1, 1, 1, 1, 1, 1, 0},
    };
    int i = 0;
    for (int[] s : cases) {
      for (int rep = 0; rep < 2; rep++) {
        Activation act = ACTS[i++ % ACTS.length];
        if (act == Activation.SOFTMAX) act = Activation.RELU;
        checkDepthwise(r, s, act, rep == 1);
      }
    }
    for (int t = 0; t < 30; t++) {
      int[] s = {1 + r.nextInt(2), 1 + r.nextInt(15), 1 + r.nextInt(15), 1 + r.nextInt(40), 1 + r.nextInt(4),
          1 + r.nextInt(4), t % 5 == 0 ? 2 : 1, 1 + r.nextInt(2), 1 + r.nextInt(2), 1 + r.nextInt(2), 1 + r.nextInt(2),
          r.nextInt(3)};
      Activation act = ACTS[r.nextInt(ACTS.length)];
      if (act == Activation.SOFTMAX) act = null;
      checkDepthwise(r, s, act, r.nextBoolean());
    }
  }

  private void checkDepthwise(Random r, int[] s, Activation act, boolean withBias) {
    int n = s[0], h = s[1], w = s[2], c = s[3], kh = s[4], kw = s[5], m = s[6], sh = s[7], sw = s[8], dh = s[9],
        dw = s[10];
    int[] gy = geometry(h, kh, sh, dh, s[11]);
    int[] gx = geometry(w, kw, sw, dw, s[11]);
    int oh = gy[1], ow = gx[1];
    if (oh <= 0 || ow <= 0) return;
    float[] in = random(r, n * h * w * c);
    float[] kernel = random(r, kh * kw * c * m, fanIn(kh * kw));
    float[] bias = withBias ? random(r, c * m) : null;
    int outLen = n * oh * ow * c * m;
    float[] expected = new float[outLen];
    JAVA.depthwise2d(in, n, h, w, c, kernel, kh, kw, m, sh, sw, dh, dw, gy[0], gx[0], oh, ow, bias, act, expected);
    for (KernelSet v : vector) {
      float[] out = new float[outLen + 2];
      Arrays.fill(out, Float.NaN);
      v.depthwise2d(in, n, h, w, c, kernel, kh, kw, m, sh, sw, dh, dw, gy[0], gx[0], oh, ow, bias, act, out);
      assertClose(expected, out, outLen, v + " depthwise " + Arrays.toString(s) + " " + act + " bias " + withBias);
      assertTrue(Float.isNaN(out[outLen]), "wrote past the output");
    }
  }

  /** Pooling through the vector kernel sets (split over threads at batch 64) equals the pure-Java pooling. */
  @Test
  void poolingSplitOverThreadsEqualsOneThread() {
    Random r = new Random(12);
    float[] x = new float[64 * 26 * 26 * 16];
    for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
    float[] expectedMax = new float[64 * 13 * 13 * 16];
    float[] expectedAvg = new float[expectedMax.length];
    JAVA.maxPool2d(x, 64, 26, 26, 16, 2, 2, 2, 2, 0, 0, 13, 13, expectedMax);
    JAVA.avgPool2d(x, 64, 26, 26, 16, 3, 3, 2, 2, 1, 1, 13, 13, expectedAvg);
    for (KernelSet v : vector) {
      float[] max = new float[expectedMax.length];
      float[] avg = new float[expectedAvg.length];
      v.maxPool2d(x, 64, 26, 26, 16, 2, 2, 2, 2, 0, 0, 13, 13, max);
      v.avgPool2d(x, 64, 26, 26, 16, 3, 3, 2, 2, 1, 1, 13, 13, avg);
      assertTrue(java.util.Arrays.equals(expectedMax, max), "max pooling differs");
      assertTrue(java.util.Arrays.equals(expectedAvg, avg), "average pooling differs");
    }
  }

  /**
   * Max pooling by channel vectors ({@link VPool}) equals the pure-Java pooling bit for bit, NaN and signed zeros
   * included: channel counts below, at and between vector widths (masked tail), SAME padding whose windows are cut at
   * every border, overlapping windows, strides above the kernel, and padding that leaves a window empty (-inf).
   */
  @ParameterizedTest
  @ValueSource(ints = {3, 8, 16, 19, 37})
  void maxPoolingByChannelVectorsEqualsPureJava(int c) {
    Random r = new Random(c);
    int n = 2, h = 9, w = 7;
    float[] x = random(r, n * h * w * c);
    for (int i = 0; i < x.length; i += 11) x[i] = i % 3 == 0 ? Float.NaN : i % 3 == 1 ? -0f : 0f;
    int[][] cases = { // kh, kw, sh, sw, padTop, padLeft, oh, ow
        {2, 2, 2, 2, 0, 0, 4, 3}, {3, 3, 1, 1, 1, 1, 9, 7}, {3, 2, 2, 3, 1, 0, 5, 2}, {1, 1, 3, 3, 0, 0, 3, 3},
        {2, 2, 2, 2, 2, 2, 5, 4}};
    for (int[] k : cases) {
      int outLen = n * k[6] * k[7] * c;
      float[] expected = new float[outLen];
      JAVA.maxPool2d(x, n, h, w, c, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], expected);
      for (KernelSet v : vector) {
        float[] out = new float[outLen + 1];
        out[outLen] = Float.NaN;
        v.maxPool2d(x, n, h, w, c, k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], out);
        for (int i = 0; i < outLen; i++) {
          if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(out[i])
              && !(Float.isNaN(expected[i]) && Float.isNaN(out[i]))) {
            fail(v + " c=" + c + " window " + Arrays.toString(k) + " at " + i + ": " + out[i] + " != " + expected[i]);
          }
        }
        assertTrue(Float.isNaN(out[outLen]), "wrote past the output");
      }
    }
  }

  @Test
  void speciesOverrideSelectsTheTile() {
    int bits = Integer.getInteger("kiln.vector.bits", 0);
    if (bits != 0) assertEquals(bits / 32, Sgemm.VL);
    assertEquals(Sgemm.VL >= 16 ? 8 : 6, Sgemm.MR);
    assertEquals(2 * Sgemm.VL, Sgemm.NR);
    System.out.println("VectorKernelsTest: " + Sgemm.S + ", MR " + Sgemm.MR + ", NR " + Sgemm.NR);
  }

  @Test
  void weightsPackedByAnotherKernelSetOrForAnotherShapeAreRejected() {
    KernelSet v = vector[0];
    PackedWeights javaPacked = JAVA.packDenseWeights(new float[20 * 8], 20, 8);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> v.dense(new float[20], 1, 20, javaPacked, 8, null, null, new float[8]));
    assertEquals("VectorKernels.dense: weights packed by the 'java' kernel set, expected weights packed by the "
        + "'vector' kernel set that runs them", e.getMessage());
    PackedWeights kernel = v.packConvKernel(new float[9 * 4 * 16], 3, 3, 4, 16, 1);
    e = assertThrows(IllegalArgumentException.class, () -> v.conv2d(new float[5 * 5 * 8], 1, 5, 5, 8, kernel, 3, 3, 16,
        1, 1, 1, 1, 0, 0, 3, 3, 1, null, null, null, new float[3 * 3 * 16]));
    assertEquals("VectorKernels.conv2d: weights packed as 36x16, called with 72x16", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> JAVA.dense(new float[20], 1, 20, v.packDenseWeights(new float[20 * 8], 20, 8), 8, null, null,
            new float[8]));
    assertEquals("JavaKernels.dense: weights packed by the 'vector' kernel set, expected weights packed by the "
        + "'java' kernel set that runs them", e.getMessage());
  }

  @Test
  void softmaxCannotBeFusedIntoConvolutions() {
    KernelSet v = vector[0];
    float[] in = new float[16];
    PackedWeights packed = v.packConvKernel(new float[4], 1, 1, 1, 4, 1);
    assertThrows(IllegalArgumentException.class, () -> v.conv2d(in, 1, 2, 2, 1, packed, 1, 1, 4, 1, 1, 1, 1, 0, 0, 2,
        2, 1, null, null, Activation.SOFTMAX, new float[16]));
    assertThrows(IllegalArgumentException.class, () -> v.depthwise2d(in, 1, 2, 2, 4, new float[4], 1, 1, 1, 1, 1, 1, 1,
        0, 0, 2, 2, null, Activation.SOFTMAX, new float[16]));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void closeIsIdempotentAndLaterCallsStillWork(int threads) {
    KernelSet v = VectorKernels.FACTORY.create(threads);
    assertEquals("vector", v.name());
    Random r = new Random(threads);
    int m = 64, k = 300, n = 96;
    float[] a = random(r, m * k), b = random(r, k * n);
    float[] expected = new float[m * n];
    JAVA.dense(a, m, k, JAVA.packDenseWeights(b, k, n), n, null, Activation.RELU, expected);
    PackedWeights packed = v.packDenseWeights(b, k, n);
    float[] c = new float[m * n];
    v.dense(a, m, k, packed, n, null, Activation.RELU, c);
    assertClose(expected, c, m * n, "before close");
    v.close();
    v.close();
    Arrays.fill(c, 0f);
    v.dense(a, m, k, packed, n, null, Activation.RELU, c);
    assertClose(expected, c, m * n, "after close");
    v.close();
  }

  @Test
  void concurrentCallersOnOneKernelSet() throws Exception {
    KernelSet v = VectorKernels.FACTORY.create(2);
    try {
      Random r = new Random(5);
      int m = 48, k = 500, n = 130;
      float[] a = random(r, m * k), b = random(r, k * n);
      float[] expected = new float[m * n];
      JAVA.dense(a, m, k, JAVA.packDenseWeights(b, k, n), n, null, null, expected);
      PackedWeights packed = v.packDenseWeights(b, k, n);
      Thread[] ts = new Thread[3];
      Throwable[] errors = new Throwable[ts.length];
      for (int t = 0; t < ts.length; t++) {
        final int id = t;
        ts[t] = new Thread(() -> {
          try {
            float[] c = new float[m * n];
            for (int it = 0; it < 200; it++) {
              v.dense(a, m, k, packed, n, null, null, c);
              assertClose(expected, c, m * n, "thread " + id);
            }
          } catch (Throwable e) {
            errors[id] = e;
          }
        });
        ts[t].start();
      }
      for (Thread t : ts) t.join();
      for (Throwable e : errors) if (e != null) throw new AssertionError(e);
    } finally {
      v.close();
    }
  }

  /**
   * Three threads convolving their own inputs on one two-thread kernel set at once: one of them holds the pool, the
   * others run on their own thread with their own argument holders (a shared holder would mix the inputs).
   */
  @Test
  void concurrentConvolutionsOnOneKernelSet() throws Exception {
    KernelSet v = VectorKernels.FACTORY.create(2);
    try {
      Random r = new Random(6);
      float[] kernel = random(r, 144 * 32, fanIn(144));
      float[] bias = random(r, 32);
      PackedWeights packedJ = JAVA.packConvKernel(kernel, 3, 3, 16, 32, 1);
      PackedWeights packedV = v.packConvKernel(kernel, 3, 3, 16, 32, 1);
      // wider vectors than the machine's are emulated, slowly
      int iterations = Sgemm.VL > jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() ? 10 : 300;
      Thread[] ts = new Thread[3];
      Throwable[] errors = new Throwable[ts.length];
      for (int t = 0; t < ts.length; t++) {
        final int id = t;
        float[] x = random(r, 13 * 13 * 16);
        float[] conv = new float[11 * 11 * 32], pooled = new float[5 * 5 * 32];
        JAVA.conv2d(x, 1, 13, 13, 16, packedJ, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, bias, null, Activation.RELU, conv);
        JAVA.maxPool2d(conv, 1, 11, 11, 32, 2, 2, 2, 2, 0, 0, 5, 5, pooled);
        ts[t] = new Thread(() -> {
          try {
            float[] c = new float[conv.length], p = new float[pooled.length], scratch = new float[conv.length];
            for (int it = 0; it < iterations; it++) {
              v.conv2d(x, 1, 13, 13, 16, packedV, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, bias, null, Activation.RELU, c);
              assertClose(conv, c, conv.length, "conv2d, thread " + id);
              v.conv2dMaxPool(x, 1, 13, 13, 16, packedV, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, bias, null,
                  Activation.RELU, scratch, 2, 2, 2, 2, 0, 0, 5, 5, p);
              assertClose(pooled, p, pooled.length, "conv2dMaxPool, thread " + id);
            }
          } catch (Throwable e) {
            errors[id] = e;
          }
        });
      }
      for (Thread t : ts) t.start();
      for (Thread t : ts) t.join();
      for (Throwable e : errors) if (e != null) throw new AssertionError(e);
    } finally {
      v.close();
    }
  }
}

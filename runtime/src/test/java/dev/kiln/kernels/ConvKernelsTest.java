package dev.kiln.kernels;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Activation;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Conv#conv2d} (both tile paths: the wide planar path for stride 1 and the gathering path) and
 * {@link Pooling} against direct loops in double, and the pooled overloads against one thread, bit for bit.
 */
class ConvKernelsTest {

  /** One convolution case: input [n, h, w, c], kernel kh x kw, f filters, strides, dilations, padding, groups. */
  private static final int[][] CASES = {
    // n, h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, pb, pr, groups
    {1, 28, 28, 1, 3, 3, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1}, // the small CNN's first conv (wide path)
    {1, 13, 13, 16, 3, 3, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1}, // its second
    {3, 13, 13, 16, 3, 3, 32, 1, 1, 1, 1, 0, 0, 0, 0, 1}, // batch: tiles of several images
    {2, 9, 7, 3, 3, 3, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1}, // SAME padding, odd filter count (wide)
    {2, 8, 10, 4, 5, 3, 6, 1, 1, 1, 1, 2, 1, 2, 1, 1}, // non-square kernel (wide)
    {1, 40, 40, 2, 3, 3, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1}, // several tiles per image (wide)
    {2, 9, 9, 3, 3, 3, 8, 2, 2, 1, 1, 0, 0, 1, 1, 1}, // stride 2, SAME (gathering)
    {1, 11, 12, 4, 3, 3, 4, 1, 1, 2, 2, 2, 2, 2, 2, 1}, // dilation 2 (gathering)
    {2, 7, 7, 4, 3, 3, 6, 1, 1, 1, 1, 1, 1, 1, 1, 2}, // two groups (gathering)
    {1, 6, 6, 300, 1, 3, 4, 1, 1, 1, 1, 0, 1, 0, 1, 1}, // k above one block: 900 (wide, k blocks)
    {2, 5, 5, 8, 1, 1, 4, 2, 2, 1, 1, 0, 0, 0, 0, 1}, // 1x1 stride 2 (gathering)
  };

  @Test
  void conv2dMatchesDirectLoopsWithEveryEpilogue() {
    Random rnd = new Random(7);
    for (int[] k : CASES) {
      for (int variant = 0; variant < 3; variant++) {
        float[] bias = variant == 0 ? null : random(rnd, k[6]);
        Activation act = variant == 0 ? Activation.LINEAR : variant == 1 ? Activation.RELU : Activation.TANH;
        boolean residual = variant == 2;
        check(k, bias, act, residual, rnd);
      }
    }
  }

  /**
   * JavaKernels' convolution + max pooling over a batch runs image by image (on one or two threads): the same values,
   * bit for bit, as convolving the whole batch and pooling it.
   */
  @Test
  void batchedConvolutionAndPoolingEqualsTheTwoSteps() {
    Random rnd = new Random(9);
    // the digits CNN's two blocks, a batch of 7 (odd: chunks of unequal image counts), then a 3x3 pooling at stride 2
    int[][] cases = {{7, 28, 28, 1, 8, 1, 28, 2, 2}, {7, 14, 14, 8, 16, 0, 12, 2, 2}, {5, 11, 9, 3, 6, 1, 11, 3, 2}};
    for (int threads = 1; threads <= 2; threads++) {
      KernelSet kernels = JavaKernels.FACTORY.create(threads);
      try {
        for (int[] k : cases) {
          int n = k[0], h = k[1], w = k[2], c = k[3], f = k[4], pad = k[5], oh = k[6], ow = oh + w - h;
          int win = k[7], stride = k[8], poh = (oh - win) / stride + 1, pow = (ow - win) / stride + 1;
          float[] x = random(rnd, n * h * w * c), bias = random(rnd, f);
          PackedWeights packed = kernels.packConvKernel(random(rnd, 9 * c * f), 3, 3, c, f, 1);
          float[] conv = new float[n * oh * ow * f], expected = new float[n * poh * pow * f];
          Conv.conv2d(x, n, h, w, c, (Conv.Packed) packed, 3, 3, f, 1, 1, 1, 1, pad, pad, oh, ow, 1, bias, null,
              Activation.RELU, conv);
          Pooling.pool2dRows(true, conv, n, oh, ow, f, win, win, stride, stride, 0, 0, poh, pow, expected, 0, n * poh);
          float[] got = new float[expected.length];
          kernels.conv2dMaxPool(x, n, h, w, c, packed, 3, 3, f, 1, 1, 1, 1, pad, pad, oh, ow, 1, bias, null,
              Activation.RELU, new float[conv.length], win, win, stride, stride, 0, 0, poh, pow, got);
          assertWithMessage("%s threads, case %s", threads, java.util.Arrays.toString(k)).that(got)
              .isEqualTo(expected);
        }
      } finally {
        kernels.close();
      }
    }
  }

  @Test
  void pooledConvolutionIsBitIdenticalToOneThread() {
    Random rnd = new Random(8);
    WorkerPool pool = WorkerPool.create(2);
    try {
      for (int[] k : CASES) {
        int n = k[0], h = k[1], w = k[2], c = k[3], kh = k[4], kw = k[5], f = k[6], groups = k[15];
        int oh = out(h, kh, k[7], k[9], k[11], k[13]), ow = out(w, kw, k[8], k[10], k[12], k[14]);
        float[] x = random(rnd, n * h * w * c);
        Conv.Packed packed = Conv.packKernel(random(rnd, kh * kw * (c / groups) * f), kh, kw, c / groups, f, groups);
        float[] bias = random(rnd, f);
        float[] one = new float[n * oh * ow * f];
        float[] two = new float[one.length];
        for (int rep = 0; rep < 2; rep++) {
          Conv.conv2d(x, n, h, w, c, packed, kh, kw, f, k[7], k[8], k[9], k[10], k[11], k[12], oh, ow, groups, bias,
              null, Activation.RELU, one);
          Conv.conv2d(x, n, h, w, c, packed, kh, kw, f, k[7], k[8], k[9], k[10], k[11], k[12], oh, ow, groups, bias,
              null, Activation.RELU, two, pool);
          assertWithMessage("case %s", java.util.Arrays.toString(k)).that(two).isEqualTo(one);
        }
      }
      // a batch big enough to be split over both threads
      int n = 16;
      float[] x = random(rnd, n * 28 * 28);
      Conv.Packed packed = Conv.packKernel(random(rnd, 9 * 16), 3, 3, 1, 16, 1);
      float[] one = new float[n * 26 * 26 * 16];
      float[] two = new float[one.length];
      Conv.conv2d(x, n, 28, 28, 1, packed, 3, 3, 16, 1, 1, 1, 1, 0, 0, 26, 26, 1, null, null, null, one);
      Conv.conv2d(x, n, 28, 28, 1, packed, 3, 3, 16, 1, 1, 1, 1, 0, 0, 26, 26, 1, null, null, null, two, pool);
      assertThat(two).isEqualTo(one);
    } finally {
      pool.close();
    }
  }

  @Test
  void pooledDepthwiseIsBitIdenticalToOneThread() {
    Random rnd = new Random(10);
    WorkerPool pool = WorkerPool.create(2);
    try {
      // 1 x 57 x 56 x 32, 3x3 stride 2 SAME-style padding: above the pooled threshold, odd row count
      int n = 1, h = 57, w = 56, c = 32, oh = 29, ow = 28;
      float[] x = random(rnd, n * h * w * c);
      float[] kernel = random(rnd, 9 * c);
      float[] bias = random(rnd, c);
      float[] one = new float[n * oh * ow * c];
      float[] two = new float[one.length];
      java.util.Arrays.fill(two, Float.NaN);
      Conv.depthwise2d(x, n, h, w, c, kernel, 3, 3, 1, 2, 2, 1, 1, 1, 0, oh, ow, bias, Activation.RELU6, one);
      Conv.depthwise2d(x, n, h, w, c, kernel, 3, 3, 1, 2, 2, 1, 1, 1, 0, oh, ow, bias, Activation.RELU6, two, pool);
      assertThat(two).isEqualTo(one);
    } finally {
      pool.close();
    }
  }

  @Test
  void pooledPoolingIsBitIdenticalToOneThread() {
    Random rnd = new Random(11);
    KernelSet pooled = JavaKernels.FACTORY.create(2);
    try {
      // batch 64 of the small CNN's first pool (split over threads) and a SAME average pool
      float[] x = random(rnd, 64 * 26 * 26 * 16);
      float[] one = new float[64 * 13 * 13 * 16];
      float[] two = new float[one.length];
      Pooling.maxPool2d(x, 64, 26, 26, 16, 2, 2, 2, 2, 0, 0, 13, 13, one);
      pooled.maxPool2d(x, 64, 26, 26, 16, 2, 2, 2, 2, 0, 0, 13, 13, two);
      assertThat(Pooling.worthSplitting(64, 13, 13, 16, 2, 2)).isTrue();
      assertThat(two).isEqualTo(one);
      float[] y = random(rnd, 8 * 27 * 27 * 32);
      float[] avgOne = new float[8 * 14 * 14 * 32];
      float[] avgTwo = new float[avgOne.length];
      Pooling.avgPool2d(y, 8, 27, 27, 32, 3, 3, 2, 2, 1, 1, 14, 14, avgOne);
      pooled.avgPool2d(y, 8, 27, 27, 32, 3, 3, 2, 2, 1, 1, 14, 14, avgTwo);
      assertThat(avgTwo).isEqualTo(avgOne);
    } finally {
      pooled.close();
    }
  }

  @Test
  void poolingMatchesDirectLoops() {
    Random rnd = new Random(9);
    int[][] cases = {
      // n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow
      {1, 26, 26, 16, 2, 2, 2, 2, 0, 0, 13, 13},
      {2, 11, 11, 32, 2, 2, 2, 2, 0, 0, 5, 5},
      {2, 7, 9, 3, 3, 3, 2, 2, 1, 1, 4, 5}, // SAME: border windows hold fewer cells
      {1, 5, 5, 2, 3, 3, 1, 1, 1, 1, 5, 5},
      {1, 6, 4, 1, 2, 3, 1, 1, 0, 0, 5, 2},
    };
    for (int[] p : cases) {
      int n = p[0], h = p[1], w = p[2], c = p[3], kh = p[4], kw = p[5], sh = p[6], sw = p[7], pt = p[8], pl = p[9],
          oh = p[10], ow = p[11];
      float[] x = random(rnd, n * h * w * c);
      float[] max = new float[n * oh * ow * c];
      float[] avg = new float[max.length];
      Pooling.maxPool2d(x, n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, max);
      Pooling.avgPool2d(x, n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow, avg);
      for (int img = 0; img < n; img++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            for (int ch = 0; ch < c; ch++) {
              float m = Float.NEGATIVE_INFINITY;
              double sum = 0;
              int count = 0;
              for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                  int y = oy * sh - pt + ky, xx = ox * sw - pl + kx;
                  if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                  float v = x[((img * h + y) * w + xx) * c + ch];
                  m = Math.max(m, v);
                  sum += v;
                  count++;
                }
              }
              int o = ((img * oh + oy) * ow + ox) * c + ch;
              assertThat(max[o]).isEqualTo(m);
              assertThat((double) avg[o]).isWithin(1e-6).of(sum / count);
            }
          }
        }
      }
    }
  }

  private static void check(int[] k, float[] bias, Activation act, boolean withResidual, Random rnd) {
    int n = k[0], h = k[1], w = k[2], c = k[3], kh = k[4], kw = k[5], f = k[6], sh = k[7], sw = k[8], dh = k[9],
        dw = k[10], pt = k[11], pl = k[12], groups = k[15];
    int oh = out(h, kh, sh, dh, pt, k[13]), ow = out(w, kw, sw, dw, pl, k[14]);
    int cg = c / groups, fg = f / groups;
    float[] x = random(rnd, n * h * w * c);
    float[] kernel = random(rnd, kh * kw * cg * f);
    float[] residual = withResidual ? random(rnd, n * oh * ow * f) : null;
    float[] got = new float[n * oh * ow * f];
    java.util.Arrays.fill(got, Float.NaN); // every element must be written
    Conv.conv2d(x, n, h, w, c, Conv.packKernel(kernel, kh, kw, cg, f, groups), kh, kw, f, sh, sw, dh, dw, pt, pl, oh,
        ow, groups, bias, residual, act, got);
    for (int img = 0; img < n; img++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          for (int fo = 0; fo < f; fo++) {
            int g = fo / fg;
            double sum = bias == null ? 0 : bias[fo];
            for (int ky = 0; ky < kh; ky++) {
              for (int kx = 0; kx < kw; kx++) {
                int y = oy * sh + ky * dh - pt, xx = ox * sw + kx * dw - pl;
                if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                for (int ci = 0; ci < cg; ci++) {
                  sum += (double) x[((img * h + y) * w + xx) * c + g * cg + ci]
                      * kernel[((ky * kw + kx) * cg + ci) * f + fo];
                }
              }
            }
            int o = ((img * oh + oy) * ow + ox) * f + fo;
            if (residual != null) sum += residual[o];
            double want = act == Activation.RELU ? Math.max(sum, 0) : act == Activation.TANH ? Math.tanh(sum) : sum;
            assertWithMessage("case %s, %s, bias %s, residual %s, output %s", java.util.Arrays.toString(k), act,
                bias != null, withResidual, o).that((double) got[o]).isWithin(2e-5 * (1 + Math.abs(want))).of(want);
          }
        }
      }
    }
  }

  private static int out(int in, int k, int stride, int dil, int padBefore, int padAfter) {
    return (in + padBefore + padAfter - ((k - 1) * dil + 1)) / stride + 1;
  }

  private static float[] random(Random rnd, int len) {
    float[] a = new float[len];
    for (int i = 0; i < len; i++) a[i] = rnd.nextFloat() * 2 - 1;
    return a;
  }
}

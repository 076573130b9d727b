package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Activation;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code depthwisePointwise} (a depthwise convolution and the 1x1 convolution reading it, as one call) against the
 * two calls it replaces: the vector kernel set's fused tiles against the pure-Java depthwise and 1x1 convolutions, and
 * against its own two calls; the interface's default (the pure-Java kernel set) against its two calls, bit for bit.
 */
class DepthwisePointwiseTest {
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

  // n, h, w, c, k (square), stride, dilation, pad (0 none, 1 SAME, 2 bottom/right only), f, residual
  private static final int[][] CASES = {
    {1, 112, 112, 32, 3, 1, 1, 1, 16, 0}, // MobileNetV2 block 0
    {1, 112, 112, 96, 3, 2, 1, 2, 24, 0}, // block 1: stride 2, TF's SAME pads bottom and right
    {1, 56, 56, 144, 3, 1, 1, 1, 24, 1}, // block 2: residual
    {2, 28, 28, 192, 3, 1, 1, 1, 32, 1}, // two images
    {1, 61, 67, 40, 3, 1, 2, 1, 20, 0}, // dilation 2, a partial panel of filters
    {1, 40, 40, 33, 5, 2, 1, 1, 48, 0}, // 5x5 (tap lists), a channel tail
    {1, 7, 7, 960, 3, 1, 1, 1, 160, 1}, // MobileNetV2 block 14
    {3, 9, 10, 17, 3, 2, 1, 1, 5, 0}, // tiles across images, a channel tail, fewer filters than a vector
  };

  @Test
  void fusedEqualsTheTwoCalls() {
    Random r = new Random(19);
    Activation[][] acts = {
      {Activation.RELU6, Activation.LINEAR}, {Activation.RELU, Activation.RELU6}, {Activation.LINEAR, null},
      {Activation.HARD_SILU, Activation.TANH}, {Activation.SIGMOID, Activation.RELU}};
    int i = 0;
    for (int[] s : CASES) {
      for (int rep = 0; rep < 2; rep++) {
        Activation[] a = acts[i++ % acts.length];
        check(r, s, a[0], a[1], rep == 0);
      }
    }
  }

  private static int out(int in, int k, int stride, int dil, int pad) {
    int eff = (k - 1) * dil + 1;
    return pad == 0 ? (in - eff) / stride + 1 : (in + stride - 1) / stride;
  }

  private static int padBefore(int in, int k, int stride, int dil, int pad) {
    if (pad != 1) return 0;
    int total = Math.max((out(in, k, stride, dil, pad) - 1) * stride + (k - 1) * dil + 1 - in, 0);
    return total / 2;
  }

  private void check(Random r, int[] s, Activation dwAct, Activation pwAct, boolean withBias) {
    int n = s[0], h = s[1], w = s[2], c = s[3], k = s[4], st = s[5], dil = s[6], f = s[8];
    int oh = out(h, k, st, dil, s[7]), ow = out(w, k, st, dil, s[7]);
    int pt = padBefore(h, k, st, dil, s[7]), pl = padBefore(w, k, st, dil, s[7]);
    float[] in = random(r, n * h * w * c, 1f);
    float[] dwK = random(r, k * k * c, (float) Math.sqrt(3.0 / (k * k)));
    float[] dwB = withBias ? random(r, c, 0.1f) : null;
    float[] pwK = random(r, c * f, (float) Math.sqrt(3.0 / c));
    float[] pwB = withBias ? random(r, f, 0.1f) : null;
    float[] res = s[9] == 1 ? random(r, n * oh * ow * f, 1f) : null;
    int dwLen = n * oh * ow * c, outLen = n * oh * ow * f;
    String what = Arrays.toString(s) + " " + dwAct + " " + pwAct + " bias " + withBias;

    float[] mid = new float[dwLen], expected = new float[outLen];
    JAVA.depthwise2d(in, n, h, w, c, dwK, k, k, 1, st, st, dil, dil, pt, pl, oh, ow, dwB, dwAct, mid);
    JAVA.conv2d(mid, n, oh, ow, c, JAVA.packConvKernel(pwK, 1, 1, c, f, 1), 1, 1, f, 1, 1, 1, 1, 0, 0, oh, ow, 1, pwB,
        res, pwAct, expected);
    for (KernelSet v : vector) {
      PackedWeights pw = v.packConvKernel(pwK, 1, 1, c, f, 1);
      float[] got = new float[outLen + 1], scratch = new float[dwLen];
      got[outLen] = Float.NaN;
      v.depthwisePointwise(in, n, h, w, c, dwK, k, k, 1, st, st, dil, dil, pt, pl, oh, ow, dwB, dwAct, scratch, pw, f,
          pwB, res, pwAct, got);
      VectorKernelsTest.assertClose(expected, got, outLen, v + " fused against pure Java, " + what);
      assertTrue(Float.isNaN(got[outLen]), "wrote past the output: " + what);
      float[] twoCalls = new float[outLen];
      v.depthwise2d(in, n, h, w, c, dwK, k, k, 1, st, st, dil, dil, pt, pl, oh, ow, dwB, dwAct, scratch);
      v.conv2d(scratch, n, oh, ow, c, pw, 1, 1, f, 1, 1, 1, 1, 0, 0, oh, ow, 1, pwB, res, pwAct, twoCalls);
      VectorKernelsTest.assertClose(twoCalls, got, outLen, v + " fused against its two calls, " + what);
    }
  }

  @Test
  void theDefaultIsTheTwoCalls() {
    Random r = new Random(23);
    int n = 2, h = 9, w = 11, c = 5, m = 2, f = 7, oh = 5, ow = 6;
    float[] in = random(r, n * h * w * c, 1f), dwK = random(r, 9 * c * m, 0.5f), dwB = random(r, c * m, 0.1f);
    PackedWeights pw = JAVA.packConvKernel(random(r, c * m * f, 0.5f), 1, 1, c * m, f, 1);
    float[] pwB = random(r, f, 0.1f), res = random(r, n * oh * ow * f, 1f);
    float[] mid = new float[n * oh * ow * c * m], expected = new float[n * oh * ow * f];
    JAVA.depthwise2d(in, n, h, w, c, dwK, 3, 3, m, 2, 2, 1, 1, 1, 1, oh, ow, dwB, Activation.RELU6, mid);
    JAVA.conv2d(mid, n, oh, ow, c * m, pw, 1, 1, f, 1, 1, 1, 1, 0, 0, oh, ow, 1, pwB, res, Activation.TANH, expected);
    float[] dwOut = new float[mid.length], got = new float[expected.length];
    JAVA.depthwisePointwise(in, n, h, w, c, dwK, 3, 3, m, 2, 2, 1, 1, 1, 1, oh, ow, dwB, Activation.RELU6, dwOut, pw,
        f, pwB, res, Activation.TANH, got);
    assertArrayEquals(expected, got);
    assertArrayEquals(mid, dwOut);
  }

  private static float[] random(Random r, int n, float scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (r.nextFloat() * 2f - 1f) * scale;
    return x;
  }
}

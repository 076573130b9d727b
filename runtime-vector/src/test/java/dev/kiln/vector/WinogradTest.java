package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.Activation;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Winograd F(2x2, 3x3) convolution + 2x2 max pooling against a direct convolution computed in double (an
 * independent oracle, not another float kernel): batches whose 6-tile blocks span images and end part full, SAME
 * padding (border tiles through the zero-padded patch), odd sizes whose last convolution row or column no window
 * uses, several and partial filter panels, no bias, NaN inputs, on 1, 2 and 3 threads (blocks or filter panels
 * split). Channels and filters are multiples of 16, so that the cases take this path at 256 and at 512 bits.
 */
class WinogradTest {
  private static KernelSet[] kernels;

  @BeforeAll
  static void open() {
    kernels = TestKernelSets.open();
  }

  @AfterAll
  static void close() {
    TestKernelSets.close(kernels);
  }

  @Test
  void convolutionThenPoolingMatchesDirectInDouble() {
    Random r = new Random(7);
    // n, h, w, c, f, same padding, relu, bias, NaN inputs
    int[][] cases = {
      {1, 13, 13, 16, 32, 0, 1, 1, 0}, // the small CNN's conv2 at batch 1: 25 tiles, the last block one tile
      {3, 13, 13, 16, 32, 0, 0, 1, 0}, // blocks across images
      {64, 13, 13, 16, 32, 0, 1, 1, 0}, // blocks split over the threads
      {2, 14, 15, 32, 48, 1, 1, 1, 0}, // SAME: border tiles; 48 filters, a partial last panel at 512 bits
      {1, 9, 12, 16, 16, 1, 0, 0, 0}, // no bias
      {2, 12, 11, 16, 32, 0, 1, 1, 0}, // odd convolution width: its last column is not pooled
      {1, 8, 8, 48, 64, 0, 0, 1, 0},
      {2, 10, 10, 16, 32, 1, 0, 1, 1}, // NaN inputs
    };
    for (int[] k : cases) {
      int n = k[0], h = k[1], w = k[2], c = k[3], f = k[4];
      boolean same = k[5] == 1;
      Activation act = k[6] == 1 ? Activation.RELU : Activation.LINEAR;
      int oh = same ? h : h - 2, ow = same ? w : w - 2, pt = same ? 1 : 0, pl = same ? 1 : 0;
      int poh = oh / 2, pow = ow / 2;
      float[] x = new float[n * h * w * c];
      for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
      if (k[8] == 1) {
        for (int i = 0; i < x.length; i += 131) x[i] = Float.NaN;
      }
      float[] kernel = new float[9 * c * f];
      for (int i = 0; i < kernel.length; i++) kernel[i] = (r.nextFloat() * 2 - 1) / (float) Math.sqrt(9 * c);
      float[] bias = null;
      if (k[7] == 1) {
        bias = new float[f];
        for (int i = 0; i < f; i++) bias[i] = r.nextFloat() - 0.5f;
      }
      double[] expected = reference(x, n, h, w, c, kernel, f, pt, pl, oh, ow, bias, act, poh, pow);
      String what = Arrays.toString(k);
      for (KernelSet ks : kernels) {
        PackedWeights packed = ks.packConvKernel(kernel, 3, 3, c, f, 1);
        assertTrue(Winograd.applies(((VPacked) packed).data, 3, 3, c, f, 1, 1, 1, 1, pt, pl, oh, ow, 1, act, 2, 2, 2, 2, 0, 0, poh,
            pow), "Winograd does not take " + what);
        int len = n * poh * pow * f;
        float[] out = new float[len + 1];
        out[len] = 1234.5f;
        ks.conv2dMaxPool(x, n, h, w, c, packed, 3, 3, f, 1, 1, 1, 1, pt, pl, oh, ow, 1, bias, null, act,
            new float[n * oh * ow * f], 2, 2, 2, 2, 0, 0, poh, pow, out);
        assertClose(expected, out, len, ks + " " + what);
        assertEquals(1234.5f, out[len], "wrote past the output");
      }
    }
  }

  private static float[] data(PackedWeights packed) {
    return ((VPacked) packed).data;
  }

  /** The packing carries transformed weights for 3x3, one group, whole vectors of channels and filters only. */
  @Test
  void packingCarriesTransformedWeightsOnlyWhereTheyApply() {
    KernelSet ks = kernels[0];
    int vl = Sgemm.VL;
    assertTrue(Winograd.offset(data(ks.packConvKernel(new float[9 * vl * vl], 3, 3, vl, vl, 1)), 3, 3, vl, vl, 1) > 0);
    assertEquals(-1, Winograd.offset(data(ks.packConvKernel(new float[9 * 3 * vl], 3, 3, 3, vl, 1)), 3, 3, 3, vl, 1));
    assertEquals(-1, Winograd.offset(data(ks.packConvKernel(new float[9 * vl * 5], 3, 3, vl, 5, 1)), 3, 3, vl, 5, 1));
    assertEquals(-1, Winograd.offset(data(ks.packConvKernel(new float[25 * vl * vl], 5, 5, vl, vl, 1)), 5, 5, vl, vl, 1));
    assertEquals(-1,
        Winograd.offset(data(ks.packConvKernel(new float[9 * vl * 2 * vl], 3, 3, vl, 2 * vl, 2)), 3, 3, vl, 2 * vl, 2));
  }

  /** Convolution, bias and activation per output in double, then the 2x2 stride-2 maximum (NaN wins, as Math.max). */
  private static double[] reference(float[] x, int n, int h, int w, int c, float[] kernel, int f, int pt, int pl,
      int oh, int ow, float[] bias, Activation act, int poh, int pow) {
    double[] conv = new double[n * oh * ow * f];
    for (int b = 0; b < n; b++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          for (int co = 0; co < f; co++) {
            double sum = bias == null ? 0 : bias[co];
            for (int ky = 0; ky < 3; ky++) {
              for (int kx = 0; kx < 3; kx++) {
                int y = oy - pt + ky, xx = ox - pl + kx;
                if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                for (int ci = 0; ci < c; ci++) {
                  sum += (double) x[((b * h + y) * w + xx) * c + ci] * kernel[((ky * 3 + kx) * c + ci) * f + co];
                }
              }
            }
            conv[((b * oh + oy) * ow + ox) * f + co] = act == Activation.RELU ? Math.max(sum, 0) : sum;
          }
        }
      }
    }
    double[] out = new double[n * poh * pow * f];
    for (int b = 0; b < n; b++) {
      for (int py = 0; py < poh; py++) {
        for (int px = 0; px < pow; px++) {
          for (int co = 0; co < f; co++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int dy = 0; dy < 2; dy++) {
              for (int dx = 0; dx < 2; dx++) {
                m = Math.max(m, conv[((b * oh + 2 * py + dy) * ow + 2 * px + dx) * f + co]);
              }
            }
            out[((b * poh + py) * pow + px) * f + co] = m;
          }
        }
      }
    }
    return out;
  }

  /**
   * Within {@code 1e-5} of the outputs' rms (about 20 float roundings of it; the double reference has none to
   * speak of), NaN exactly where the reference has NaN.
   */
  private static void assertClose(double[] expected, float[] actual, int n, String what) {
    double ss = 0;
    int finite = 0;
    for (int i = 0; i < n; i++) {
      if (!Double.isNaN(expected[i])) {
        ss += expected[i] * expected[i];
        finite++;
      }
    }
    double tol = 1e-5 * Math.sqrt(ss / Math.max(finite, 1));
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(expected[i]) != Float.isNaN(actual[i])) {
        fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
      }
      if (!(Math.abs(expected[i] - actual[i]) <= tol) && !Double.isNaN(expected[i])) {
        fail(what + ": element " + i + " expected " + expected[i] + " got " + actual[i] + " (tolerance " + tol + ")");
      }
    }
  }
}

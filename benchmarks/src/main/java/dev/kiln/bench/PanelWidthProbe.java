package dev.kiln.bench;

import dev.kiln.kernels.Gemm;
import java.util.Locale;
import java.util.Random;

/**
 * An experiment for the kernel owners, not a benchmark: {@code Gemm.matmul}'s algorithm (B rows copied 4 at a time
 * into scratch rows indexed from 0, one-row x 4-k inner loop over blocks of 8 C rows) re-implemented here with the
 * panel width as a parameter, timed alternately in one JVM so that machine load hits every width alike. Kiln's
 * {@code Gemm.panelWidth(k, n)} gives 64 columns whenever k >= 512 (32768 / k floats, floor 64), so the inner loop
 * runs over 64 floats (4 AVX-512 vectors).
 * {@code java -cp benchmarks.jar dev.kiln.bench.PanelWidthProbe [M K N]}
 */
public final class PanelWidthProbe {
  private PanelWidthProbe() {}

  public static void main(String[] args) {
    int m = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int k = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    int n = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    Random r = new Random(1);
    float[] a = new float[m * k], b = new float[k * n], c = new float[m * n], ref = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
    for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
    Gemm.matmul(a, b, ref, m, k, n);
    int[] widths = {64, 128, 256, 512};
    for (int w : widths) {
      matmul(a, b, c, m, k, n, w);
      for (int i = 0; i < c.length; i++) {
        if (Math.abs(c[i] - ref[i]) > 1e-3f) throw new AssertionError("width " + w + " differs at " + i);
      }
    }
    double flops = 2.0 * m * k * n;
    System.out.printf(Locale.ROOT, "%dx%dx%d: Gemm.panelWidth = %d%n", m, k, n, Gemm.panelWidth(k, n));
    for (int round = 0; round < 6; round++) {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "round %d  Gemm.matmul %5.1f", round, gflops(() -> Gemm.matmul(a, b, c, m, k, n), flops)));
      for (int w : widths) sb.append(String.format(Locale.ROOT, "  width %d %5.1f", w, gflops(() -> matmul(a, b, c, m, k, n, w), flops)));
      System.out.println(sb.append("  GFLOPS"));
    }
  }

  static double gflops(Runnable r, double flops) {
    long t0 = System.nanoTime();
    int reps = 0;
    while (System.nanoTime() - t0 < 300_000_000L) {
      r.run();
      reps++;
    }
    return flops * reps / (System.nanoTime() - t0);
  }

  static void matmul(float[] a, float[] b, float[] c, int m, int k, int n, int width) {
    float[][] s = new float[12][width];
    for (int j0 = 0; j0 < n; j0 += width) {
      int nb = Math.min(width, n - j0);
      float[] b0 = s[8], b1 = s[9], b2 = s[10], b3 = s[11];
      for (int i0 = 0; i0 < m; i0 += 8) {
        int rows = Math.min(8, m - i0);
        for (int rr = 0; rr < rows; rr++) java.util.Arrays.fill(s[rr], 0, nb, 0f);
        int p = 0;
        for (; p + 4 <= k; p += 4) {
          int bp = p * n + j0;
          System.arraycopy(b, bp, b0, 0, nb);
          System.arraycopy(b, bp + n, b1, 0, nb);
          System.arraycopy(b, bp + 2 * n, b2, 0, nb);
          System.arraycopy(b, bp + 3 * n, b3, 0, nb);
          for (int rr = 0; rr < rows; rr++) {
            int ar = (i0 + rr) * k + p;
            kernel1x4(s[rr], b0, b1, b2, b3, a[ar], a[ar + 1], a[ar + 2], a[ar + 3], nb);
          }
        }
        for (; p < k; p++) {
          System.arraycopy(b, p * n + j0, b0, 0, nb);
          for (int rr = 0; rr < rows; rr++) {
            float av = a[(i0 + rr) * k + p];
            float[] cr = s[rr];
            for (int j = 0; j < nb; j++) cr[j] += av * b0[j];
          }
        }
        for (int rr = 0; rr < rows; rr++) System.arraycopy(s[rr], 0, c, (i0 + rr) * n + j0, nb);
      }
    }
  }

  private static void kernel1x4(float[] c0, float[] b0, float[] b1, float[] b2, float[] b3,
      float a0, float a1, float a2, float a3, int n) {
    for (int j = 0; j < n; j++) c0[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
  }
}

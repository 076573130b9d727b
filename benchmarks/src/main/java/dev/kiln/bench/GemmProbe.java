package dev.kiln.bench;

import dev.kiln.kernels.Gemm;
import java.util.Locale;
import java.util.Random;

/**
 * A quick reproduction, outside JMH: GFLOPS of {@code Gemm.matmul} next to a plain one-row loop with array indices
 * from 0 (what KERNELS.md says C2 vectorizes), in the same JVM so machine load affects both alike. Run it with and
 * without {@code -XX:-UseSuperWord}: a kernel whose time does not change is not vectorized.
 * {@code java -cp benchmarks.jar dev.kiln.bench.GemmProbe [M K N]}
 */
public final class GemmProbe {
  private GemmProbe() {}

  public static void main(String[] args) {
    int m = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int k = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    int n = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    Random r = new Random(1);
    float[] a = new float[m * k], b = new float[k * n], c = new float[m * n], c2 = new float[m * n];
    for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
    for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
    double flops = 2.0 * m * k * n;
    for (int round = 0; round < 8; round++) {
      long t0 = System.nanoTime();
      int reps = 0;
      while (System.nanoTime() - t0 < 500_000_000L) {
        Gemm.matmul(a, b, c, m, k, n);
        reps++;
      }
      double kiln = flops * reps / (System.nanoTime() - t0);
      t0 = System.nanoTime();
      reps = 0;
      while (System.nanoTime() - t0 < 500_000_000L) {
        rowLoop(a, b, c2, m, k, n);
        reps++;
      }
      double plain = flops * reps / (System.nanoTime() - t0);
      System.out.printf(Locale.ROOT, "%dx%dx%d  Gemm.matmul %.1f GFLOPS   plain row loop %.1f GFLOPS%n", m, k, n, kiln, plain);
    }
  }

  /** C row i = sum_p A[i,p] B row p, with the C row and B row copied to arrays indexed from 0. */
  static void rowLoop(float[] a, float[] b, float[] c, int m, int k, int n) {
    float[] crow = new float[n], brow = new float[n];
    for (int i = 0; i < m; i++) {
      java.util.Arrays.fill(crow, 0f);
      for (int p = 0; p < k; p++) {
        System.arraycopy(b, p * n, brow, 0, n);
        axpy(crow, brow, a[i * k + p], n);
      }
      System.arraycopy(crow, 0, c, i * n, n);
    }
  }

  static void axpy(float[] c, float[] b, float s, int n) {
    for (int j = 0; j < n; j++) c[j] += s * b[j];
  }
}

package dev.kiln.kernels;

import dev.kiln.Activation;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;

/**
 * Timing harness (not a test; Maven does not run it). Prints GFLOPS medians for the shapes in Gemm's Javadoc.
 *
 * <pre>
 * mvn -o -q -pl runtime test-compile
 * java -cp runtime/target/classes:runtime/target/test-classes dev.kiln.kernels.GemmBench [threads] [samples]
 * </pre>
 *
 * Each sample times enough calls for about 50 ms; prints the median, min and max of the samples, from wall
 * time and from this thread's CPU time (the latter is less sensitive to other processes on a shared machine,
 * and meaningless for the pooled runs, where the work happens on other threads).
 */
public final class GemmBench {
  private GemmBench() {}

  interface Op {
    void run();
  }

  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int samples = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    System.out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " cpus, pool " + threads);
    WorkerPool pool = WorkerPool.create(threads);
    int[][] shapes = {{512, 512, 512}, {1, 784, 128}, {64, 784, 128}, {3136, 27, 16}, {784, 144, 32},
        {16, 27, 3136}, {32, 144, 784}, {1, 128, 10}, {256, 256, 256}};
    if (args.length > 2) {
      String[] d = args[2].split("x");
      shapes = new int[][] {{Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2])}};
    }
    for (int[] s : shapes) {
      final int m = s[0], k = s[1], n = s[2];
      Random r = new Random(1);
      final float[] a = new float[m * k];
      final float[] b = new float[k * n];
      final float[] bias = new float[n];
      for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
      for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
      final float[] c = new float[m * n];
      final Gemm.Packed packed = Gemm.packWeights(b, k, n);
      String shape = m + "x" + k + "x" + n;
      String only = args.length > 3 ? args[3] : "";
      if (!only.equals("dense")) time("matmul      " + shape, m, k, n, samples, () -> Gemm.matmul(a, b, c, m, k, n));
      if (!only.equals("matmul")) time("dense relu  " + shape, m, k, n, samples, () -> Gemm.dense(a, m, k, packed, n, bias, Activation.RELU, c));
      if (!only.equals("dense")) time("matmul  x" + threads + " " + shape, m, k, n, samples, () -> Gemm.matmul(a, b, c, m, k, n, pool));
      if (!only.equals("matmul")) time("dense   x" + threads + " " + shape, m, k, n, samples,
          () -> Gemm.dense(a, m, k, packed, n, bias, Activation.RELU, c, pool));
    }
    pool.close();
  }

  static void time(String name, int m, int k, int n, int samples, Op op) {
    double flops = 2.0 * m * k * n;
    // warm-up: get the kernels compiled (by C2, not only OSR) before timing
    long t0 = System.nanoTime();
    int calls = 0;
    while (System.nanoTime() - t0 < 1_500_000_000L || calls < 20) {
      op.run();
      calls++;
    }
    double perCall = (System.nanoTime() - t0) / (double) calls;
    int reps = (int) Math.max(1, 50e6 / perCall);
    double[] wall = new double[samples], cpu = new double[samples];
    for (int t = 0; t < samples; t++) {
      long c0 = MX.getCurrentThreadCpuTime();
      long w0 = System.nanoTime();
      for (int i = 0; i < reps; i++) op.run();
      long w1 = System.nanoTime();
      long c1 = MX.getCurrentThreadCpuTime();
      wall[t] = flops * reps / (w1 - w0);
      cpu[t] = flops * reps / Math.max(1, c1 - c0);
    }
    Arrays.sort(wall);
    Arrays.sort(cpu);
    System.out.printf("%-28s wall %6.1f GFLOPS [%5.1f..%5.1f] %8.2f us   cpu %6.1f [%5.1f..%5.1f]%n", name,
        wall[samples / 2], wall[0], wall[samples - 1], flops / wall[samples / 2] / 1e3, cpu[samples / 2], cpu[0],
        cpu[samples - 1]);
  }
}

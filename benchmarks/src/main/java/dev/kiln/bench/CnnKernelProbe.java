package dev.kiln.bench;

import dev.kiln.Activation;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.vector.VectorKernels;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Where the small CNN's time goes, kernel by kernel, outside JMH: each of its five heavy calls (conv 3x3x16 + ReLU,
 * max-pool, conv 3x3x32 + ReLU, max-pool, dense + softmax) timed on its own through a kernel set, median of seven
 * batches after warm-up, with GFLOPS for the convolutions; then each convolution and its pooling as two calls
 * against the fused {@code conv2dMaxPool} call generated sessions make, interleaved. Run it several times: on this VM
 * the same kernels vary by up to 40% from one measurement to the next (see benchmarks/README.md).
 * {@code java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.kiln.bench.CnnKernelProbe [batch [java|vector
 * [threads]]]}
 */
public final class CnnKernelProbe {
  private CnnKernelProbe() {}

  /** Median time of one call over seven batches of {@code reps} calls, after 1.5 s of calls to let C2 compile. */
  private static double medianMicros(Runnable r, int reps) {
    long warm = System.nanoTime();
    while (System.nanoTime() - warm < 1_500_000_000L) r.run();
    double[] t = new double[7];
    for (int j = 0; j < t.length; j++) {
      long s = System.nanoTime();
      for (int i = 0; i < reps; i++) r.run();
      t[j] = (System.nanoTime() - s) / 1e3 / reps;
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }

  /**
   * Per-call times of each runnable over {@code rounds} rounds of {@code reps} calls, the runnables taking turns
   * within each round (so that the VM's drift from one second to the next hits them alike), sorted.
   */
  private static double[][] interleaved(Runnable[] rs, int reps, int rounds) {
    double[][] t = new double[rs.length][rounds];
    for (int round = -5; round < rounds; round++) {
      for (int v = 0; v < rs.length; v++) {
        long s = System.nanoTime();
        for (int i = 0; i < reps; i++) rs[v].run();
        if (round >= 0) t[v][round] = (System.nanoTime() - s) / 1e3 / reps;
      }
    }
    for (double[] a : t) Arrays.sort(a);
    return t;
  }

  private static String quartiles(double[] sorted) {
    int n = sorted.length;
    return String.format(Locale.ROOT, "%.1f [%.1f-%.1f]", sorted[n / 2], sorted[n / 4], sorted[3 * n / 4]);
  }

  private static float[] random(int n, Random r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = r.nextFloat() - 0.5f;
    return a;
  }

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    boolean vector = args.length > 1 && args[1].equals("vector");
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    KernelSet ks = vector ? VectorKernels.FACTORY.create(threads) : JavaKernels.FACTORY.create(threads);
    try {
      Random r = new Random(1);
      float[] x = random(n * 28 * 28, r);
      PackedWeights k1 = ks.packConvKernel(random(9 * 16, r), 3, 3, 1, 16, 1);
      float[] b1 = random(16, r);
      float[] y1 = new float[n * 26 * 26 * 16];
      float[] p1 = new float[n * 13 * 13 * 16];
      PackedWeights k2 = ks.packConvKernel(random(144 * 32, r), 3, 3, 16, 32, 1);
      float[] b2 = random(32, r);
      float[] y2 = new float[n * 11 * 11 * 32];
      float[] p2 = new float[n * 5 * 5 * 32];
      PackedWeights wd = ks.packDenseWeights(random(800 * 10, r), 800, 10);
      float[] bd = random(10, r);
      float[] out = new float[n * 10];
      int reps = Math.max(20, 2000 / n);
      double conv1 = medianMicros(() -> ks.conv2d(x, n, 28, 28, 1, k1, 3, 3, 16, 1, 1, 1, 1, 0, 0, 26, 26, 1, b1, null,
          Activation.RELU, y1), reps);
      double pool1 = medianMicros(() -> ks.maxPool2d(y1, n, 26, 26, 16, 2, 2, 2, 2, 0, 0, 13, 13, p1), reps);
      double conv2 = medianMicros(() -> ks.conv2d(p1, n, 13, 13, 16, k2, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, b2, null,
          Activation.RELU, y2), reps);
      double pool2 = medianMicros(() -> ks.maxPool2d(y2, n, 11, 11, 32, 2, 2, 2, 2, 0, 0, 5, 5, p2), reps);
      double dense = medianMicros(() -> ks.dense(p2, n, 800, wd, 10, bd, Activation.SOFTMAX, out), reps);
      System.out.printf(Locale.ROOT,
          "%s kernels, %d thread(s), batch %d, us: conv1 %.1f (%.1f GFLOPS), pool1 %.1f, conv2 %.1f (%.1f GFLOPS), "
              + "pool2 %.1f, dense %.1f; sum %.1f%n",
          ks.name(), threads, n, conv1, 2.0 * n * 26 * 26 * 16 * 9 / conv1 / 1e3, pool1, conv2,
          2.0 * n * 11 * 11 * 32 * 144 / conv2 / 1e3, pool2, dense, conv1 + pool1 + conv2 + pool2 + dense);
      // each convolution and its pooling: two calls, or the one conv2dMaxPool call generated sessions make
      Runnable[] blocks = {
          () -> {
            ks.conv2d(x, n, 28, 28, 1, k1, 3, 3, 16, 1, 1, 1, 1, 0, 0, 26, 26, 1, b1, null, Activation.RELU, y1);
            ks.maxPool2d(y1, n, 26, 26, 16, 2, 2, 2, 2, 0, 0, 13, 13, p1);
          },
          () -> ks.conv2dMaxPool(x, n, 28, 28, 1, k1, 3, 3, 16, 1, 1, 1, 1, 0, 0, 26, 26, 1, b1, null, Activation.RELU,
              y1, 2, 2, 2, 2, 0, 0, 13, 13, p1),
          () -> {
            ks.conv2d(p1, n, 13, 13, 16, k2, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, b2, null, Activation.RELU, y2);
            ks.maxPool2d(y2, n, 11, 11, 32, 2, 2, 2, 2, 0, 0, 5, 5, p2);
          },
          () -> ks.conv2dMaxPool(p1, n, 13, 13, 16, k2, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, b2, null,
              Activation.RELU, y2, 2, 2, 2, 2, 0, 0, 5, 5, p2)};
      double[][] t = interleaved(blocks, reps / 2 + 1, 31);
      System.out.printf(Locale.ROOT,
          "  conv+pool as two calls / fused, interleaved, median [quartiles] us: block 1 %s / %s, block 2 %s / %s%n",
          quartiles(t[0]), quartiles(t[1]), quartiles(t[2]), quartiles(t[3]));
    } finally {
      ks.close();
    }
  }
}

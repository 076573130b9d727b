package dev.kiln.vector;

import dev.kiln.Activation;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

/**
 * GFLOPS medians, VectorKernels vs JavaKernels (not a test). Run from the module directory after
 * {@code mvn test-compile}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:../runtime/target/classes \
 *     dev.kiln.vector.KernelBench [samples]
 * </pre>
 *
 * Each sample times a batch of calls lasting about 40 ms after a warm-up (3 s or 50000 calls); the median of the
 * samples is printed, by wall time and by the calling thread's CPU time (less sensitive to a loaded machine; for a
 * 2-thread set it leaves out the worker's time, so only the 1-thread columns are given), and the bytes the calling
 * thread allocated per call (should be 0).
 */
public final class KernelBench {
  private KernelBench() {}

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  /** Bytes the calling thread allocated per call in the last {@link #measure}. */
  private static double lastAlloc;
  /** GFLOPS of the last {@link #measure} per second of the calling thread's CPU time (1-thread sets: load-robust). */
  private static double lastCpu;

  public static void main(String[] args) {
    int samples = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    System.out.println(System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", "
        + Runtime.getRuntime().availableProcessors() + " CPUs, " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED
        + ", MR " + Sgemm.MR + " NR " + Sgemm.NR);
    KernelSet[] sets = {JavaKernels.FACTORY.create(1), VectorKernels.FACTORY.create(1), VectorKernels.FACTORY.create(2)};
    String[] names = {"java/1", "vector/1", "vector/2"};
    System.out.printf("%-28s %9s %9s %9s | %9s %9s (caller CPU) | bytes/call %s%n", "GFLOPS (median, wall)", names[0],
        names[1], names[2], names[0], names[1], String.join(" ", names));
    int[][] dense = {{512, 512, 512}, {128, 128, 128}, {1, 784, 128}, {64, 784, 128}};
    for (int[] d : dense) {
      final int[] dd = d;
      row("dense " + d[0] + "x" + d[1] + "x" + d[2], sets, ks -> dense(ks, dd[0], dd[1], dd[2], samples));
    }
    row("conv 3x3 56x56x64->64 SAME", sets, ks -> conv(ks, samples));
    row("depthwise 3x3 112x112x32", sets, ks -> depthwise(ks, samples));
    for (KernelSet k : sets) k.close();
  }

  private static void row(String name, KernelSet[] sets, java.util.function.ToDoubleFunction<KernelSet> bench) {
    double[] g = new double[sets.length];
    double[] cpu = new double[sets.length];
    double[] alloc = new double[sets.length];
    for (int s = 0; s < sets.length; s++) {
      g[s] = bench.applyAsDouble(sets[s]);
      cpu[s] = lastCpu;
      alloc[s] = lastAlloc;
    }
    System.out.printf("%-28s %9.1f %9.1f %9.1f | %9.1f %9.1f              | %.0f %.0f %.0f%n", name, g[0], g[1], g[2],
        cpu[0], cpu[1], alloc[0], alloc[1], alloc[2]);
  }

  private static double depthwise(KernelSet ks, int samples) {
    Random r = new Random(3);
    int h = 112, w = 112, c = 32;
    float[] in = random(r, h * w * c);
    float[] kernel = random(r, 9 * c);
    float[] bias = random(r, c);
    float[] out = new float[h * w * c];
    Runnable op = () -> ks.depthwise2d(in, 1, h, w, c, kernel, 3, 3, 1, 1, 1, 1, 1, 1, 1, h, w, bias, Activation.RELU6,
        out);
    return measure(op, 2.0 * h * w * c * 9, samples);
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2f - 1f;
    return x;
  }

  private static double dense(KernelSet ks, int m, int k, int n, int samples) {
    Random r = new Random(1);
    float[] a = random(r, m * k);
    PackedWeights packed = ks.packDenseWeights(random(r, k * n), k, n);
    float[] bias = random(r, n);
    float[] c = new float[m * n];
    Runnable op = () -> ks.dense(a, m, k, packed, n, bias, Activation.RELU, c);
    return measure(op, 2.0 * m * n * k, samples);
  }

  private static double conv(KernelSet ks, int samples) {
    Random r = new Random(2);
    int h = 56, w = 56, c = 64, f = 64;
    float[] in = random(r, h * w * c);
    PackedWeights packed = ks.packConvKernel(random(r, 9 * c * f), 3, 3, c, f, 1);
    float[] bias = random(r, f);
    float[] out = new float[h * w * f];
    Runnable op = () -> ks.conv2d(in, 1, h, w, c, packed, 3, 3, f, 1, 1, 1, 1, 1, 1, h, w, 1, bias, null,
        Activation.RELU, out);
    return measure(op, 2.0 * h * w * f * 9 * c, samples);
  }

  private static double measure(Runnable op, double flops, int samples) {
    // warm-up: about 1.5 s or 20000 calls, whichever comes first
    long t0 = System.nanoTime();
    for (int i = 0; i < 50000 && System.nanoTime() - t0 < 3_000_000_000L; i++) op.run();
    long once = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long s = System.nanoTime();
      op.run();
      once = Math.min(once, Math.max(1, System.nanoTime() - s));
    }
    int batch = (int) Math.max(1, 40_000_000L / once);
    double[] g = new double[samples];
    double[] cpu = new double[samples];
    for (int s = 0; s < samples; s++) {
      long c0 = THREADS.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      for (int i = 0; i < batch; i++) op.run();
      long ns = System.nanoTime() - start;
      long cns = THREADS.getCurrentThreadCpuTime() - c0;
      g[s] = flops * batch / ns;
      cpu[s] = flops * batch / Math.max(1, cns);
    }
    long a0 = THREADS.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100; i++) op.run();
    lastAlloc = (THREADS.getCurrentThreadAllocatedBytes() - a0) / 100.0;
    Arrays.sort(g);
    Arrays.sort(cpu);
    lastCpu = cpu[samples / 2];
    return g[samples / 2];
  }
}

package dev.kiln.bench;

import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.example.vision.KilnMobileNetV2;
import dev.kiln.vector.VectorKernels;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One JVM's MobileNetV2 session on the Vector API kernels (batch 1, the benchmark's weights), in rounds after a
 * warm-up: per call the wall time, the CPU time of the calling thread and of the kernel set's workers, and the bytes
 * they allocated. Run it in several JVMs to see what makes one JVM's median differ from another's: whether the worker
 * ran beside the caller (wall about the caller's CPU time, each about half the work), took turns with it on one core
 * (wall about the sum of both CPU times), or the kernels still ran unintrinsified code (megabytes per call).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.kiln.bench.ThreadsProbe [threads] [rounds]
 * </pre>
 * ({@code -Dwarmup.ms}, 5000 by default, and 8 s of calls between rounds).
 */
public final class ThreadsProbe {
  private ThreadsProbe() {}

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    MobileNetV2Spec spec = new MobileNetV2Spec();
    float[] in = Data.input(spec.sampleSize());
    float[] out = new float[1000];
    Tensor x = Tensor.wrap(in, 1, 224, 224, 3), y = Tensor.wrap(out, 1, 1000);
    try (KilnMobileNetV2 s = KilnMobileNetV2.open(spec.weights(),
        SessionOptions.defaults().intraOpThreads(threads).kernels(VectorKernels.FACTORY))) {
      callFor(s, x, y, Long.getLong("warmup.ms", 5000));
      long me = Thread.currentThread().getId();
      List<Long> workers = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith("kiln-vector")) workers.add(t.getId());
      }
      int n = 21;
      for (int round = 0; round < rounds; round++) {
        if (round > 0) callFor(s, x, y, 8000);
        double[] wall = new double[n], cpu = new double[n];
        long w0 = cpuOf(mx, workers), b0 = mx.getThreadAllocatedBytes(me) + allocatedBy(mx, workers);
        for (int i = 0; i < n; i++) {
          long c = mx.getCurrentThreadCpuTime(), t = System.nanoTime();
          s.callInto(x, y);
          wall[i] = (System.nanoTime() - t) / 1e6;
          cpu[i] = (mx.getCurrentThreadCpuTime() - c) / 1e6;
        }
        long w1 = cpuOf(mx, workers), b1 = mx.getThreadAllocatedBytes(me) + allocatedBy(mx, workers);
        Arrays.sort(wall);
        Arrays.sort(cpu);
        System.out.printf(Locale.ROOT, "round %d, %d thread(s): wall %.2f ms [%.2f-%.2f], caller CPU %.2f ms, workers' "
            + "CPU %.2f ms per call, %d bytes per call%n", round, threads, wall[n / 2], wall[n / 4], wall[3 * n / 4],
            cpu[n / 2], (w1 - w0) / 1e6 / n, (b1 - b0) / n);
      }
    }
  }

  private static void callFor(KilnMobileNetV2 s, Tensor x, Tensor y, long ms) {
    long end = System.nanoTime() + ms * 1_000_000L;
    while (System.nanoTime() < end) s.callInto(x, y);
  }

  private static long cpuOf(com.sun.management.ThreadMXBean mx, List<Long> ids) {
    long sum = 0;
    for (long id : ids) sum += mx.getThreadCpuTime(id);
    return sum;
  }

  private static long allocatedBy(com.sun.management.ThreadMXBean mx, List<Long> ids) {
    long sum = 0;
    for (long id : ids) sum += mx.getThreadAllocatedBytes(id);
    return sum;
  }
}

package dev.kiln.kernels;

import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.bench.Data;
import dev.kiln.bench.MobileNetV2Spec;
import dev.kiln.example.vision.KilnMobileNetV2;
import dev.kiln.vector.VectorKernels;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * In-JVM A/B of {@link WorkerPool}'s fallback (the caller runs alone for a while once the workers were late): one vector
 * MobileNetV2 session (batch 1, two threads) in alternating rounds with the fallback as it is, with it judging on the
 * count of late tasks alone (no {@link WorkerPool#lateNanos}), and off (a pause of zero), and a one-thread session in
 * the same rounds for reference. Per round: the median wall time and how many calls ran on the caller alone (the
 * workers used under a tenth of the caller's CPU time). In this package because the settings are package-private.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.kiln.kernels.PoolFallbackProbe [rounds] [calls]
 * </pre>
 */
public final class PoolFallbackProbe {
  private PoolFallbackProbe() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long pause = WorkerPool.serialNanos, lateTime = WorkerPool.lateNanos;
    String[] names = {"2t fallback", "2t by count", "2t no fallback", "1t"};
    int variants = names.length;
    MobileNetV2Spec spec = new MobileNetV2Spec();
    Tensor x = Tensor.wrap(Data.input(spec.sampleSize()), 1, 224, 224, 3), y = Tensor.wrap(new float[1000], 1, 1000);
    SessionOptions vector = SessionOptions.defaults().kernels(VectorKernels.FACTORY);
    try (KilnMobileNetV2 two = KilnMobileNetV2.open(spec.weights(), vector.intraOpThreads(2));
        KilnMobileNetV2 one = KilnMobileNetV2.open(spec.weights(), vector.intraOpThreads(1))) {
      List<Long> workers = new ArrayList<>();
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.getName().startsWith("kiln-vector")) workers.add(t.getId());
      }
      for (int i = 0; i < 150; i++) {
        one.callInto(x, y);
        two.callInto(x, y);
      }
      double[][] medians = new double[variants][rounds];
      for (int r = 0; r < rounds; r++) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d:", r));
        // the order within a round alternates so that neither side always follows the other
        for (int k = 0; k < variants; k++) {
          int which = (r % 2 == 0) ? k : variants - 1 - k;
          WorkerPool.serialNanos = which == 2 ? 0 : pause;
          WorkerPool.lateNanos = which == 1 ? 0 : lateTime;
          KilnMobileNetV2 s = which == 3 ? one : two;
          settle(s, x, y, pause);
          double[] wall = new double[calls];
          int alone = 0;
          for (int i = 0; i < calls; i++) {
            long c = mx.getCurrentThreadCpuTime(), w = cpuOf(mx, workers), t = System.nanoTime();
            s.callInto(x, y);
            wall[i] = (System.nanoTime() - t) / 1e6;
            if (cpuOf(mx, workers) - w < (mx.getCurrentThreadCpuTime() - c) / 10) alone++;
          }
          Arrays.sort(wall);
          medians[which][r] = wall[calls / 2];
          line.append(String.format(Locale.ROOT, "  %s %.2f ms (%d/%d alone)", names[which], wall[calls / 2], alone,
              calls));
        }
        System.out.println(line);
      }
      WorkerPool.serialNanos = pause;
      WorkerPool.lateNanos = lateTime;
      StringBuilder summary = new StringBuilder("median of round medians:");
      for (int k = 0; k < variants; k++) {
        Arrays.sort(medians[k]);
        summary.append(String.format(Locale.ROOT, " %s %.2f ms;", names[k], medians[k][rounds / 2]));
      }
      System.out.println(summary);
    }
  }

  /** Outlasts a pause the previous section started (it would carry over), then lets the workers wake. */
  private static void settle(KilnMobileNetV2 s, Tensor x, Tensor y, long pauseNanos) {
    try {
      Thread.sleep(pauseNanos / 1_000_000 + 50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (int i = 0; i < 3; i++) s.callInto(x, y);
  }

  private static long cpuOf(com.sun.management.ThreadMXBean mx, List<Long> ids) {
    long sum = 0;
    for (long id : ids) sum += mx.getThreadCpuTime(id);
    return sum;
  }
}

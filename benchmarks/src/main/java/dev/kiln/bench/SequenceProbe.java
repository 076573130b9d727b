package dev.kiln.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Engines of one sequence configuration side by side in one JVM, interleaved: after a warm-up ({@code -Dwarmup.ms},
 * 5000 by default: until then some JVMs still run Vector API kernels as C1 code, megabytes a call), rounds in which each
 * engine runs for about 200 ms in turn; per engine the median and quartiles over the rounds of its mean time per call,
 * its ratio to the first engine's median, and the bytes the calling thread allocated per call. Interleaving is what
 * makes a comparison hold on a shared machine: every engine meets the same load. Engines of several threads belong in
 * JVMs of their own: ONNX Runtime's intra-op threads keep spinning after its runs and take the cores from the next
 * engine's threads (Kiln's two-thread encoder ran at half speed beside it).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.kiln.bench.SequenceProbe lstm-256-1 \
 *     kiln-vector-1t,ort-1t [rounds]
 * </pre>
 */
public final class SequenceProbe {
  private SequenceProbe() {}

  public static void main(String[] args) throws Exception {
    String[] p = args[0].split("-");
    SequenceSpec spec = SequenceSpec.byName(p[0]);
    int length = Integer.parseInt(p[1]);
    int batch = Integer.parseInt(p[2]);
    String[] engines = args[1].split(",");
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long me = Thread.currentThread().getId();
    Object in = spec.input(batch, length);
    float[] out = new float[batch * spec.outputSize(length)];
    List<SequenceEngine> open = new ArrayList<>();
    for (String e : engines) open.add(SequenceEngines.open(e, spec, batch, length));
    int[] calls = new int[engines.length];
    for (int i = 0; i < engines.length; i++) calls[i] = callsFor(open.get(i), in, out, 200_000_000L);
    long warmUp = System.nanoTime() + Long.getLong("warmup.ms", 5000) * 1_000_000L; // C2 must have compiled the kernels
    while (System.nanoTime() < warmUp) {
      for (int i = 0; i < engines.length; i++) time(open.get(i), in, out, calls[i]);
    }
    // sized again once compiled: the first sizing timed the interpreter's and C1's code
    for (int i = 0; i < engines.length; i++) calls[i] = callsFor(open.get(i), in, out, 200_000_000L);
    double[][] us = new double[engines.length][rounds];
    double[] bytes = new double[engines.length];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < engines.length; i++) {
        long b0 = mx.getThreadAllocatedBytes(me);
        us[i][r] = time(open.get(i), in, out, calls[i]) / 1e3 / calls[i];
        bytes[i] = Math.max(bytes[i], (mx.getThreadAllocatedBytes(me) - b0) / (double) calls[i]);
      }
    }
    double base = Stats.median(us[0]);
    System.out.printf(Locale.ROOT, "%s, %d rounds (load average %.1f)%n", args[0], rounds,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    for (int i = 0; i < engines.length; i++) {
      double[] s = us[i].clone();
      Arrays.sort(s);
      double med = Stats.median(s);
      System.out.printf(Locale.ROOT, "  %-15s median %10.1f us  quartiles %10.1f-%-10.1f  ratio %.2f  bytes/call %.0f%n",
          engines[i], med, s[rounds / 4], s[(3 * rounds) / 4], med / base, bytes[i]);
    }
    for (SequenceEngine e : open) e.close();
  }

  /** How many calls take about {@code nanos}. */
  private static int callsFor(SequenceEngine e, Object in, float[] out, long nanos) throws Exception {
    int n = 1;
    while (true) {
      long t = time(e, in, out, n);
      if (t > nanos / 4 || n > 1 << 20) return (int) Math.max(1, n * (nanos / Math.max(t, 1)));
      n *= 2;
    }
  }

  private static long time(SequenceEngine e, Object in, float[] out, int n) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) e.run(in, out);
    return System.nanoTime() - t0;
  }
}

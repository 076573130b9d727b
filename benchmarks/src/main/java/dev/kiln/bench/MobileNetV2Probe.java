package dev.kiln.bench;

import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import dev.kiln.vector.VectorKernels;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where MobileNetV2's time goes, layer by layer, through a kernel set called directly ({@link MobileNetV2Kernels}),
 * outside JMH. With one thread the layers are timed in the calling thread's CPU time (on a loaded machine wall time
 * also counts the waits for a core), with more in wall time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.kiln.bench.MobileNetV2Probe MODE ...
 *   profile [vector|java] [threads] [batch] [runs]   per layer and per kind of layer: medians over whole-model runs
 *   ab [vector|java] [threads] [batch] [runs]        depthwise + projection as two calls against one
 *                                                    depthwisePointwise call, the two models alternating
 *   jars A.jar B.jar [threads] [batch] [runs]        two builds of kiln-runtime-vector side by side, alternating
 * </pre>
 * {@code -Dfused=true} makes {@code profile} and {@code jars} use {@code depthwisePointwise}; {@code -Dwarmup.ms}
 * sets the warm-up (8 s).
 */
public final class MobileNetV2Probe {
  private MobileNetV2Probe() {}

  public static void main(String[] args) {
    String mode = args.length > 0 ? args[0] : "profile";
    boolean jars = mode.equals("jars");
    int at = jars ? 3 : 2;
    int threads = args.length > at ? Integer.parseInt(args[at]) : 1;
    int batch = args.length > at + 1 ? Integer.parseInt(args[at + 1]) : 1;
    int runs = args.length > at + 2 ? Integer.parseInt(args[at + 2]) : 41;
    boolean fused = Boolean.getBoolean("fused");
    KernelSet[] ks;
    if (jars) {
      ks = new KernelSet[] {load(args[1], threads), load(args[2], threads)};
    } else {
      boolean vector = args.length <= 1 || args[1].equals("vector");
      KernelSet k = vector ? VectorKernels.FACTORY.create(threads) : JavaKernels.FACTORY.create(threads);
      ks = mode.equals("ab") ? new KernelSet[] {k, k} : new KernelSet[] {k};
    }
    System.out.printf(Locale.ROOT, "%s, %d thread(s), batch %d, %s; %s; %s%n", ks[ks.length - 1], threads, batch,
        RunAll.machine(), System.getProperty("kiln.vector.bits") == null ? "default species"
            : "-Dkiln.vector.bits=" + System.getProperty("kiln.vector.bits"), threads == 1 ? "CPU time" : "wall time");
    try {
      if (mode.equals("profile")) {
        profile(ks[0], new MobileNetV2Kernels(ks[0], batch, fused), batch, runs, threads == 1);
      } else {
        MobileNetV2Kernels[] m = {new MobileNetV2Kernels(ks[0], batch, !jars ? false : fused),
            new MobileNetV2Kernels(ks[1], batch, !jars || fused)};
        System.out.println(jars ? "A = " + args[1] + ", B = " + args[2]
            : "A = depthwise + projection as two calls, B = one depthwisePointwise call");
        alternate(ks, m, runs, threads == 1);
      }
    } finally {
      for (KernelSet k : ks) k.close();
    }
  }

  static void profile(KernelSet ks, MobileNetV2Kernels model, int batch, int runs, boolean cpu) {
    float[][] buf = model.buffers();
    int layers = model.layers.size();
    warmUp(() -> model.run(ks, buf, null, false));
    long[][] perRun = new long[runs][layers];
    double[] totals = new double[runs];
    for (int r = 0; r < runs; r++) {
      long t = System.nanoTime();
      model.run(ks, buf, perRun[r], cpu);
      totals[r] = (System.nanoTime() - t) / 1e3;
    }
    double[] med = new double[layers];
    double sum = 0;
    for (int i = 0; i < layers; i++) {
      double[] v = new double[runs];
      for (int r = 0; r < runs; r++) v[r] = perRun[r][i] / 1e3;
      med[i] = Stats.median(v);
      sum += med[i];
    }
    System.out.println("| layer | MMAC | median µs | GFLOPS | share |");
    System.out.println("|---|---:|---:|---:|---:|");
    Map<String, double[]> kinds = new LinkedHashMap<>(); // kind -> {us, macs}
    for (int i = 0; i < layers; i++) {
      MobileNetV2Kernels.Layer l = model.layers.get(i);
      double macs = (double) l.macs * batch;
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f%% |%n", l.name, macs / 1e6, med[i],
          2 * macs / med[i] / 1e3, 100 * med[i] / sum);
      double[] k = kinds.computeIfAbsent(l.kind, x -> new double[2]);
      k[0] += med[i];
      k[1] += macs;
    }
    System.out.println();
    System.out.println("| kind | MMAC | µs (sum of medians) | GFLOPS | share |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (Map.Entry<String, double[]> e : kinds.entrySet()) {
      double[] k = e.getValue();
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.0f | %.1f | %.1f%% |%n", e.getKey(), k[1] / 1e6, k[0],
          2 * k[1] / k[0] / 1e3, 100 * k[0] / sum);
    }
    Arrays.sort(totals);
    System.out.printf(Locale.ROOT, "sum of the layers' medians %.0f µs, %.1f GFLOPS, %.0f MMAC; whole model in wall time: "
        + "median %.0f µs [quartiles %.0f-%.0f]%n", sum, 2.0 * model.macs() / sum / 1e3, model.macs() / 1e6,
        totals[runs / 2], totals[runs / 4], totals[3 * runs / 4]);
  }

  /**
   * Models {@code m[0]} on {@code ks[0]} and {@code m[1]} on {@code ks[1]}, run by run in turn; per kind of layer, the
   * median over the runs of its summed time, and the whole model's.
   */
  static void alternate(KernelSet[] ks, MobileNetV2Kernels[] m, int runs, boolean cpu) {
    float[][] buf = m[0].buffers();
    warmUp(() -> {
      m[0].run(ks[0], buf, null, false);
      m[1].run(ks[1], buf, null, false);
    });
    Map<String, double[][]> kinds = new LinkedHashMap<>(); // kind -> [version][run]
    double[][] total = new double[2][runs];
    for (int r = 0; r < runs; r++) {
      for (int v = 0; v < 2; v++) {
        long[] t = new long[m[v].layers.size()];
        m[v].run(ks[v], buf, t, cpu);
        for (int i = 0; i < t.length; i++) {
          kinds.computeIfAbsent(m[v].layers.get(i).kind, x -> new double[2][runs])[v][r] += t[i] / 1e3;
          total[v][r] += t[i] / 1e3;
        }
      }
    }
    System.out.printf(Locale.ROOT, "µs, medians [quartiles] of %d alternating runs%n", runs);
    kinds.put("whole model", total);
    for (Map.Entry<String, double[][]> e : kinds.entrySet()) {
      double[] a = e.getValue()[0].clone(), b = e.getValue()[1].clone();
      Arrays.sort(a);
      Arrays.sort(b);
      System.out.printf(Locale.ROOT, "%-12s A %8.0f [%.0f-%.0f]  B %8.0f [%.0f-%.0f]  B/A %.3f%n", e.getKey(), a[runs / 2],
          a[runs / 4], a[3 * runs / 4], b[runs / 2], b[runs / 4], b[3 * runs / 4], b[runs / 2] / a[runs / 2]);
    }
  }

  /** {@code VectorKernels.FACTORY} of the kiln-runtime-vector jar at {@code path}, in a class loader of its own. */
  static KernelSet load(String path, int threads) {
    try {
      ClassLoader cl = new java.net.URLClassLoader(new java.net.URL[] {new java.io.File(path).toURI().toURL()},
          MobileNetV2Probe.class.getClassLoader()) {
        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
          if (!name.startsWith("dev.kiln.vector.")) return super.loadClass(name, resolve);
          synchronized (getClassLoadingLock(name)) { // child first for the vector kernels
            Class<?> c = findLoadedClass(name);
            if (c == null) c = findClass(name);
            if (resolve) resolveClass(c);
            return c;
          }
        }
      };
      Object f = Class.forName("dev.kiln.vector.VectorKernels", true, cl).getField("FACTORY").get(null);
      return ((KernelSet.Factory) f).create(threads);
    } catch (ReflectiveOperationException | java.io.IOException e) {
      throw new IllegalStateException("cannot load VectorKernels from " + path, e);
    }
  }

  /** Runs {@code r} for {@code -Dwarmup.ms} (8 s), so that C2 has compiled every kernel path. */
  static void warmUp(Runnable r) {
    long end = System.nanoTime() + Long.getLong("warmup.ms", 8000) * 1_000_000L;
    while (System.nanoTime() < end) r.run();
  }
}

package dev.kiln.bench;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs everything and prints Markdown tables: the output check, the model benchmarks (JMH, with {@code -prof gc}),
 * the GEMM benchmark and the cold starts.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar [--models mlp,cnn,mnv2] [--engines kiln,tf,...] [--quick]
 *     [--no-models] [--no-gemm] [--no-cold] [--forks N] [--out FILE]
 * </pre>
 */
public final class RunAll {
  private RunAll() {}

  /**
   * JMH forks per benchmark (1 unless {@code --forks N}). Each fork is a new JVM, with its own JIT decisions and its
   * own array placement (this VM's medians of one row move by up to a third from one JVM to the next), and the table
   * takes the median over the iterations of all forks.
   */
  private static int forks = 1;

  public static void main(String[] args) throws Exception {
    List<String> models = new ArrayList<>(List.of("mlp", "cnn", "mnv2"));
    List<String> engines = new ArrayList<>(Engines.ALL);
    boolean quick = false, doModels = true, doGemm = true, doCold = true;
    File outFile = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--models": models = List.of(args[++i].split(",")); break;
        case "--engines": engines = List.of(args[++i].split(",")); break;
        case "--quick": quick = true; break;
        case "--no-models": doModels = false; break;
        case "--no-gemm": doGemm = false; break;
        case "--no-cold": doCold = false; break;
        case "--out": outFile = new File(args[++i]); break;
        case "--forks": forks = positive("--forks", args, ++i); break;
        default: throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("Measured ").append(LocalDate.now()).append(" on ").append(machine()).append("\n\n");

    List<String> configs = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (String m : models) {
      ModelSpec spec = ModelSpec.byName(m);
      if (spec == null) {
        skipped.add(m);
        continue;
      }
      for (int b : Check.batches(m)) configs.add(m + "-" + b);
    }
    if (doModels && !configs.isEmpty()) {
      // 1. outputs agree before any timing
      StringBuilder check = new StringBuilder("| model | batch | engine | max abs diff vs Kiln compiled |\n|---|---:|---|---:|\n");
      for (String c : configs) {
        String m = c.substring(0, c.indexOf('-'));
        int b = Integer.parseInt(c.substring(c.indexOf('-') + 1));
        for (String e : engines) {
          if (e.equals("kiln")) continue;
          double d = Check.maxDiff(ModelSpec.byName(m), e, b);
          check.append(String.format(Locale.ROOT, "| %s | %d | %s | %.2e |%n", m, b, e, d));
          if (!(d <= Check.TOLERANCE)) {
            System.out.println(check);
            throw new IllegalStateException(c + " " + e + " differs from Kiln by " + d);
          }
        }
      }
      System.out.println(check);

      // 2. models
      ChainedOptionsBuilder o = base(quick).include(ModelBench.class.getName() + ".infer")
          .param("config", configs.toArray(new String[0]))
          .param("engine", engines.toArray(new String[0]))
          .addProfiler(GCProfiler.class);
      Collection<RunResult> rr = new Runner(o.build()).run();
      md.append(modelTable(rr, configs, engines, quick));
      md.append("\nOutputs checked before timing (seeded weights and input; Kiln compiled is the reference):\n\n").append(check);
      if (!skipped.isEmpty()) md.append("\nNot measured (model not compiled into this jar): ").append(skipped).append('\n');
    }
    if (doGemm) {
      ChainedOptionsBuilder o = base(quick).include(GemmBench.class.getName() + ".mult");
      Collection<RunResult> rr = new Runner(o.build()).run();
      java.util.Set<String> shapes = new java.util.LinkedHashSet<>();
      for (RunResult r : rr) shapes.add(r.getParams().getParam("mkn"));
      md.append('\n').append(gemmTable(rr, OpenBlasReference.measure(shapes, quick)));
    }
    if (doCold) {
      int runs = quick ? 3 : 10;
      md.append('\n').append(coldTable(ColdStart.measure(runs), runs));
    }
    System.out.println("\n\n" + md);
    if (outFile != null) Files.write(outFile.toPath(), md.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** {@code args[i]} as a count of at least 1, or an error naming the option and the value given. */
  private static int positive(String option, String[] args, int i) {
    String v = i < args.length ? args[i] : "nothing";
    try {
      int n = Integer.parseInt(v);
      if (n >= 1) return n;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + " expects a whole number of at least 1, got " + v);
  }

  /**
   * Warm-up iterations of 1 s. Five, not three: on a loaded 2-vCPU machine C2 falls behind, and after 4–5 s of calls
   * some JVMs still ran Vector API kernels as C1 code (megabytes allocated per MobileNetV2 call, 2–5x slower; see
   * ThreadsProbe and benchmarks/README.md).
   */
  private static final int WARM_UP_ITERATIONS = 5;

  static ChainedOptionsBuilder base(boolean quick) {
    return new OptionsBuilder().forks(forks).jvmArgsAppend("--add-modules", "jdk.incubator.vector")
        .warmupIterations(quick ? 1 : WARM_UP_ITERATIONS).warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 2 : 5).measurementTime(TimeValue.seconds(1))
        .shouldFailOnError(false);
  }

  static String machine() {
    String cpu = "?", isa = "neither AVX2 nor AVX-512";
    try {
      for (String l : Files.readAllLines(new File("/proc/cpuinfo").toPath())) {
        if (l.startsWith("model name") && cpu.equals("?")) cpu = l.substring(l.indexOf(':') + 1).trim();
        if (l.startsWith("flags")) {
          isa = l.contains(" avx512f") ? "AVX-512" : l.contains(" avx2") ? "AVX2" : isa;
          break;
        }
      }
    } catch (Exception ignored) {
      // not Linux
    }
    return String.format(Locale.ROOT, "%s (**%s**), %d vCPU, %s, JDK %s (%s), %s", cpu, isa,
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        System.getProperty("java.version"), System.getProperty("java.vm.name"), vectorWidth());
  }

  /** The width of kiln-runtime-vector's vectors in this JVM (its toString names the lanes). */
  private static String vectorWidth() {
    try {
      dev.kiln.kernels.KernelSet ks = dev.kiln.vector.VectorKernels.FACTORY.create(1);
      String s = ks.toString();
      ks.close();
      int at = s.indexOf("lanes=");
      int bits = 32 * Integer.parseInt(s.substring(at + 6, s.indexOf('}', at)));
      return "Vector API kernels at " + bits + " bits"
          + (System.getProperty("kiln.vector.bits") == null ? " (the default)" : " (-Dkiln.vector.bits)");
    } catch (LinkageError e) {
      return "no Vector API (run with --add-modules jdk.incubator.vector)";
    }
  }

  /** Per-iteration primary scores of a result. */
  static double[] scores(RunResult r) {
    List<Double> v = new ArrayList<>();
    for (BenchmarkResult br : r.getBenchmarkResults()) {
      for (IterationResult ir : br.getIterationResults()) v.add(ir.getPrimaryResult().getScore());
    }
    return v.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static double allocNorm(RunResult r) {
    for (Map.Entry<String, Result> e : r.getAggregatedResult().getSecondaryResults().entrySet()) {
      if (e.getKey().endsWith("gc.alloc.rate.norm")) return e.getValue().getScore();
    }
    return Double.NaN;
  }

  static String modelTable(Collection<RunResult> rr, List<String> configs, List<String> engines, boolean quick) {
    Map<String, RunResult> byKey = new HashMap<>();
    for (RunResult r : rr) {
      BenchmarkParams p = r.getParams();
      byKey.put(p.getParam("config") + "/" + p.getParam("engine"), r);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("### Inference, µs per run (input tensor made and output read inside the run)\n\n");
    sb.append("Machine: ").append(machine()).append(".\n\n");
    sb.append(String.format(Locale.ROOT, "JMH 1.37, %s, %s; median and min–max of the measurement iterations%s; "
        + "ratio = median / Kiln compiled `call` median (above 1 = slower than Kiln); bytes/run = `gc.alloc.rate.norm`.%n%n",
        forks == 1 ? "1 fork" : forks + " forks", quick ? "1 × 1 s warm-up, 2 × 1 s measured (--quick)"
            : WARM_UP_ITERATIONS + " × 1 s warm-up, 5 × 1 s measured", forks == 1 ? "" : " of all forks"));
    sb.append("| model | batch | engine | median µs | min–max µs | ratio to Kiln | bytes/run |\n");
    sb.append("|---|---:|---|---:|---:|---:|---:|\n");
    for (String c : configs) {
      String m = c.substring(0, c.indexOf('-'));
      String b = c.substring(c.indexOf('-') + 1);
      RunResult k = byKey.get(c + "/kiln");
      double kMed = k == null ? Double.NaN : Stats.median(scores(k));
      for (String e : engines) {
        RunResult r = byKey.get(c + "/" + e);
        if (r == null || scores(r).length == 0) {
          sb.append(String.format(Locale.ROOT, "| %s | %s | %s | failed | | | |%n", label(m), b, Engines.describe(e)));
          continue;
        }
        double[] s = scores(r);
        double med = Stats.median(s);
        sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s–%s | %.2f | %s |%n", label(m), b, Engines.describe(e),
            fmt(med), fmt(Stats.min(s)), fmt(Stats.max(s)), med / kMed, bytes(allocNorm(r))));
      }
    }
    return sb.toString();
  }

  static String label(String m) {
    switch (m) {
      case "mlp": return "MLP 784-128-10";
      case "cnn": return "small CNN 28×28×1";
      case "mnv2": return "MobileNetV2 224×224×3";
      default: return m;
    }
  }

  static String fmt(double us) {
    if (us >= 1000) return String.format(Locale.ROOT, "%,.0f", us);
    if (us >= 100) return String.format(Locale.ROOT, "%.0f", us);
    if (us >= 10) return String.format(Locale.ROOT, "%.1f", us);
    return String.format(Locale.ROOT, "%.2f", us);
  }

  static String bytes(double b) {
    if (Double.isNaN(b)) return "?";
    if (b < 1) return "0";
    if (b < 10_000) return String.format(Locale.ROOT, "%.0f", b);
    if (b < 10_000_000) return String.format(Locale.ROOT, "%.0f K", b / 1024);
    return String.format(Locale.ROOT, "%.1f M", b / 1024 / 1024);
  }

  static String gemmTable(Collection<RunResult> rr, OpenBlasReference.Result openBlas) {
    Map<String, Map<String, double[]>> gflops = new LinkedHashMap<>();
    for (RunResult r : rr) {
      String mkn = r.getParams().getParam("mkn");
      String impl = r.getParams().getParam("impl");
      String[] p = mkn.split("x");
      double flops = 2.0 * Long.parseLong(p[0]) * Long.parseLong(p[1]) * Long.parseLong(p[2]);
      double[] s = scores(r);
      double[] g = new double[s.length];
      for (int i = 0; i < s.length; i++) g[i] = flops / (s[i] * 1e3); // µs -> GFLOPS
      gflops.computeIfAbsent(mkn, x -> new LinkedHashMap<>()).put(impl, g);
    }
    if (openBlas.gflops != null) {
      for (Map.Entry<String, double[]> e : openBlas.gflops.entrySet()) {
        Map<String, double[]> row = gflops.get(e.getKey());
        if (row != null) row.put("openblas", e.getValue());
      }
    }
    StringBuilder sb = new StringBuilder("### GEMM, GFLOPS, one thread (C[M,N] = A[M,K] B[K,N])\n\n");
    sb.append("Machine: ").append(machine()).append(".\n\n");
    sb.append("`kiln-matmul` = `Gemm.matmul` (B as given), `kiln-dense` = `Gemm.dense` (B packed once, linear), "
        + "`kiln-vector-dense` = kiln-runtime-vector's `dense` on one thread (B packed once by it), `ejml` = `CommonOps_FDRM.mult`; median and min–max of the iterations; ratio = GFLOPS / Kiln `matmul` GFLOPS.\n\n");
    sb.append(openBlas.gflops != null
        ? "`openblas` = " + openBlas.library + " through NumPy's float32 `matmul` with `OPENBLAS_NUM_THREADS=1`, run by "
            + "`benchmarks/openblas_sgemm.py` right after the JMH runs (same iterations; not JMH; each call includes "
            + "NumPy's overhead of about a microsecond): the native reference on this machine.\n\n"
        : "OpenBLAS reference not measured: " + openBlas.missing + ".\n\n");
    double[] peak = FmaPeak.measure(9);
    sb.append(String.format(Locale.ROOT, "The VM's speed at the time: a Java loop of twelve independent %d-bit FMA "
        + "chains with no memory access (`FmaPeak`, measured right after) ran %.1f GFLOPS (%.1f–%.1f). Native code "
        + "goes further.%n%n", jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(),
        peak[peak.length / 2], peak[0], peak[peak.length - 1]));
    sb.append("| M×K×N | kernel | median GFLOPS | min–max | ratio to Kiln matmul |\n|---|---|---:|---:|---:|\n");
    for (Map.Entry<String, Map<String, double[]>> e : gflops.entrySet()) {
      double[] kiln = e.getValue().get("kiln-matmul");
      double kMed = kiln == null ? Double.NaN : Stats.median(kiln);
      for (Map.Entry<String, double[]> i : e.getValue().entrySet()) {
        double[] g = i.getValue();
        sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f–%.1f | %.2f |%n", e.getKey().replace("x", "×"), i.getKey(),
            Stats.median(g), Stats.min(g), Stats.max(g), Stats.median(g) / kMed));
      }
    }
    return sb.toString();
  }

  static String coldTable(Map<String, double[]> ms, int runs) {
    StringBuilder sb = new StringBuilder("### Cold start: new JVM to the first MLP result (batch 1)\n\n");
    sb.append("Machine: ").append(machine()).append(".\n\n");
    sb.append("Separate processes started with `ProcessBuilder` (same classpath), timed to the child's result line; each "
        + "child builds its engine from the seeded weights; " + runs + " runs per engine, interleaved, after one "
        + "uncounted run each; ratio = median / Kiln median.\n\n");
    sb.append("| engine | median ms | min–max ms | ratio to Kiln |\n|---|---:|---:|---:|\n");
    double k = Stats.median(ms.get("kiln"));
    for (Map.Entry<String, double[]> e : ms.entrySet()) {
      double[] v = e.getValue();
      String name = e.getKey().equals("kiln") ? "Kiln compiled" : e.getKey().equals("tf") ? "TF Java 1.1.0" : "ONNX Runtime 1.20.0";
      sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f–%.0f | %.2f |%n", name, Stats.median(v), Stats.min(v), Stats.max(v),
          Stats.median(v) / k));
    }
    return sb.toString();
  }
}

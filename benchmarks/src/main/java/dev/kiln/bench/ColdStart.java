package dev.kiln.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cold start: starts a new JVM ({@link FirstResult}, same classpath) per run and times from
 * {@code ProcessBuilder.start()} to the child's {@code result} line. Runs are interleaved across engines.
 */
public final class ColdStart {
  private ColdStart() {}

  public static final List<String> ENGINES = List.of("kiln", "tf", "ort");

  /** Milliseconds per run, per engine. */
  public static Map<String, double[]> measure(int runs) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    String cp = System.getProperty("java.class.path");
    Map<String, double[]> out = new LinkedHashMap<>();
    for (String e : ENGINES) out.put(e, new double[runs]);
    for (String e : ENGINES) once(java, cp, e); // first runs unpack native libraries: not counted
    for (int r = 0; r < runs; r++) {
      for (String e : ENGINES) out.get(e)[r] = once(java, cp, e);
    }
    return out;
  }

  static double once(String java, String cp, String engine) throws Exception {
    List<String> cmd = new ArrayList<>(Arrays.asList(java, "-cp", cp, FirstResult.class.getName(), engine));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
    long t0 = System.nanoTime();
    Process p = pb.start();
    double ms = -1;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("result ") && ms < 0) ms = (System.nanoTime() - t0) / 1e6;
      }
    }
    int rc = p.waitFor();
    if (ms < 0 || rc != 0) throw new IllegalStateException("cold start of " + engine + " failed (exit " + rc + ")");
    return ms;
  }

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    for (Map.Entry<String, double[]> e : measure(runs).entrySet()) {
      double[] v = e.getValue().clone();
      Arrays.sort(v);
      System.out.printf("%-5s median %.0f ms (min %.0f, max %.0f)%n", e.getKey(), Stats.median(v), v[0], v[v.length - 1]);
    }
  }
}

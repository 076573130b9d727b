package dev.kiln.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * OpenBLAS's one-thread SGEMM on this machine, as the GEMM table's native reference: runs
 * {@code benchmarks/openblas_sgemm.py} (NumPy's float32 matmul, with {@code OPENBLAS_NUM_THREADS=1}) in a child
 * process right after the JMH GEMM benchmark. Optional: without python3 and NumPy the table says so and has no
 * OpenBLAS rows. Not a JMH measurement; each call includes NumPy's call overhead (about a microsecond), which
 * matters only for the 1×784×128 product.
 */
final class OpenBlasReference {
  private OpenBlasReference() {}

  static final String SCRIPT = "benchmarks/openblas_sgemm.py";

  /** GFLOPS per measured iteration by shape ("MxKxN"), and the library's name under the key "library"; or a reason. */
  static Result measure(Collection<String> shapes, boolean quick) {
    if (!new File(SCRIPT).isFile()) return new Result(null, null, SCRIPT + " not found (run from the project root)");
    List<String> cmd = new ArrayList<>();
    cmd.add("python3");
    cmd.add(SCRIPT);
    cmd.add(quick ? "1" : "3");
    cmd.add(quick ? "2" : "5");
    cmd.add("1.0");
    cmd.addAll(shapes);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("OPENBLAS_NUM_THREADS", "1");
    Map<String, double[]> gflops = new LinkedHashMap<>();
    String library = null;
    StringBuilder output = new StringBuilder();
    try {
      Process p = pb.start();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          output.append(line).append('\n');
          String[] f = line.trim().split("\\s+");
          if (f[0].equals("library")) {
            library = line.trim().substring("library".length()).trim();
          } else if (shapes.contains(f[0]) && f.length > 1) {
            double[] g = new double[f.length - 1];
            for (int i = 1; i < f.length; i++) g[i - 1] = Double.parseDouble(f[i]);
            gflops.put(f[0], g);
          }
        }
      }
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return new Result(null, null, "openblas_sgemm.py did not finish");
      }
      if (p.exitValue() != 0 || gflops.isEmpty()) {
        String first = output.length() == 0 ? "no output" : output.toString().split("\n")[0];
        return new Result(null, null, "python3 " + SCRIPT + " exited with " + p.exitValue() + ": " + first);
      }
    } catch (IOException e) {
      return new Result(null, null, "python3 could not be started (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(null, null, "interrupted");
    }
    return new Result(gflops, library, null);
  }

  static final class Result {
    final Map<String, double[]> gflops;
    final String library;
    final String missing;

    Result(Map<String, double[]> gflops, String library, String missing) {
      this.gflops = gflops;
      this.library = library;
      this.missing = missing;
    }
  }
}

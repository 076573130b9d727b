package dev.kiln.conformance;

import dev.kiln.DType;
import dev.kiln.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Comparison and bookkeeping shared by the conformance tests.
 *
 * <p><b>The metric.</b> {@code err = max_i |kiln_i - ref_i| / max(max_i |ref_i|, FLOOR)}: the largest absolute
 * difference relative to the reference output's largest magnitude. It is a relative error where the output has
 * a scale, and becomes an absolute error bounded by {@code tol * FLOOR} where every value of the reference is
 * near 0 (say a ReLU of negative inputs). NaN must match NaN; shapes must match exactly; integer outputs
 * (ArgMax) must be equal. The default tolerance is {@link #TOL} = 1e-4.
 *
 * <p><b>Seeds.</b> Inputs are random from {@link #SEED} (printed once; override with {@code -Dkiln.seed=N}) mixed
 * with a per-case salt, and every failure message names the case and its seed, so a failure replays exactly.
 *
 * <p>Every check is recorded per op family; {@link #report()} prints the largest error per family and writes
 * {@code target/conformance-errors.txt}.
 */
public final class Check {
  private Check() {}

  public static final double TOL = 1e-4;
  public static final double FLOOR = 1e-3;
  public static final long SEED = Long.getLong("kiln.seed", 0x6b696c6eL);

  static {
    System.out.println("[conformance] seed " + SEED + " (replay with -Dkiln.seed=" + SEED + ")");
  }

  private static final Map<String, double[]> WORST = new TreeMap<>(); // family -> {max err, cases}

  /** The random source of one case: the base seed mixed with a salt naming the case. */
  public static Random random(String caseName) {
    return new Random(seedOf(caseName));
  }

  public static long seedOf(String caseName) {
    return SEED * 31 + caseName.hashCode();
  }

  /** Standard-normal values of the given shape. */
  public static Tensor gaussian(Random r, int... shape) {
    float[] d = new float[size(shape)];
    for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
    return Tensor.of(d, shape);
  }

  /** Uniform values in {@code [lo, hi)}. */
  public static Tensor uniform(Random r, float lo, float hi, int... shape) {
    float[] d = new float[size(shape)];
    for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * r.nextFloat();
    return Tensor.of(d, shape);
  }

  public static int size(int... shape) {
    int n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  /** The metric above. */
  public static double error(Tensor kiln, Tensor ref) {
    if (!Arrays.equals(kiln.shape(), ref.shape())) return Double.POSITIVE_INFINITY;
    if (kiln.dtype() != DType.FLOAT32 || ref.dtype() != DType.FLOAT32) {
      return Arrays.equals(kiln.toIntArray(), ref.toIntArray()) ? 0 : Double.POSITIVE_INFINITY;
    }
    float[] a = kiln.toFloatArray();
    float[] b = ref.toFloatArray();
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      if (Float.isNaN(a[i]) || Float.isNaN(b[i])) {
        if (Float.isNaN(a[i]) != Float.isNaN(b[i])) return Double.POSITIVE_INFINITY;
        continue;
      }
      if (Float.isInfinite(b[i]) || Float.isInfinite(a[i])) {
        if (a[i] != b[i]) return Double.POSITIVE_INFINITY;
        continue;
      }
      diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    return diff / Math.max(scale, FLOOR);
  }

  /** Asserts {@code error(kiln, ref) <= TOL} and records it under {@code family}. */
  public static void close(String family, String caseName, Tensor kiln, Tensor ref) {
    close(family, caseName, kiln, ref, TOL);
  }

  public static void close(String family, String caseName, Tensor kiln, Tensor ref, double tol) {
    double e = error(kiln, ref);
    record(family, e);
    if (!(e <= tol)) {
      throw new AssertionError(family + " / " + caseName + " (seed " + SEED + "): error " + e + " > " + tol
          + worst(kiln, ref)
          + "\n  kiln shape " + Arrays.toString(kiln.shape()) + ": " + head(kiln)
          + "\n  ref  shape " + Arrays.toString(ref.shape()) + ": " + head(ref));
    }
  }

  /** Where the largest difference is, for the failure message. */
  private static String worst(Tensor kiln, Tensor ref) {
    if (!Arrays.equals(kiln.shape(), ref.shape()) || kiln.dtype() != DType.FLOAT32 || ref.dtype() != DType.FLOAT32) {
      return "";
    }
    float[] a = kiln.toFloatArray();
    float[] b = ref.toFloatArray();
    int at = 0;
    for (int i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > Math.abs(a[at] - b[at])) at = i;
    return a.length == 0 ? "" : "\n  largest difference at flat index " + at + ": kiln " + a[at] + ", ref " + b[at];
  }

  private static String head(Tensor t) {
    if (t.dtype() != DType.FLOAT32) return Arrays.toString(Arrays.copyOf(t.toIntArray(), Math.min(8, t.size())));
    return Arrays.toString(Arrays.copyOf(t.toFloatArray(), Math.min(8, t.size())));
  }

  public static synchronized void record(String family, double e) {
    double[] w = WORST.computeIfAbsent(family, k -> new double[2]);
    w[0] = Math.max(w[0], e);
    w[1]++;
  }

  /** Prints the largest error per family so far and writes them to {@code target/conformance-errors.txt}. */
  public static synchronized void report() {
    StringBuilder sb = new StringBuilder(String.format("%-28s %6s %12s%n", "family", "cases", "max error"));
    int total = 0;
    for (Map.Entry<String, double[]> e : WORST.entrySet()) {
      sb.append(String.format("%-28s %6d %12.3e%n", e.getKey(), (int) e.getValue()[1], e.getValue()[0]));
      total += (int) e.getValue()[1];
    }
    sb.append(String.format("%-28s %6d%n", "total", total));
    System.out.print("[conformance] largest error per family (seed " + SEED + ")\n" + sb);
    try {
      Path dir = Path.of("target");
      if (Files.isDirectory(dir)) {
        Files.writeString(dir.resolve("conformance-errors.txt"), sb.toString(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

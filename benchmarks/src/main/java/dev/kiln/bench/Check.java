package dev.kiln.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every engine once per model and batch and compares its output with Kiln's compiled {@code call}:
 * {@code java -cp benchmarks.jar dev.kiln.bench.Check [model ...]} prints the largest differences and exits 1 if
 * any is above {@link #TOLERANCE}. The JMH benchmarks call {@link #verify} in their setup.
 */
public final class Check {
  public static final double TOLERANCE = 1e-4;

  private Check() {}

  /** Largest absolute difference between {@code engine} and Kiln compiled on the seeded input. */
  public static double maxDiff(ModelSpec spec, String engine, int batch) throws Exception {
    float[] in = Data.input(batch * spec.sampleSize());
    float[] ref = new float[batch * spec.outputSize()];
    float[] got = new float[ref.length];
    try (Engine k = Engines.open("kiln", spec, batch); Engine e = Engines.open(engine, spec, batch)) {
      k.run(in, ref);
      e.run(in, got);
      e.run(in, got); // a second run too: stale workspaces would show here
    }
    return maxAbsDiff(ref, got);
  }

  /** The largest {@code |ref[i] - got[i]|}; NaN if any difference is. */
  static double maxAbsDiff(float[] ref, float[] got) {
    double max = 0;
    for (int i = 0; i < ref.length; i++) {
      double d = Math.abs(ref[i] - got[i]);
      if (!(d <= max)) max = d; // NaN propagates
    }
    return max;
  }

  /** Throws if {@code engine} disagrees with Kiln compiled by more than the tolerance. */
  public static void verify(ModelSpec spec, String engine, int batch) throws Exception {
    double d = maxDiff(spec, engine, batch);
    if (!(d <= TOLERANCE)) {
      throw new IllegalStateException(String.format(Locale.ROOT,
          "%s batch %d: %s differs from Kiln compiled by %.3e (tolerance %.0e)", spec.name(), batch, engine, d, TOLERANCE));
    }
  }

  public static int[] batches(String model) {
    return model.equals("mnv2") ? new int[] {1, 8} : new int[] {1, 64};
  }

  public static void main(String[] args) throws Exception {
    List<String> models = args.length > 0 ? List.of(args) : List.of("mlp", "cnn", "mnv2");
    List<String> failures = new ArrayList<>();
    for (String m : models) {
      ModelSpec spec = ModelSpec.byName(m);
      if (spec == null) {
        System.out.println(m + ": not compiled in (its Kiln layers or model class are missing); skipped");
        continue;
      }
      for (int b : batches(m)) {
        for (String e : Engines.ALL) {
          if (e.equals("kiln")) continue;
          double d;
          try {
            d = maxDiff(spec, e, b);
          } catch (Exception ex) {
            failures.add(m + "/" + b + "/" + e + ": " + ex);
            System.out.printf(Locale.ROOT, "%-5s batch %-3d %-11s FAILED %s%n", m, b, e, ex);
            continue;
          }
          boolean ok = d <= TOLERANCE;
          if (!ok) failures.add(m + "/" + b + "/" + e);
          System.out.printf(Locale.ROOT, "%-5s batch %-3d %-11s max |diff| vs Kiln compiled %.3e %s%n", m, b, e, d, ok ? "ok" : "TOO LARGE");
        }
      }
    }
    if (!failures.isEmpty()) {
      System.out.println("FAILED: " + failures);
      System.exit(1);
    }
    System.out.println("all engines agree within " + TOLERANCE);
  }
}

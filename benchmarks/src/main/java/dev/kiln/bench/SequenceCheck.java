package dev.kiln.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every engine once per sequence model, length and batch and compares its output with Kiln's compiled
 * {@code call}, as {@link Check} does for the vision models: {@code java -cp benchmarks.jar
 * dev.kiln.bench.SequenceCheck [lstm encoder]} prints the largest differences and exits 1 if any is above
 * {@link Check#TOLERANCE}. {@link SequenceBench} calls {@link #verify} in its setup.
 */
public final class SequenceCheck {
  private SequenceCheck() {}

  /** Largest absolute difference between {@code engine} and Kiln compiled on the seeded input. */
  public static double maxDiff(SequenceSpec spec, String engine, int batch, int length) throws Exception {
    Object in = spec.input(batch, length);
    float[] ref = new float[batch * spec.outputSize(length)];
    float[] got = new float[ref.length];
    try (SequenceEngine k = SequenceEngines.open("kiln", spec, batch, length);
        SequenceEngine e = SequenceEngines.open(engine, spec, batch, length)) {
      k.run(in, ref);
      e.run(in, got);
      e.run(in, got); // a second run too: stale workspaces would show here
    }
    return Check.maxAbsDiff(ref, got);
  }

  /** Throws if {@code engine} disagrees with Kiln compiled by more than the tolerance. */
  public static void verify(SequenceSpec spec, String engine, int batch, int length) throws Exception {
    double d = maxDiff(spec, engine, batch, length);
    if (!(d <= Check.TOLERANCE)) {
      throw new IllegalStateException(String.format(Locale.ROOT, "%s length %d batch %d: %s differs from Kiln compiled"
          + " by %.3e (tolerance %.0e)", spec.name(), length, batch, engine, d, Check.TOLERANCE));
    }
  }

  public static void main(String[] args) throws Exception {
    List<String> models = args.length > 0 ? List.of(args) : List.of("lstm", "encoder");
    List<String> failures = new ArrayList<>();
    for (String m : models) {
      SequenceSpec spec = SequenceSpec.byName(m);
      for (int length : spec.lengths()) {
        for (int b : spec.batches()) {
          for (String e : Engines.ALL) {
            if (e.equals("kiln")) continue;
            double d;
            try {
              d = maxDiff(spec, e, b, length);
            } catch (Exception ex) {
              failures.add(SequenceSpec.config(m, length, b) + "/" + e + ": " + ex);
              System.out.printf(Locale.ROOT, "%-7s length %-3d batch %-2d %-14s FAILED %s%n", m, length, b, e, ex);
              continue;
            }
            boolean ok = d <= Check.TOLERANCE;
            if (!ok) failures.add(SequenceSpec.config(m, length, b) + "/" + e);
            System.out.printf(Locale.ROOT, "%-7s length %-3d batch %-2d %-14s max |diff| vs Kiln compiled %.3e %s%n", m,
                length, b, e, d, ok ? "ok" : "TOO LARGE");
          }
        }
      }
    }
    if (!failures.isEmpty()) {
      System.out.println("FAILED: " + failures);
      System.exit(1);
    }
    System.out.println("all engines agree within " + Check.TOLERANCE);
  }
}

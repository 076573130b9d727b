package dev.kiln.bench;

import java.util.Arrays;
import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How fast one core reads an array that lives in its L2 cache, as Java vector code: the floor of a batch-1 recurrent
 * step, which reads its whole recurrent kernel (the LSTM benchmark's 128x512 floats, 256 KB: more than L1, less than
 * L2) once per step and does too little arithmetic to hide the reads. Eight independent sums, nothing stored.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp benchmarks.jar dev.kiln.bench.StreamPeak [kilobytes ...]
 * </pre>
 */
final class StreamPeak {
  private StreamPeak() {}

  /** The kernels' default species (kiln-runtime-vector's README); a constant, as C2 needs it to be. */
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

  /** One pass over {@code a}, eight vectors at a time. */
  private static float pass(float[] a) {
    int vl = S.length();
    FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    for (int i = 0; i + 8 * vl <= a.length; i += 8 * vl) {
      c0 = c0.add(FloatVector.fromArray(S, a, i));
      c1 = c1.add(FloatVector.fromArray(S, a, i + vl));
      c2 = c2.add(FloatVector.fromArray(S, a, i + 2 * vl));
      c3 = c3.add(FloatVector.fromArray(S, a, i + 3 * vl));
      c4 = c4.add(FloatVector.fromArray(S, a, i + 4 * vl));
      c5 = c5.add(FloatVector.fromArray(S, a, i + 5 * vl));
      c6 = c6.add(FloatVector.fromArray(S, a, i + 6 * vl));
      c7 = c7.add(FloatVector.fromArray(S, a, i + 7 * vl));
    }
    return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).reduceLanes(VectorOperators.ADD);
  }

  /** GB/s of {@code rounds} timed rounds of about 0.2 s each over an array of {@code kb} KB, sorted. */
  static double[] measure(int kb, int rounds) {
    float[] a = new float[kb * 256];
    for (int i = 0; i < a.length; i++) a[i] = i % 7;
    float sink = 0;
    int passes = Math.max(1, (int) (40_000_000L / a.length));
    for (int w = 0; w < 20; w++) {
      for (int p = 0; p < passes; p++) sink += pass(a);
    }
    double[] g = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t = System.nanoTime();
      for (int p = 0; p < passes; p++) sink += pass(a);
      g[r] = 4.0 * a.length * passes / (System.nanoTime() - t);
    }
    if (sink == 42f) System.out.print(""); // keeps the result alive
    Arrays.sort(g);
    return g;
  }

  public static void main(String[] args) {
    int[] sizes = args.length == 0 ? new int[] {16, 256, 1024} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    for (int kb : sizes) {
      double[] g = measure(kb, 9);
      System.out.printf(Locale.ROOT, "read %5d KB, %d-bit vectors: median %6.1f GB/s (%.1f-%.1f)%n", kb,
          S.vectorBitSize(), g[g.length / 2], g[0], g[g.length - 1]);
    }
  }
}

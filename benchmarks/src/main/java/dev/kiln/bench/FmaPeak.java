package dev.kiln.bench;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * How fast this VM runs Java vector code right now: twelve independent FMA chains on the preferred species (more
 * than the FMA latency times the FMA ports), nothing loaded or stored. The GEMM table prints it next to the kernels
 * because this VM's speed moves by up to half from one minute to the next. It is what C2 reaches, not the core's
 * peak: the same loop in C (gcc -O2, AVX2 intrinsics) measured 1.1-1.5x more, up to 100 GFLOPS (32 flops a cycle).
 */
final class FmaPeak {
  private FmaPeak() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /** Twelve chains of {@code n} FMAs; returns a sum so that C2 keeps them. */
  private static float chains(int n) {
    FloatVector x = FloatVector.broadcast(S, 0.999f), y = FloatVector.broadcast(S, 1e-4f);
    FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    FloatVector a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    for (int i = 0; i < n; i++) {
      a0 = a0.fma(x, y);
      a1 = a1.fma(x, y);
      a2 = a2.fma(x, y);
      a3 = a3.fma(x, y);
      a4 = a4.fma(x, y);
      a5 = a5.fma(x, y);
      a6 = a6.fma(x, y);
      a7 = a7.fma(x, y);
      a8 = a8.fma(x, y);
      a9 = a9.fma(x, y);
      a10 = a10.fma(x, y);
      a11 = a11.fma(x, y);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
        .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
  }

  /** GFLOPS of {@code rounds} timed rounds of about 0.2 s each, after a warm-up; sorted. */
  static double[] measure(int rounds) {
    float sink = 0;
    for (int w = 0; w < 30; w++) sink += chains(1_000_000);
    int n = 5_000_000;
    double[] g = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t = System.nanoTime();
      sink += chains(n);
      g[r] = 12.0 * 2 * S.length() * n / (System.nanoTime() - t);
    }
    if (sink == 42f) System.out.print(""); // keeps the result alive
    Arrays.sort(g);
    return g;
  }

  public static void main(String[] args) {
    double[] g = measure(9);
    System.out.printf("FMA peak, one core, %d-bit vectors: median %.1f GFLOPS (%.1f-%.1f)%n", S.vectorBitSize(),
        g[g.length / 2], g[0], g[g.length - 1]);
  }
}

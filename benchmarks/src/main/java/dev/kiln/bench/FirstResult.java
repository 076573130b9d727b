package dev.kiln.bench;

/**
 * The child process of {@link ColdStart}: opens {@code engine} (kiln, tf or ort) on the MLP with the seeded
 * weights, runs one batch-1 inference and prints {@code result <class>}. Everything from JVM start to that line is
 * what a user waits for.
 */
public final class FirstResult {
  private FirstResult() {}

  public static void main(String[] args) throws Exception {
    String engine = args.length > 0 ? args[0] : "kiln";
    ModelSpec spec = new MlpSpec();
    float[] in = Data.input(spec.sampleSize());
    float[] out = new float[spec.outputSize()];
    try (Engine e = Engines.open(engine, spec, 1)) {
      e.run(in, out);
    }
    int best = 0;
    for (int i = 1; i < out.length; i++) if (out[i] > out[best]) best = i;
    System.out.println("result " + best);
    System.out.flush();
    // TF's and ORT's native teardown is not part of the figure: the parent stops timing at the line above.
    System.exit(0);
  }
}

package dev.kiln.bench;

/**
 * One engine running one sequence model at one batch size and length. {@link #run} does what a user's code does per
 * inference: make the engine's input tensor from {@code input} (the spec's {@link SequenceSpec#input}: token ids as
 * an {@code int[]} or features as a {@code float[]}, row-major), run, and read the result into {@code output}.
 */
public interface SequenceEngine extends AutoCloseable {
  void run(Object input, float[] output) throws Exception;

  @Override
  default void close() throws Exception {}
}

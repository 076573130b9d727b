package dev.kiln.bench;

/**
 * One engine running one model at one batch size. {@link #run} does what a user's code would do per inference:
 * make the engine's input tensor from {@code input} (NHWC, row-major), run, and read the result into
 * {@code output}.
 */
public interface Engine extends AutoCloseable {
  void run(float[] input, float[] output) throws Exception;

  @Override
  default void close() throws Exception {}
}

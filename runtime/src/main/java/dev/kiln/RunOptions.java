package dev.kiln;

/**
 * Options of one {@link Session#run} call (TensorFlow's {@code RunOptions}). Immutable.
 *
 * <pre>{@code
 * RunMetadata meta = new RunMetadata();
 * session.run(y, feeds, RunOptions.trace(), meta);
 * Files.write(Paths.get("trace.json"), meta.toChromeTraceJson().getBytes(UTF_8));   // chrome://tracing
 * }</pre>
 */
public final class RunOptions {
  private static final RunOptions DEFAULTS = new RunOptions(false);
  private static final RunOptions TRACE = new RunOptions(true);

  private final boolean tracing;

  private RunOptions(boolean tracing) {
    this.tracing = tracing;
  }

  /** No tracing. */
  public static RunOptions defaults() {
    return DEFAULTS;
  }

  /** Records one {@link RunMetadata.StepStats} per executed node (TensorFlow's {@code FULL_TRACE}). */
  public static RunOptions trace() {
    return TRACE;
  }

  public boolean isTracing() {
    return tracing;
  }

  @Override
  public String toString() {
    return tracing ? "RunOptions.trace()" : "RunOptions.defaults()";
  }
}

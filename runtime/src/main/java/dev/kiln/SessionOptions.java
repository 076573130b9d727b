package dev.kiln;

/**
 * Options of a session (TensorFlow's {@code ConfigProto}). Immutable: {@link #intraOpThreads(int)} returns a
 * copy.
 *
 * <pre>{@code
 * KilnMlp session = KilnMlp.open(weights, SessionOptions.defaults().intraOpThreads(2));
 * }</pre>
 */
public final class SessionOptions {
  private final int intraOpThreads;

  private SessionOptions(int intraOpThreads) {
    this.intraOpThreads = intraOpThreads;
  }

  /** One intra-op thread per available processor. */
  public static SessionOptions defaults() {
    return new SessionOptions(Runtime.getRuntime().availableProcessors());
  }

  /** A copy that uses at most {@code n} threads inside one op; {@link IllegalArgumentException} if {@code n < 1}. */
  public SessionOptions intraOpThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("intraOpThreads must be at least 1, got " + n);
    return new SessionOptions(n);
  }

  /** How many threads one op may use. */
  public int intraOpThreads() {
    return intraOpThreads;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionOptions && ((SessionOptions) o).intraOpThreads == intraOpThreads;
  }

  @Override
  public int hashCode() {
    return intraOpThreads;
  }

  @Override
  public String toString() {
    return "SessionOptions{intraOpThreads=" + intraOpThreads + "}";
  }
}

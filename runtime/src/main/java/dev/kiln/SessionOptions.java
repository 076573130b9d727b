package dev.kiln;

import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;

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
  private final KernelSet.Factory kernels;

  private SessionOptions(int intraOpThreads, KernelSet.Factory kernels) {
    this.intraOpThreads = intraOpThreads;
    this.kernels = kernels;
  }

  /** One intra-op thread per available processor, pure-Java kernels. */
  public static SessionOptions defaults() {
    return new SessionOptions(Runtime.getRuntime().availableProcessors(), JavaKernels.FACTORY);
  }

  /** A copy that uses at most {@code n} threads inside one op; {@link IllegalArgumentException} if {@code n < 1}. */
  public SessionOptions intraOpThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("intraOpThreads must be at least 1, got " + n);
    return new SessionOptions(n, kernels);
  }

  /**
   * A copy whose sessions run the heavy kernels from {@code factory}, for example the Vector API kernels of
   * {@code kiln-runtime-vector}: {@code SessionOptions.defaults().kernels(VectorKernels.FACTORY)}.
   */
  public SessionOptions kernels(KernelSet.Factory factory) {
    if (factory == null) throw new IllegalArgumentException("kernels: factory is null");
    return new SessionOptions(intraOpThreads, factory);
  }

  /** The factory of the sessions' kernel sets. */
  public KernelSet.Factory kernels() {
    return kernels;
  }

  /** How many threads one op may use. */
  public int intraOpThreads() {
    return intraOpThreads;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SessionOptions && ((SessionOptions) o).intraOpThreads == intraOpThreads
        && ((SessionOptions) o).kernels == kernels;
  }

  @Override
  public int hashCode() {
    return intraOpThreads;
  }

  @Override
  public String toString() {
    return "SessionOptions{intraOpThreads=" + intraOpThreads + ", kernels=" + kernels + "}";
  }
}

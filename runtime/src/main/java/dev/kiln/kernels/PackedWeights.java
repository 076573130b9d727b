package dev.kiln.kernels;

/**
 * Constant weights a {@link KernelSet} packed for its own kernels when a session opened
 * ({@link KernelSet#packDenseWeights}, {@link KernelSet#packConvKernel}): an opaque handle that the session keeps and
 * passes back to the kernel set that made it, so that each kernel set can hold the layout its kernels read (row arrays
 * for the pure-Java GEMM, vector panels for the Vector API kernels) without looking anything up per call. A kernel
 * set given another kernel set's handle throws an {@link IllegalArgumentException} naming both.
 */
public abstract class PackedWeights {
  private final String kernels;

  /** {@code kernels}: the {@link KernelSet#name} of the kernel set packing them. */
  protected PackedWeights(String kernels) {
    this.kernels = kernels;
  }

  /** The {@link KernelSet#name} of the kernel set that packed these weights. */
  public final String kernels() {
    return kernels;
  }

  /**
   * The exception a kernel set's {@code op} throws when given weights it did not pack ({@code given}, nullable),
   * {@code expected} being its own {@link KernelSet#name}.
   */
  public static IllegalArgumentException foreign(String op, String expected, PackedWeights given) {
    return new IllegalArgumentException(op + ": weights packed by "
        + (given == null ? "no kernel set (null)" : "the '" + given.kernels + "' kernel set")
        + ", expected weights packed by the '" + expected + "' kernel set that runs them");
  }
}

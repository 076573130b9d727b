package dev.kiln.ops;

/**
 * How an op may be fused, in the spirit of TVM's {@code TOpPattern}: the compiler groups nodes into kernel calls by
 * these patterns only, never by op names.
 */
public enum Pattern {
  /** A value the session supplies: placeholder, weight, constant. */
  SOURCE,
  /** The output is the input's data seen with another shape (Reshape, Identity): no code, no copy. */
  ALIAS,
  /**
   * Each output element is a function of the same element of each input (after broadcasting): chains of these run
   * as one loop, through {@link Op#scalarForm()}.
   */
  ELEMENTWISE,
  /**
   * A GEMM or a convolution: a kernel that can finish its own output with an epilogue ({@link Op#epilogue()}: bias,
   * folded batch normalization, residual add, activation) while the values are in cache.
   */
  PRODUCER,
  /** Moves or repeats data without arithmetic (Transpose, Pad, Slice, ConcatV2, Resize). */
  INJECTIVE,
  /** Reduces axes (Mean, Sum, Max, ArgMax) or normalizes along them (Softmax, BatchNorm, LayerNorm). */
  REDUCTION,
  /** Anything else: a kernel call of its own. */
  OPAQUE
}

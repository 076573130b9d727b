package dev.kiln.ops;

/**
 * What happens to the Keras mask (a BOOL {@code [batch, time]} tensor travelling with a sequence tensor) when an op is
 * applied to masked inputs outside a layer that says otherwise.
 */
public enum MaskRule {
  /** The output carries no mask. */
  DROP,
  /** The output carries the mask of its first input (elementwise ops that keep the leading axes). */
  PROPAGATE,
  /** The output carries the logical and of the inputs' masks (binary elementwise ops, merge layers). */
  AND
}

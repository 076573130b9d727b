package dev.kiln.layers;

/** How {@link Bidirectional} combines the forward and backward outputs (Keras {@code merge_mode}). */
public enum MergeMode {
  /** Concatenated along the last axis (the default). */
  CONCAT,
  SUM,
  MUL,
  /** {@code (forward + backward) / 2}. */
  AVE
}

package dev.kiln.importer;

import java.util.Arrays;

/**
 * What kiln-import accepts from a model file before it spends memory on it (README, "Untrusted input"). Sizes that
 * a file declares are checked against these limits and against the bytes actually there.
 */
final class ImportLimits {
  /** Elements of one weight: the largest Java array. */
  static final long MAX_WEIGHT_ELEMENTS = Integer.MAX_VALUE - 8;
  /** Layers of a model, nested models included. */
  static final int MAX_LAYERS = 10_000;
  /** Weights in a model file. */
  static final int MAX_WEIGHTS = 100_000;
  /** Elements of one tensor of the check run at batch 1 (512 MiB of floats). */
  static final long MAX_ACTIVATION_ELEMENTS = 1L << 27;
  /** A .keras archive's model.weights.h5 may inflate to this many bytes plus {@link #MAX_EXPANSION} times its stored size. */
  static final long ALLOWANCE = 64L << 20;
  static final int MAX_EXPANSION = 64;

  private ImportLimits() {}

  /** The element count of a weight's shape, checked: dimensions not negative, the count within the limit. */
  static int weightElements(long[] shape, String what) throws ImportException {
    long n = 1;
    for (long d : shape) {
      if (d < 0) throw new ImportException(what + ": negative dimension " + d + " in shape " + Arrays.toString(shape));
    }
    for (long d : shape) {
      if (d == 0) return 0;
    }
    for (long d : shape) {
      n = d > MAX_WEIGHT_ELEMENTS ? Long.MAX_VALUE : n * d;
      if (n > MAX_WEIGHT_ELEMENTS) {
        throw new ImportException(what + ": shape " + Arrays.toString(shape) + " has more than " + MAX_WEIGHT_ELEMENTS
            + " elements (the largest Java array, a limit of kiln-import)");
      }
    }
    return (int) n;
  }

  static int weightElements(int[] shape, String what) throws ImportException {
    long[] s = new long[shape.length];
    for (int i = 0; i < s.length; i++) s[i] = shape[i];
    return weightElements(s, what);
  }
}

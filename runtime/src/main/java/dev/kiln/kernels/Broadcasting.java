package dev.kiln.kernels;

/**
 * NumPy broadcasting for the kernels of any element type: where an element of a broadcast output reads from an
 * input. Shapes align at the last axis; an input axis of size 1 repeats. No allocation.
 */
public final class Broadcasting {
  private Broadcasting() {}

  /** The flat offset in an input of shape {@code in} of output element {@code flat} of shape {@code out}. */
  public static int offset(int flat, int[] out, int[] in) {
    int offset = 0;
    int stride = 1;
    int rem = flat;
    for (int d = out.length - 1, e = in.length - 1; d >= 0; d--, e--) {
      int idx = rem % out[d];
      rem /= out[d];
      if (e < 0) continue;
      if (in[e] != 1) offset += idx * stride;
      stride *= in[e];
    }
    return offset;
  }

  /** Whether {@code in} is {@code out} itself (no broadcasting: offsets equal the output's). */
  public static boolean same(int[] in, int[] out) {
    return java.util.Arrays.equals(in, out);
  }
}

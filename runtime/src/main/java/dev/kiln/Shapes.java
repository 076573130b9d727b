package dev.kiln;

/**
 * Shape arithmetic shared by eager ops, the graph and the annotation processor. {@code -1} is an unknown
 * (run-time) dimension. Every rule throws {@link IllegalArgumentException} whose message names the op and
 * both shapes, so the processor can report it at the user's source line.
 */
public final class Shapes {
  private Shapes() {}

  /** Normalizes a possibly negative axis for a tensor of rank {@code rank}. */
  public static int axis(int axis, int rank, String op) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank " + rank);
    }
    return a;
  }

  /**
   * Normalizes a list of possibly negative axes for a tensor of rank {@code rank}: the result is sorted and has no
   * duplicates (a duplicate given twice is ignored, as {@code tf.reduce_*} does after normalization).
   */
  public static int[] axes(int[] axes, int rank, String op) {
    if (axes == null) throw new IllegalArgumentException(op + ": axes must not be null");
    boolean[] seen = new boolean[rank];
    int n = 0;
    for (int a : axes) {
      int ax = axis(a, rank, op);
      if (!seen[ax]) {
        seen[ax] = true;
        n++;
      }
    }
    int[] out = new int[n];
    for (int d = 0, j = 0; d < rank; d++) if (seen[d]) out[j++] = d;
    return out;
  }

  /** Product of the dimensions; -1 when any is unknown. */
  public static int size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) return -1;
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("shape " + toString(shape) + " has more than 2^31-1 elements");
      }
    }
    return (int) n;
  }

  /** {@code [1, 2, 3]}, with {@code -1} shown as {@code -1} like Keras' {@code None}. */
  public static String toString(int[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }

  /** NumPy broadcasting of two shapes; unknown dims broadcast with 1 or with each other. */
  public static int[] broadcast(int[] a, int[] b, String op) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da == db) out[i] = da;
      else if (da == 1) out[i] = db;
      else if (db == 1) out[i] = da;
      else if (da == -1 || db == -1) out[i] = da == -1 ? db : da;
      else {
        throw new IllegalArgumentException(
            op + ": shapes " + toString(a) + " and " + toString(b) + " cannot be broadcast (axis " + i + ": " + da + " vs " + db + ")");
      }
    }
    return out;
  }
}

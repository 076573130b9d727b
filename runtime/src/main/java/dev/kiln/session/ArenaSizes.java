package dev.kiln.session;

/**
 * Sizes of a generated session's arena, computed in {@code long} from the run-time dimensions before anything is
 * allocated: a batch whose buffers cannot exist (more than a Java array holds, more than the heap, or what the heap cannot
 * give at the moment) is an
 * {@link IllegalArgumentException} naming the input, the dimension and the bytes it would need, and the session stays
 * usable for smaller batches.
 */
public final class ArenaSizes {
  /** The largest array the JVM reliably allocates. */
  static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private ArenaSizes() {}

  /**
   * Checks the element counts a run needs ({@code floats} of 4 bytes, {@code ints} of 4 bytes each); {@code what}
   * names the run-time dimensions and the input that set them ({@code "batch 100000 (x)"}).
   */
  public static void check(long[] elements, String what) {
    check(elements, what, null, null, null);
  }

  /**
   * As {@link #check(long[], String)} for the run-time dimensions {@code symbols} of the given {@code values}, set by
   * {@code origins} ({@code "batch 3 (axis 0 of x), time 7 (axis 1 of x)"} in a message): nothing is allocated unless
   * it fails, so a session that switches between lengths it has seen allocates nothing.
   */
  public static void check(long[] elements, String[] symbols, int[] values, String[] origins) {
    check(elements, null, symbols, values, origins);
  }

  private static void check(long[] elements, String what, String[] symbols, int[] values, String[] origins) {
    long bytes = 0;
    for (long n : elements) {
      if (n < 0 || n > MAX_ARRAY) {
        throw new IllegalArgumentException(describe(what, symbols, values, origins) + " needs a buffer of " + n + " elements ("
            + human(4 * n) + "), more than a Java array can hold; use a smaller batch");
      }
      bytes += 4 * n;
    }
    // the whole heap, not what is free now: garbage not yet collected must not refuse a batch that fits
    long heap = Runtime.getRuntime().maxMemory();
    if (bytes > heap) {
      throw new IllegalArgumentException(describe(what, symbols, values, origins) + " needs " + human(bytes)
          + " of buffers, more than this JVM's heap of " + human(heap) + "; use a smaller batch or a larger heap (-Xmx)");
    }
  }

  /** {@code current} when it holds {@code n} floats, else a new array. */
  public static float[] floats(float[] current, long n, String what) {
    return current.length >= n ? current : (float[]) allocate(true, n, what, null, null, null);
  }

  /** {@code current} when it holds {@code n} floats, else a new array; the run-time dimensions name the failure. */
  public static float[] floats(float[] current, long n, String[] symbols, int[] values, String[] origins) {
    return current.length >= n ? current : (float[]) allocate(true, n, null, symbols, values, origins);
  }

  /** {@code current} when it holds {@code n} ints, else a new array. */
  public static int[] ints(int[] current, long n, String what) {
    return current.length >= n ? current : (int[]) allocate(false, n, what, null, null, null);
  }

  /** {@code current} when it holds {@code n} ints, else a new array; the run-time dimensions name the failure. */
  public static int[] ints(int[] current, long n, String[] symbols, int[] values, String[] origins) {
    return current.length >= n ? current : (int[]) allocate(false, n, null, symbols, values, origins);
  }

  private static Object allocate(boolean floats, long n, String what, String[] symbols, int[] values, String[] origins) {
    try {
      return floats ? (Object) new float[(int) n] : new int[(int) n];
    } catch (OutOfMemoryError e) {
      throw new IllegalArgumentException(describe(what, symbols, values, origins) + " needs " + human(4 * n)
          + " more, which the heap cannot give", e);
    }
  }

  /** {@code what}, or {@code "batch 3 (axis 0 of x), time 7 (axis 1 of x)"}. */
  private static String describe(String what, String[] symbols, int[] values, String[] origins) {
    if (what != null) return what;
    if (symbols.length == 0) return "the model";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < symbols.length; i++) {
      sb.append(i > 0 ? ", " : "").append(symbols[i]).append(' ').append(values[i]).append(" (").append(origins[i])
          .append(')');
    }
    return sb.toString();
  }

  static String human(long bytes) {
    if (bytes < 1024) return bytes + " bytes";
    if (bytes < 1024L * 1024) return String.format(java.util.Locale.ROOT, "%.1f KB", bytes / 1024.0);
    if (bytes < 1024L * 1024 * 1024) return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    return String.format(java.util.Locale.ROOT, "%.1f GB", bytes / 1073741824.0);
  }
}

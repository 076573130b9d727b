package dev.kiln.graph;

import dev.kiln.Shapes;
import dev.kiln.Tensor;

/**
 * Shapes made of {@link Dim}s: conversions to and from the public {@code int[]} shapes ({@code -1} for a run-time
 * dimension), printing, and the rules several ops share. Every rule failure is an {@link IllegalArgumentException}
 * whose message names the op and the shapes, printed with symbols ({@code [batch, 784]}).
 */
public final class Dims {
  private Dims() {}

  /** The static shape of a tensor: its symbolic dimensions while tracing, its concrete ones otherwise. */
  public static Dim[] of(Tensor t) {
    return t.isSymbolic() ? t.symbol().dims() : Dim.of(t.shape());
  }

  /** {@code -1} for every run-time dimension. */
  public static int[] toInts(Dim[] shape) {
    int[] out = new int[shape.length];
    for (int i = 0; i < out.length; i++) out[i] = shape[i].toInt();
    return out;
  }

  /**
   * A placeholder's dimensions from its {@code @Shape}: {@code -1} at axis 0 is {@link Dim#BATCH}, at axis 1
   * {@link Dim#TIME}; elsewhere it is rejected.
   */
  public static Dim[] ofPlaceholder(String name, int[] shape) {
    Dim[] d = new Dim[shape.length];
    for (int i = 0; i < d.length; i++) {
      if (shape[i] >= 0) {
        d[i] = Dim.of(shape[i]);
      } else if (shape[i] == -1 && i <= 1) {
        d[i] = i == 0 ? Dim.BATCH : Dim.TIME;
      } else {
        throw new IllegalArgumentException("placeholder " + name + " has shape " + Shapes.toString(shape)
            + ": only axis 0 (the batch) and axis 1 (the time) may be -1");
      }
    }
    return d;
  }

  public static boolean isConstant(Dim[] shape) {
    for (Dim d : shape) {
      if (!d.isConstant()) return false;
    }
    return true;
  }

  /** Whether a dimension of the shape is the symbol {@code symbol} or a product holding it. */
  public static boolean mentions(Dim[] shape, String symbol) {
    for (Dim d : shape) {
      if (d.symbols().contains(symbol)) return true;
    }
    return false;
  }

  /** {@code [batch, 28, 28, 1]}. */
  public static String toString(Dim[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }

  /** Reads {@link #toString(Dim[])}'s form ({@code "[batch, 784]"}, {@code "[]"}). */
  public static Dim[] parse(String s) {
    String t = s.trim();
    if (!t.startsWith("[") || !t.endsWith("]")) throw new IllegalArgumentException("bad shape '" + s + "'");
    String body = t.substring(1, t.length() - 1).trim();
    if (body.isEmpty()) return new Dim[0];
    String[] parts = body.split(",");
    Dim[] d = new Dim[parts.length];
    for (int i = 0; i < d.length; i++) d[i] = Dim.parse(parts[i]);
    return d;
  }

  /**
   * Binds the run-time symbols of a static shape to the sizes of a concrete {@code actual} shape (a tensor fed for
   * it), in {@code bindings}; false when the ranks differ, a constant differs, or a symbol is already bound to
   * another size. Products of symbols are checked once all their symbols are bound.
   */
  public static boolean bind(Dim[] shape, int[] actual, java.util.Map<String, Integer> bindings) {
    if (shape.length != actual.length) return false;
    for (int i = 0; i < shape.length; i++) {
      Dim d = shape[i];
      if (d.isSymbol()) {
        Integer bound = bindings.get(d.name());
        if (bound == null) bindings.put(d.name(), actual[i]);
        else if (bound != actual[i]) return false;
      }
    }
    for (int i = 0; i < shape.length; i++) {
      long v = evaluate(shape[i], bindings);
      if (v >= 0 && v != actual[i]) return false;
    }
    return true;
  }

  /** The size of {@code d} with its symbols bound, or -1 when one is not bound. */
  public static long evaluate(Dim d, java.util.Map<String, Integer> bindings) {
    long v = d.coefficient();
    for (String s : d.symbols()) {
      Integer b = bindings.get(s);
      if (b == null) return -1;
      v *= b;
    }
    return v;
  }

  /** The concrete shape of {@code shape} with its symbols bound, or null when one is not bound. */
  public static int[] evaluate(Dim[] shape, java.util.Map<String, Integer> bindings) {
    int[] out = new int[shape.length];
    for (int i = 0; i < out.length; i++) {
      long v = evaluate(shape[i], bindings);
      if (v < 0 || v > Integer.MAX_VALUE) return null;
      out[i] = (int) v;
    }
    return out;
  }

  /** NumPy broadcasting: equal dimensions, or a 1 against anything. */
  public static Dim[] broadcast(Dim[] a, Dim[] b, String op) {
    int rank = Math.max(a.length, b.length);
    Dim[] out = new Dim[rank];
    for (int i = 0; i < rank; i++) {
      Dim da = i < rank - a.length ? Dim.ONE : a[i - (rank - a.length)];
      Dim db = i < rank - b.length ? Dim.ONE : b[i - (rank - b.length)];
      if (da.equals(db)) out[i] = da;
      else if (da.equals(Dim.ONE)) out[i] = db;
      else if (db.equals(Dim.ONE)) out[i] = da;
      else {
        throw new IllegalArgumentException(op + ": shapes " + toString(a) + " and " + toString(b)
            + " cannot be broadcast (axis " + i + ": " + da + " vs " + db + ")");
      }
    }
    return out;
  }

  /** Normalizes a possibly negative axis. */
  public static int axis(int axis, int rank, String op) {
    return Shapes.axis(axis, rank, op);
  }

  /** The concrete shape of a fully known static shape; throws naming the op when a dimension is symbolic. */
  public static int[] concrete(Dim[] shape, String what) {
    int[] out = new int[shape.length];
    for (int i = 0; i < out.length; i++) {
      if (!shape[i].isConstant()) {
        throw new IllegalArgumentException(what + ": dimension " + i + " of " + toString(shape)
            + " is only known at run time");
      }
      out[i] = shape[i].value();
    }
    return out;
  }
}

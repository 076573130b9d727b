package dev.kiln.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One dimension of a static shape: a constant ({@code 784}), a named symbol known only at run time ({@code batch},
 * {@code time}), or a product of those ({@code batch*time}, {@code 4*batch}), which a reshape or a buffer size gives.
 * Symbols are bound when a session runs, from the shapes of the tensors fed to its placeholders. Immutable; equal
 * dimensions are {@link #equals equal}.
 *
 * <p>Shape rules compare dimensions structurally: {@code batch} equals {@code batch}, never {@code 4}; a rule that
 * cannot decide (say, whether {@code time} equals 7) rejects the shapes and names the dimension.
 */
public final class Dim {
  /** The batch: axis 0 of a {@code -1} placeholder dimension. */
  public static final Dim BATCH = symbol("batch");
  /** The time (sequence length): axis 1 of a {@code -1} placeholder dimension. */
  public static final Dim TIME = symbol("time");
  public static final Dim ONE = new Dim(1, new String[0]);

  private final long coefficient;
  /** Sorted; repeated for powers. Empty for constants. */
  private final String[] symbols;

  private Dim(long coefficient, String[] symbols) {
    this.coefficient = coefficient;
    this.symbols = symbols;
  }

  public static Dim of(long value) {
    if (value < 0) throw new IllegalArgumentException("a dimension cannot be negative, got " + value);
    return value == 1 ? ONE : new Dim(value, new String[0]);
  }

  /** A run-time dimension called {@code name} (a Java identifier). */
  public static Dim symbol(String name) {
    if (name == null || name.isEmpty()) throw new IllegalArgumentException("a symbol needs a name");
    return new Dim(1, new String[] {name});
  }

  /** The dimensions of a concrete shape. */
  public static Dim[] of(int[] shape) {
    Dim[] d = new Dim[shape.length];
    for (int i = 0; i < d.length; i++) d[i] = of(shape[i]);
    return d;
  }

  public boolean isConstant() {
    return symbols.length == 0;
  }

  /** True for a single symbol with coefficient 1 ({@code batch}, not {@code 2*batch}). */
  public boolean isSymbol() {
    return symbols.length == 1 && coefficient == 1;
  }

  /** The value of a constant dimension; {@link IllegalStateException} for a run-time one. */
  public int value() {
    if (!isConstant()) throw new IllegalStateException("dimension " + this + " is only known at run time");
    if (coefficient > Integer.MAX_VALUE) throw new IllegalStateException("dimension " + this + " does not fit an int");
    return (int) coefficient;
  }

  /** The value, or {@code -1} for a run-time dimension: the public {@code int[]} shapes' convention. */
  public int toInt() {
    return isConstant() && coefficient <= Integer.MAX_VALUE ? (int) coefficient : -1;
  }

  /** The constant factor: 4 for {@code 4*batch}, the value for a constant. */
  public long coefficient() {
    return coefficient;
  }

  /** The symbols of the product, sorted, with repeats ({@code [batch, time]} for {@code batch*time}). */
  public List<String> symbols() {
    return Collections.unmodifiableList(Arrays.asList(symbols));
  }

  /** The name of a single-symbol dimension ({@link #isSymbol()}). */
  public String name() {
    if (!isSymbol()) throw new IllegalStateException(this + " is not a single symbol");
    return symbols[0];
  }

  public Dim times(Dim o) {
    if (coefficient == 0 || o.coefficient == 0) return of(0);
    String[] s = new String[symbols.length + o.symbols.length];
    System.arraycopy(symbols, 0, s, 0, symbols.length);
    System.arraycopy(o.symbols, 0, s, symbols.length, o.symbols.length);
    Arrays.sort(s);
    long c;
    try {
      c = Math.multiplyExact(coefficient, o.coefficient);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("dimension " + this + " * " + o + " overflows a long");
    }
    return make(c, s);
  }

  public Dim times(long factor) {
    return times(of(factor));
  }

  /** {@code this / o} when it is a whole product of the same form ({@code 8*batch / 4 = 2*batch}), else null. */
  public Dim dividedBy(Dim o) {
    if (o.coefficient == 0 || coefficient % o.coefficient != 0) return null;
    List<String> rest = new ArrayList<String>(Arrays.asList(symbols));
    for (String s : o.symbols) {
      if (!rest.remove(s)) return null;
    }
    return make(coefficient / o.coefficient, rest.toArray(new String[0]));
  }

  /** The product of {@code dims[from, to)}. */
  public static Dim product(Dim[] dims, int from, int to) {
    Dim p = ONE;
    for (int i = from; i < to; i++) p = p.times(dims[i]);
    return p;
  }

  /** The product of all dimensions: the element count. */
  public static Dim size(Dim[] dims) {
    return product(dims, 0, dims.length);
  }

  private static Dim make(long coefficient, String[] symbols) {
    if (symbols.length == 0) return of(coefficient);
    return new Dim(coefficient, symbols);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Dim)) return false;
    Dim d = (Dim) o;
    return coefficient == d.coefficient && Arrays.equals(symbols, d.symbols);
  }

  @Override
  public int hashCode() {
    return 31 * Long.valueOf(coefficient).hashCode() + Arrays.hashCode(symbols);
  }

  /** {@code 784}, {@code batch}, {@code 4*batch*time}: also the form {@link #parse} reads. */
  @Override
  public String toString() {
    if (symbols.length == 0) return Long.toString(coefficient);
    StringBuilder sb = new StringBuilder();
    if (coefficient != 1) sb.append(coefficient).append('*');
    for (int i = 0; i < symbols.length; i++) {
      if (i > 0) sb.append('*');
      sb.append(symbols[i]);
    }
    return sb.toString();
  }

  /** Reads {@link #toString()}'s form. */
  public static Dim parse(String s) {
    Dim d = ONE;
    for (String factor : s.trim().split("\\*")) {
      String f = factor.trim();
      if (f.isEmpty()) throw new IllegalArgumentException("bad dimension '" + s + "'");
      d = Character.isDigit(f.charAt(0)) ? d.times(Long.parseLong(f)) : d.times(symbol(f));
    }
    return d;
  }
}

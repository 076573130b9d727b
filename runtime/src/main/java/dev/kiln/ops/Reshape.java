package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/**
 * The same values, row-major, with another shape. The typed attribute is the output shape itself, with its run-time
 * dimensions ({@code [batch, 784]}, {@code [batch*time, 64]}); {@link #to} resolves a target given as Java ints with
 * one {@code -1}.
 */
public final class Reshape extends Op {
  private final Dim[] shape;

  public Reshape(Dim[] shape) {
    this.shape = shape.clone();
  }

  /**
   * The reshape of a tensor of static shape {@code in} to {@code target} (one {@code -1}, resolved from the element
   * count: {@code [batch, 28, 28]} to {@code [-1, 784]} gives {@code [batch, 784]}).
   */
  public static Reshape to(Dim[] in, int[] target) {
    int unknownAt = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        if (unknownAt >= 0) {
          throw new IllegalArgumentException("Reshape: " + Dims.toString(in) + " to " + Shapes.toString(target)
              + ": only one -1 is allowed");
        }
        unknownAt = i;
      } else if (target[i] < 0) {
        throw new IllegalArgumentException("Reshape: " + Dims.toString(in) + " to " + Shapes.toString(target)
            + ": negative dimension");
      } else {
        known *= target[i];
      }
    }
    Dim size = Dim.size(in);
    Dim[] out = Dim.of(target.length == 0 ? new int[0] : nonNegative(target));
    if (unknownAt >= 0) {
      Dim rest = known == 0 ? null : size.dividedBy(Dim.of(known));
      if (rest == null) {
        throw new IllegalArgumentException("Reshape: cannot reshape " + Dims.toString(in) + " (" + size
            + " elements) to " + Shapes.toString(target) + (size.isConstant() ? ""
                : ": " + size + " is not a multiple of " + known + " for every value of " + symbols(size)));
      }
      out[unknownAt] = rest;
    } else if (!size.equals(Dim.of(known))) {
      throw new IllegalArgumentException("Reshape: cannot reshape " + Dims.toString(in) + " (" + size
          + " elements) to " + Shapes.toString(target));
    }
    return new Reshape(out);
  }

  /** {@code batch and time}. */
  private static String symbols(Dim d) {
    StringBuilder sb = new StringBuilder();
    for (String s : new java.util.TreeSet<String>(d.symbols())) sb.append(sb.length() > 0 ? " and " : "").append(s);
    return sb.toString();
  }

  private static int[] nonNegative(int[] target) {
    int[] t = target.clone();
    for (int i = 0; i < t.length; i++) t[i] = Math.max(t[i], 0);
    return t;
  }

  static Reshape decode(Attrs a) {
    Object s = a.asMap().get("shape");
    if (s instanceof String) return new Reshape(Dims.parse((String) s));
    int[] ints = a.getInts("shape");
    Dim[] d = new Dim[ints.length];
    for (int i = 0; i < d.length; i++) d[i] = ints[i] < 0 ? (i == 0 ? Dim.BATCH : Dim.TIME) : Dim.of(ints[i]);
    return new Reshape(d);
  }

  public Dim[] shape() {
    return shape.clone();
  }

  @Override
  public String type() {
    return "Reshape";
  }

  @Override
  public Pattern pattern() {
    return Pattern.ALIAS;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("shape", Dims.toString(shape));
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    if (!Dim.size(shapes[0]).equals(Dim.size(shape))) {
      throw new IllegalArgumentException("Reshape: cannot reshape " + Dims.toString(shapes[0]) + " ("
          + Dim.size(shapes[0]) + " elements) to " + Dims.toString(shape));
    }
    return Outputs.of(shape, dtypes[0]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    System.arraycopy(in[0], 0, out[0], 0, Shapes.size(outShapes[0]));
  }
}

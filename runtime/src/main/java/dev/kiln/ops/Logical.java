package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Broadcasting;

/**
 * {@code LogicalAnd} and {@code LogicalOr} of two BOOL tensors with broadcasting, and {@code LogicalNot} of one: how
 * masks combine (merge layers, attention).
 */
public final class Logical extends Op {
  /** The op types of this family. */
  public enum Fn {
    AND("LogicalAnd"), OR("LogicalOr"), NOT("LogicalNot");

    final String type;

    Fn(String type) {
      this.type = type;
    }

    public String type() {
      return type;
    }
  }

  private static final Logical[] OPS = new Logical[Fn.values().length];

  static {
    for (Fn f : Fn.values()) OPS[f.ordinal()] = new Logical(f);
  }

  private final Fn fn;

  private Logical(Fn fn) {
    this.fn = fn;
  }

  public static Logical of(Fn fn) {
    return OPS[fn.ordinal()];
  }

  @Override
  public String type() {
    return fn.type;
  }

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, fn == Fn.NOT ? 1 : 2);
    for (int i = 0; i < dtypes.length; i++) {
      if (dtypes[i] != DType.BOOL) {
        throw new IllegalArgumentException(type() + ": input " + i + " must be bool, got " + dtypes[i].kerasName()
            + Dims.toString(shapes[i]));
      }
    }
    Dim[] out = fn == Fn.NOT ? shapes[0] : Dims.broadcast(shapes[0], shapes[1], type());
    return Outputs.of(out, DType.BOOL);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] o = (int[]) out[0];
    int[] os = outShapes[0];
    int n = Shapes.size(os);
    int[] a = (int[]) in[0];
    if (fn == Fn.NOT) {
      for (int i = 0; i < n; i++) o[i] = a[i] == 0 ? 1 : 0;
      return;
    }
    int[] b = (int[]) in[1];
    boolean plainA = Broadcasting.same(inShapes[0], os);
    boolean plainB = Broadcasting.same(inShapes[1], os);
    for (int i = 0; i < n; i++) {
      boolean x = a[plainA ? i : Broadcasting.offset(i, os, inShapes[0])] != 0;
      boolean y = b[plainB ? i : Broadcasting.offset(i, os, inShapes[1])] != 0;
      o[i] = (fn == Fn.AND ? x && y : x || y) ? 1 : 0;
    }
  }
}

package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Broadcasting;

/**
 * The comparisons of two tensors of one dtype with NumPy broadcasting ({@code Equal}, {@code NotEqual}, {@code Less},
 * ...): a BOOL result. An {@code Embedding}'s mask is {@code NotEqual(tokens, 0)}.
 */
public final class Compare extends Op {
  /** The op types of this family. */
  public enum Fn {
    EQUAL("Equal"), NOT_EQUAL("NotEqual"), LESS("Less"), LESS_EQUAL("LessEqual"), GREATER("Greater"),
    GREATER_EQUAL("GreaterEqual");

    final String type;

    Fn(String type) {
      this.type = type;
    }

    public String type() {
      return type;
    }

    /** Ints compare exactly as doubles. */
    boolean test(double a, double b) {
      switch (this) {
        case EQUAL: return a == b;
        case NOT_EQUAL: return a != b;
        case LESS: return a < b;
        case LESS_EQUAL: return a <= b;
        case GREATER: return a > b;
        default: return a >= b;
      }
    }
  }

  private static final Compare[] OPS = new Compare[Fn.values().length];

  static {
    for (Fn f : Fn.values()) OPS[f.ordinal()] = new Compare(f);
  }

  private final Fn fn;

  private Compare(Fn fn) {
    this.fn = fn;
  }

  public static Compare of(Fn fn) {
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
    arity(shapes, 2);
    if (dtypes[0] != dtypes[1]) {
      throw new IllegalArgumentException(type() + ": inputs of different dtypes: " + dtypes[0].kerasName() + Dims.toString(shapes[0])
          + " and " + dtypes[1].kerasName() + Dims.toString(shapes[1]));
    }
    return Outputs.of(Dims.broadcast(shapes[0], shapes[1], type()), DType.BOOL);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] o = (int[]) out[0];
    int[] os = outShapes[0];
    int n = Shapes.size(os);
    boolean plainA = Broadcasting.same(inShapes[0], os);
    boolean plainB = Broadcasting.same(inShapes[1], os);
    if (in[0] instanceof float[]) {
      float[] a = (float[]) in[0];
      float[] b = (float[]) in[1];
      for (int i = 0; i < n; i++) {
        float x = a[plainA ? i : Broadcasting.offset(i, os, inShapes[0])];
        float y = b[plainB ? i : Broadcasting.offset(i, os, inShapes[1])];
        o[i] = fn.test(x, y) ? 1 : 0;
      }
    } else {
      int[] a = (int[]) in[0];
      int[] b = (int[]) in[1];
      for (int i = 0; i < n; i++) {
        int x = a[plainA ? i : Broadcasting.offset(i, os, inShapes[0])];
        int y = b[plainB ? i : Broadcasting.offset(i, os, inShapes[1])];
        o[i] = fn.test(x, y) ? 1 : 0;
      }
    }
  }
}

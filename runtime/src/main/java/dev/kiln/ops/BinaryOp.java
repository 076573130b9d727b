package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Elementwise;

/** The broadcasting float ops of two inputs ({@code Add}, {@code Sub}, ...), NumPy rules; each {@link Fn} one type. */
public final class BinaryOp extends Op {
  /** The op types of this family. */
  public enum Fn {
    ADD("Add", Elementwise.ADD, ScalarForm.infix("+")),
    SUB("Sub", Elementwise.SUB, ScalarForm.infix("-")),
    MUL("Mul", Elementwise.MUL, ScalarForm.infix("*")),
    DIV("Div", Elementwise.DIV, ScalarForm.infix("/")),
    MAXIMUM("Maximum", Elementwise.MAX, ScalarForm.call("java.lang.Math", "max")),
    MINIMUM("Minimum", Elementwise.MIN, ScalarForm.call("java.lang.Math", "min"));

    final String type;
    final int code;
    final ScalarForm scalar;

    Fn(String type, int code, ScalarForm scalar) {
      this.type = type;
      this.code = code;
      this.scalar = scalar;
    }

    public String type() {
      return type;
    }
  }

  private static final BinaryOp[] OPS = new BinaryOp[Fn.values().length];

  static {
    for (Fn f : Fn.values()) OPS[f.ordinal()] = new BinaryOp(f);
  }

  private final Fn fn;

  private BinaryOp(Fn fn) {
    this.fn = fn;
  }

  public static BinaryOp of(Fn fn) {
    return OPS[fn.ordinal()];
  }

  public Fn fn() {
    return fn;
  }

  @Override
  public String type() {
    return fn.type;
  }

  @Override
  public Pattern pattern() {
    return Pattern.ELEMENTWISE;
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    floats(dtypes);
    return Outputs.of(Dims.broadcast(shapes[0], shapes[1], type()), DType.FLOAT32);
  }

  @Override
  public ScalarForm scalarForm() {
    return fn.scalar;
  }


  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    Elementwise.binary(fn.code, (float[]) in[0], inShapes[0], (float[]) in[1], inShapes[1], (float[]) out[0],
        outShapes[0]);
  }
}

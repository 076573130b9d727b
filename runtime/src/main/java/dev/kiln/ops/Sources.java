package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.Tensor;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;

/**
 * The source ops, whose values the session supplies rather than computes: {@link Placeholder} (a {@code @Call}
 * parameter), {@link Variable} (a weight), {@link Const} (a constant operand).
 */
public final class Sources {
  private Sources() {}

  /** A {@code @Call} tensor parameter, number {@code index}. */
  public static final class Placeholder extends Source {
    private final int index;

    public Placeholder(int index) {
      this.index = index;
    }

    public int index() {
      return index;
    }

    @Override
    public String type() {
      return "Placeholder";
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("index", index);
    }
  }

  /** A weight, created with an {@link dev.kiln.Initializer} (its spec, for {@code initialized(seed)}). */
  public static final class Variable extends Source {
    private final String initializer;

    public Variable(String initializer) {
      this.initializer = initializer;
    }

    public String initializer() {
      return initializer;
    }

    @Override
    public String type() {
      return "Variable";
    }

    @Override
    public Attrs attrs() {
      return Attrs.of("initializer", initializer);
    }
  }

  /** A constant: float values, or int values for INT32 and BOOL. */
  public static final class Const extends Source {
    private final float[] floats;
    private final int[] ints;

    private Const(float[] floats, int[] ints) {
      this.floats = floats;
      this.ints = ints;
    }

    public static Const ofFloats(float[] values) {
      return new Const(values.clone(), null);
    }

    public static Const ofInts(int[] values) {
      return new Const(null, values.clone());
    }

    static Const decode(Attrs a) {
      return a.has("ivalue") ? ofInts(a.getInts("ivalue")) : ofFloats(a.getFloats("value"));
    }

    public boolean isFloat() {
      return floats != null;
    }

    public float[] floats() {
      return floats.clone();
    }

    public int[] ints() {
      return ints.clone();
    }

    /** The constant as a tensor of its node's shape and dtype. */
    public Tensor value(int[] shape, DType dtype) {
      return Tensor.wrap(dtype, floats != null ? (Object) floats.clone() : ints.clone(), shape);
    }

    @Override
    public String type() {
      return "Const";
    }

    @Override
    public Attrs attrs() {
      return floats != null ? Attrs.of("value", floats) : Attrs.of("ivalue", ints);
    }

    @Override
    public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
      Object src = floats != null ? floats : ints;
      System.arraycopy(src, 0, out[0], 0, floats != null ? floats.length : ints.length);
    }
  }

  /** What the source ops share: no inputs, and a value from the session. */
  public abstract static class Source extends Op {
    @Override
    public Pattern pattern() {
      return Pattern.SOURCE;
    }

    /** Sources are created with their shapes by the tracer; they never infer one. */
    @Override
    public Outputs infer(Dim[][] shapes, DType[] dtypes) {
      throw new UnsupportedOperationException(type() + " has no shape function: its shape is given");
    }

    @Override
    public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
      throw new UnsupportedOperationException(type() + ": the session supplies its value");
    }
  }
}

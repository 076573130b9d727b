package dev.kiln.ops;

/**
 * An elementwise op written as a Java expression over floats, for the loops the code generator fuses: an infix
 * operator ({@code a + b}), a prefix one ({@code -a}), or a call of a static method ({@code Activations.relu(a)},
 * {@code Activations.elu(a, 1.0f)}) whose arguments are the operands and then {@link #constants()}. The eager kernel
 * of the op calls the same method, so fused and unfused code compute the same floats.
 */
public final class ScalarForm {
  public enum Kind { INFIX, PREFIX, CALL }

  private final Kind kind;
  private final String operator;
  private final String owner;
  private final String method;
  private final float[] constants;

  private ScalarForm(Kind kind, String operator, String owner, String method, float[] constants) {
    this.kind = kind;
    this.operator = operator;
    this.owner = owner;
    this.method = method;
    this.constants = constants;
  }

  public static ScalarForm infix(String operator) {
    return new ScalarForm(Kind.INFIX, operator, null, null, new float[0]);
  }

  public static ScalarForm prefix(String operator) {
    return new ScalarForm(Kind.PREFIX, operator, null, null, new float[0]);
  }

  /** {@code owner} is a fully qualified class name ({@code java.lang.Math}, {@code dev.kiln.kernels.Activations}). */
  public static ScalarForm call(String owner, String method, float... constants) {
    return new ScalarForm(Kind.CALL, null, owner, method, constants.clone());
  }

  public Kind kind() {
    return kind;
  }

  /** {@code +}, {@code -}, ... for INFIX and PREFIX. */
  public String operator() {
    return operator;
  }

  /** The class of a CALL's method. */
  public String owner() {
    return owner;
  }

  public String method() {
    return method;
  }

  /** Arguments after the operands ({@code alpha} of ELU). */
  public float[] constants() {
    return constants.clone();
  }

  @Override
  public String toString() {
    switch (kind) {
      case INFIX: return "a " + operator + " b";
      case PREFIX: return operator + "a";
      default: return owner.substring(owner.lastIndexOf('.') + 1) + "." + method + "(...)";
    }
  }
}

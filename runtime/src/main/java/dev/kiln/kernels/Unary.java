package dev.kiln.kernels;

/** Elementwise math: {@code out[i] = f(in[i])}; {@code in} and {@code out} may be the same array. */
public final class Unary {
  private Unary() {}

  public static final int EXP = 0;
  public static final int LOG = 1;
  public static final int SQRT = 2;
  public static final int SQUARE = 3;
  public static final int ABS = 4;
  public static final int NEG = 5;

  public static void apply(int op, float[] in, float[] out, int n) {
    switch (op) {
      case EXP:
        for (int i = 0; i < n; i++) out[i] = (float) Math.exp(in[i]);
        return;
      case LOG:
        for (int i = 0; i < n; i++) out[i] = (float) Math.log(in[i]);
        return;
      case SQRT:
        for (int i = 0; i < n; i++) out[i] = (float) Math.sqrt(in[i]);
        return;
      case SQUARE:
        for (int i = 0; i < n; i++) out[i] = in[i] * in[i];
        return;
      case ABS:
        for (int i = 0; i < n; i++) out[i] = Math.abs(in[i]);
        return;
      case NEG:
        for (int i = 0; i < n; i++) out[i] = -in[i];
        return;
      default:
        throw new IllegalArgumentException("Unary.apply: unknown op " + op);
    }
  }
}

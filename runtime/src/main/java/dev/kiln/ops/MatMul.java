package dev.kiln.ops;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Gemm;

/**
 * {@code a [..., m, k]} times {@code b [k, n]}, or an equal-rank batched product {@code [..., m, k] x [..., k, n]};
 * {@code transposeA} / {@code transposeB} read {@code a} as {@code [..., k, m]} and {@code b} as {@code [..., n, k]}
 * ({@code tf.matmul(a, b, transpose_a, transpose_b)}). Untransposed with a rank-2 weight as {@code b} it is a dense
 * layer's GEMM, whose kernel applies bias, a folded batch normalization and any activation (softmax per row included).
 */
public final class MatMul extends Op {
  public static final MatMul INSTANCE = new MatMul(false, false);
  private static final Epilogue EPILOGUE = Epilogue.biasNormActivation().withActivation(Activation.SOFTMAX);

  private final boolean transposeA;
  private final boolean transposeB;

  private MatMul(boolean transposeA, boolean transposeB) {
    this.transposeA = transposeA;
    this.transposeB = transposeB;
  }

  public static MatMul of(boolean transposeA, boolean transposeB) {
    return transposeA || transposeB ? new MatMul(transposeA, transposeB) : INSTANCE;
  }

  static MatMul decode(Attrs a) {
    return of(a.getBoolean("transpose_a", false), a.getBoolean("transpose_b", false));
  }

  /** Neither operand transposed: the form GEMM kernels with epilogues take. */
  public boolean isPlain() {
    return !transposeA && !transposeB;
  }

  @Override
  public String type() {
    return "MatMul";
  }

  @Override
  public Pattern pattern() {
    return isPlain() ? Pattern.PRODUCER : Pattern.OPAQUE;
  }

  @Override
  public Epilogue epilogue() {
    return isPlain() ? EPILOGUE : Epilogue.NONE;
  }

  @Override
  public Attrs attrs() {
    return isPlain() ? Attrs.NONE : Attrs.of("transpose_a", transposeA, "transpose_b", transposeB);
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 2);
    floats(dtypes);
    Dim[] a = shapes[0];
    Dim[] b = shapes[1];
    if (a.length < 2 || (b.length != 2 && b.length != a.length)) {
      throw new IllegalArgumentException("MatMul: shapes " + Dims.toString(a) + " and " + Dims.toString(b)
          + " are not supported (need a of rank >= 2 and b of rank 2 or of the same rank as a)");
    }
    Dim m = a[a.length - (transposeA ? 1 : 2)];
    Dim ka = a[a.length - (transposeA ? 2 : 1)];
    Dim kb = b[b.length - (transposeB ? 1 : 2)];
    Dim n = b[b.length - (transposeB ? 2 : 1)];
    if (!ka.equals(kb)) {
      throw new IllegalArgumentException("MatMul: shapes " + Dims.toString(a) + " and " + Dims.toString(b)
          + " are incompatible (inner dimensions " + ka + " and " + kb + transposition() + ")");
    }
    Dim[] out = a.clone();
    out[out.length - 2] = m;
    out[out.length - 1] = n;
    if (b.length == a.length && b.length > 2) {
      for (int i = 0; i < a.length - 2; i++) {
        if (!a[i].equals(b[i])) {
          throw new IllegalArgumentException("MatMul: shapes " + Dims.toString(a) + " and " + Dims.toString(b)
              + " have different batch dimensions");
        }
      }
    }
    return Outputs.of(out, DType.FLOAT32);
  }

  private String transposition() {
    if (isPlain()) return "";
    return transposeA && transposeB ? ", both transposed" : transposeA ? ", a transposed" : ", b transposed";
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] as = inShapes[0];
    int[] bs = inShapes[1];
    int[] cs = outShapes[0];
    float[] a = (float[]) in[0];
    float[] b = (float[]) in[1];
    float[] c = (float[]) out[0];
    int k = as[as.length - (transposeA ? 2 : 1)];
    int n = cs[cs.length - 1];
    if (isPlain() && bs.length == 2) {
      Gemm.matmul(a, b, c, product(as, 0, as.length - 1), k, n);
      return;
    }
    int m = cs[cs.length - 2];
    int batch = product(cs, 0, cs.length - 2);
    boolean shared = bs.length == 2;
    for (int i = 0; i < batch; i++) {
      int bOff = shared ? 0 : i * k * n;
      if (isPlain()) Gemm.matmul(a, i * m * k, b, bOff, c, i * m * n, m, k, n);
      else transposed(a, i * m * k, b, bOff, c, i * m * n, m, k, n);
    }
  }

  /** One product with either operand read transposed; sums in {@code k} order, like the GEMM kernels. */
  private void transposed(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int k, int n) {
    int ai = transposeA ? 1 : k;
    int ap = transposeA ? m : 1;
    int bp = transposeB ? 1 : n;
    int bj = transposeB ? k : 1;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float s = 0f;
        for (int p = 0; p < k; p++) s += a[aOff + i * ai + p * ap] * b[bOff + p * bp + j * bj];
        c[cOff + i * n + j] = s;
      }
    }
  }
}

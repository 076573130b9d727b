package dev.kiln.ops;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Gemm;

/**
 * {@code a [..., m, k]} times {@code b [k, n]}, or an equal-rank batched product {@code [..., m, k] x [..., k, n]}.
 * With a rank-2 weight as {@code b} it is a dense layer's GEMM, whose kernel applies bias, a folded batch
 * normalization and any activation (softmax per row included).
 */
public final class MatMul extends Op {
  public static final MatMul INSTANCE = new MatMul();
  private static final Epilogue EPILOGUE = Epilogue.biasNormActivation().withActivation(Activation.SOFTMAX);

  private MatMul() {}

  @Override
  public String type() {
    return "MatMul";
  }

  @Override
  public Pattern pattern() {
    return Pattern.PRODUCER;
  }

  @Override
  public Epilogue epilogue() {
    return EPILOGUE;
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
    Dim ka = a[a.length - 1];
    Dim kb = b[b.length - 2];
    if (!ka.equals(kb)) {
      throw new IllegalArgumentException("MatMul: shapes " + Dims.toString(a) + " and " + Dims.toString(b)
          + " are incompatible (inner dimensions " + ka + " and " + kb + ")");
    }
    Dim[] out = a.clone();
    out[out.length - 1] = b[b.length - 1];
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

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] as = inShapes[0];
    int[] bs = inShapes[1];
    int k = as[as.length - 1];
    int n = bs[bs.length - 1];
    float[] a = (float[]) in[0];
    float[] b = (float[]) in[1];
    float[] c = (float[]) out[0];
    if (bs.length == 2) {
      Gemm.matmul(a, b, c, product(as, 0, as.length - 1), k, n);
      return;
    }
    int m = as[as.length - 2];
    int batch = product(outShapes[0], 0, outShapes[0].length - 2);
    for (int i = 0; i < batch; i++) Gemm.matmul(a, i * m * k, b, i * k * n, c, i * m * n, m, k, n);
  }
}

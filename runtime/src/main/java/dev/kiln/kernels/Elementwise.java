package dev.kiln.kernels;

/**
 * Binary elementwise ops with NumPy broadcasting. Shapes are aligned at the last axis; {@code outShape} must be
 * the broadcast of {@code aShape} and {@code bShape}. No allocation.
 */
public final class Elementwise {
  private Elementwise() {}

  public static final int ADD = 0;
  public static final int SUB = 1;
  public static final int MUL = 2;
  public static final int DIV = 3;
  public static final int MAX = 4;
  public static final int MIN = 5;

  public static void binary(int op, float[] a, int[] aShape, float[] b, int[] bShape, float[] out, int[] outShape) {
    if (op < ADD || op > MIN) throw new IllegalArgumentException("Elementwise.binary: unknown op " + op);
    int n = size(outShape);
    if (n == 0) return;
    int na = size(aShape);
    int nb = size(bShape);
    if (na == n && nb == n) {
      same(op, a, b, out, n);
      return;
    }
    if (nb == 1 && na == n) {
      scalarRight(op, a, b[0], out, n);
      return;
    }
    if (na == 1 && nb == n) {
      scalarLeft(op, a[0], b, out, n);
      return;
    }
    int last = outShape.length == 0 ? 1 : outShape[outShape.length - 1];
    if (na == n && nb == last && lastAxisVector(bShape, last)) {
      for (int r = 0, off = 0; off < n; r++, off += last) row(op, a, off, 1, b, 0, 1, out, off, last);
      return;
    }
    if (nb == n && na == last && lastAxisVector(aShape, last)) {
      for (int off = 0; off < n; off += last) row(op, a, 0, 1, b, off, 1, out, off, last);
      return;
    }
    // General case: walk the output row by row (rows = last axis), computing both input offsets per row.
    int rank = outShape.length;
    int aLast = aShape.length == 0 ? 1 : aShape[aShape.length - 1];
    int bLast = bShape.length == 0 ? 1 : bShape[bShape.length - 1];
    int aStep = aLast == 1 ? 0 : 1;
    int bStep = bLast == 1 ? 0 : 1;
    int rows = n / last;
    for (int r = 0; r < rows; r++) {
      // decompose r over outShape[0 .. rank-2]
      int rem = r;
      int aOff = 0;
      int bOff = 0;
      int aStride = aLast;
      int bStride = bLast;
      for (int d = rank - 2; d >= 0; d--) {
        int dim = outShape[d];
        int idx = rem % dim;
        rem /= dim;
        int ad = d - (rank - aShape.length);
        if (ad >= 0) {
          int s = aShape[ad];
          if (s != 1) aOff += idx * aStride;
          aStride *= s;
        }
        int bd = d - (rank - bShape.length);
        if (bd >= 0) {
          int s = bShape[bd];
          if (s != 1) bOff += idx * bStride;
          bStride *= s;
        }
      }
      row(op, a, aOff, aStep, b, bOff, bStep, out, r * last, last);
    }
  }

  private static boolean lastAxisVector(int[] shape, int last) {
    for (int i = 0; i < shape.length - 1; i++) if (shape[i] != 1) return false;
    return shape.length > 0 && shape[shape.length - 1] == last;
  }

  private static int size(int[] shape) {
    int n = 1;
    for (int d : shape) n *= d;
    return n;
  }

  private static void same(int op, float[] a, float[] b, float[] out, int n) {
    switch (op) {
      case ADD: for (int i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
      case SUB: for (int i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
      case MUL: for (int i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
      case DIV: for (int i = 0; i < n; i++) out[i] = a[i] / b[i]; break;
      case MAX: for (int i = 0; i < n; i++) out[i] = Math.max(a[i], b[i]); break;
      default: for (int i = 0; i < n; i++) out[i] = Math.min(a[i], b[i]); break;
    }
  }

  private static void scalarRight(int op, float[] a, float s, float[] out, int n) {
    switch (op) {
      case ADD: for (int i = 0; i < n; i++) out[i] = a[i] + s; break;
      case SUB: for (int i = 0; i < n; i++) out[i] = a[i] - s; break;
      case MUL: for (int i = 0; i < n; i++) out[i] = a[i] * s; break;
      case DIV: for (int i = 0; i < n; i++) out[i] = a[i] / s; break;
      case MAX: for (int i = 0; i < n; i++) out[i] = Math.max(a[i], s); break;
      default: for (int i = 0; i < n; i++) out[i] = Math.min(a[i], s); break;
    }
  }

  private static void scalarLeft(int op, float s, float[] b, float[] out, int n) {
    switch (op) {
      case ADD: for (int i = 0; i < n; i++) out[i] = s + b[i]; break;
      case SUB: for (int i = 0; i < n; i++) out[i] = s - b[i]; break;
      case MUL: for (int i = 0; i < n; i++) out[i] = s * b[i]; break;
      case DIV: for (int i = 0; i < n; i++) out[i] = s / b[i]; break;
      case MAX: for (int i = 0; i < n; i++) out[i] = Math.max(s, b[i]); break;
      default: for (int i = 0; i < n; i++) out[i] = Math.min(s, b[i]); break;
    }
  }

  /** {@code out[o + j] = a[ao + j*as] op b[bo + j*bs]} for {@code j < n}; steps are 0 or 1. */
  private static void row(int op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
    for (int j = 0; j < n; j++) {
      float x = a[ao + j * as];
      float y = b[bo + j * bs];
      float r;
      switch (op) {
        case ADD: r = x + y; break;
        case SUB: r = x - y; break;
        case MUL: r = x * y; break;
        case DIV: r = x / y; break;
        case MAX: r = Math.max(x, y); break;
        default: r = Math.min(x, y); break;
      }
      out[o + j] = r;
    }
  }
}

package dev.kiln.kernels;

/** Data movement kernels: transpose, concat, pad, slice. No allocation. */
public final class Shaping {
  private Shaping() {}

  /** Maximum rank handled by the index-walking kernels. */
  public static final int MAX_RANK = 8;

  /**
   * {@code out} has shape {@code inShape[perm[i]]}; {@code out[..., i_k, ...] = in[... i_perm^-1 ...]}. Arrays of one
   * primitive type, {@code float[]} or {@code int[]}.
   */
  public static void transpose(Object in, int[] inShape, int[] perm, Object out) {
    int rank = inShape.length;
    if (rank > MAX_RANK) throw new IllegalArgumentException("Shaping.transpose: rank " + rank + " > " + MAX_RANK);
    int n = 1;
    for (int d : inShape) n *= d;
    if (n == 0) return;
    if (rank == 2 && perm[0] == 1) {
      int r = inShape[0];
      int c = inShape[1];
      for (int i = 0; i < r; i++) copyStrided(in, i * c, 1, out, i, r, c);
      return;
    }
    // Walk the output in order; keep the input offset incrementally (odometer over output dims).
    int d0, d1, d2, d3, d4, d5, d6, d7; // odometer over the (right-aligned) output dims
    // input strides
    int s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int o0 = 1, o1 = 1, o2 = 1, o3 = 1, o4 = 1, o5 = 1, o6 = 1, o7 = 1;
    // output dim k reads input axis perm[k]; its input stride is prod(inShape[perm[k]+1 ..])
    int pad = MAX_RANK - rank; // right-align into 8 slots
    for (int k = 0; k < rank; k++) {
      int ax = perm[k];
      int stride = 1;
      for (int q = ax + 1; q < rank; q++) stride *= inShape[q];
      int dim = inShape[ax];
      switch (k + pad) {
        case 0: s0 = stride; o0 = dim; break;
        case 1: s1 = stride; o1 = dim; break;
        case 2: s2 = stride; o2 = dim; break;
        case 3: s3 = stride; o3 = dim; break;
        case 4: s4 = stride; o4 = dim; break;
        case 5: s5 = stride; o5 = dim; break;
        case 6: s6 = stride; o6 = dim; break;
        default: s7 = stride; o7 = dim; break;
      }
    }
    int p = 0;
    for (d0 = 0; d0 < o0; d0++)
      for (d1 = 0; d1 < o1; d1++)
        for (d2 = 0; d2 < o2; d2++)
          for (d3 = 0; d3 < o3; d3++)
            for (d4 = 0; d4 < o4; d4++)
              for (d5 = 0; d5 < o5; d5++)
                for (d6 = 0; d6 < o6; d6++) {
                  int base = d0 * s0 + d1 * s1 + d2 * s2 + d3 * s3 + d4 * s4 + d5 * s5 + d6 * s6;
                  if (s7 == 1) {
                    System.arraycopy(in, base, out, p, o7);
                    p += o7;
                  } else {
                    copyStrided(in, base, s7, out, p, 1, o7);
                    p += o7;
                  }
                }
  }

  /**
   * Concatenation along {@code axis} of arrays of one primitive type ({@code float[]} or {@code int[]}): input
   * {@code i} has shape {@code shapes[i]}, viewed as {@code [outer, shapes[i][axis], inner]}; the output is
   * {@code [outer, sum of the axis sizes, inner]}.
   */
  public static void concat(Object[] inputs, int[][] shapes, int axis, Object out) {
    int[] first = shapes[0];
    int outer = 1;
    for (int d = 0; d < axis; d++) outer *= first[d];
    int inner = 1;
    for (int d = axis + 1; d < first.length; d++) inner *= first[d];
    int total = 0;
    for (int[] s : shapes) total += s[axis];
    int outRow = total * inner;
    int col = 0;
    for (int i = 0; i < inputs.length; i++) {
      int len = shapes[i][axis] * inner;
      for (int o = 0; o < outer; o++) System.arraycopy(inputs[i], o * len, out, o * outRow + col, len);
      col += len;
    }
  }

  /** Constant padding; {@code paddings} = {@code [before0, after0, before1, after1, ...]}. */
  public static void pad(float[] in, int[] inShape, int[] paddings, float value, float[] out) {
    int rank = inShape.length;
    int outN = 1;
    for (int d = 0; d < rank; d++) outN *= inShape[d] + paddings[2 * d] + paddings[2 * d + 1];
    java.util.Arrays.fill(out, 0, outN, value);
    int inN = 1;
    for (int d : inShape) inN *= d;
    if (inN == 0) return;
    if (rank == 0) {
      out[0] = in[0];
      return;
    }
    int last = inShape[rank - 1];
    int rows = inN / last;
    for (int r = 0; r < rows; r++) {
      // output offset of row r: decompose r over inShape[0 .. rank-2]
      int rem = r;
      int off = paddings[2 * (rank - 1)];
      int stride = inShape[rank - 1] + paddings[2 * (rank - 1)] + paddings[2 * (rank - 1) + 1];
      for (int d = rank - 2; d >= 0; d--) {
        int idx = rem % inShape[d];
        rem /= inShape[d];
        off += (idx + paddings[2 * d]) * stride;
        stride *= inShape[d] + paddings[2 * d] + paddings[2 * d + 1];
      }
      System.arraycopy(in, r * last, out, off, last);
    }
  }

  /** {@code out[to + k * outStride] = in[from + k * inStride]} for {@code k < n}, on float or int arrays. */
  private static void copyStrided(Object in, int from, int inStride, Object out, int to, int outStride, int n) {
    if (in instanceof float[]) {
      float[] a = (float[]) in;
      float[] b = (float[]) out;
      for (int k = 0; k < n; k++) b[to + k * outStride] = a[from + k * inStride];
    } else {
      int[] a = (int[]) in;
      int[] b = (int[]) out;
      for (int k = 0; k < n; k++) b[to + k * outStride] = a[from + k * inStride];
    }
  }

  /** {@code tf.slice} of a float or int array: {@code size} must be fully resolved (no -1). */
  public static void slice(Object in, int[] inShape, int[] begin, int[] size, Object out) {
    int rank = inShape.length;
    int outN = 1;
    for (int s : size) outN *= s;
    if (outN == 0) return;
    if (rank == 0) {
      System.arraycopy(in, 0, out, 0, 1);
      return;
    }
    int last = size[rank - 1];
    int rows = outN / last;
    for (int r = 0; r < rows; r++) {
      int rem = r;
      int off = begin[rank - 1];
      int stride = inShape[rank - 1];
      for (int d = rank - 2; d >= 0; d--) {
        int idx = rem % size[d];
        rem /= size[d];
        off += (idx + begin[d]) * stride;
        stride *= inShape[d];
      }
      System.arraycopy(in, off, out, r * last, last);
    }
  }
}

package dev.kiln;

/**
 * Static shape rules of {@link Ops} (package-private). {@code -1} is an unknown dimension and propagates. Every
 * failure is an {@link IllegalArgumentException} that names the op and the shapes or values involved.
 */
final class OpShapes {
  private OpShapes() {}

  static String s(int[] shape) {
    return Shapes.toString(shape);
  }

  /** MatMul: {@code [..., m, k] x [k, n]} or equal-rank batched {@code [..., m, k] x [..., k, n]}. */
  static int[] matmul(int[] a, int[] b) {
    if (a.length < 2 || (b.length != 2 && b.length != a.length)) {
      throw new IllegalArgumentException("MatMul: shapes " + s(a) + " and " + s(b)
          + " are not supported (need a of rank >= 2 and b of rank 2 or of the same rank as a)");
    }
    int ka = a[a.length - 1];
    int kb = b[b.length - 2];
    if (ka >= 0 && kb >= 0 && ka != kb) {
      throw new IllegalArgumentException("MatMul: shapes " + s(a) + " and " + s(b)
          + " are incompatible (inner dimensions " + ka + " and " + kb + ")");
    }
    int[] out = a.clone();
    out[out.length - 1] = b[b.length - 1];
    if (b.length == a.length && b.length > 2) {
      for (int i = 0; i < a.length - 2; i++) {
        if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i]) {
          throw new IllegalArgumentException("MatMul: shapes " + s(a) + " and " + s(b) + " have different batch dimensions");
        }
        out[i] = a[i] >= 0 ? a[i] : b[i];
      }
    }
    return out;
  }

  static int[] biasAdd(int[] x, int[] bias) {
    if (x.length < 1 || bias.length != 1) {
      throw new IllegalArgumentException("BiasAdd: shapes " + s(x) + " and " + s(bias) + " (bias must be rank 1, x rank >= 1)");
    }
    int last = x[x.length - 1];
    if (last >= 0 && bias[0] >= 0 && last != bias[0]) {
      throw new IllegalArgumentException("BiasAdd: shapes " + s(x) + " and " + s(bias)
          + " are incompatible (last dimension " + last + " vs bias " + bias[0] + ")");
    }
    int[] out = x.clone();
    if (last < 0) out[out.length - 1] = bias[0];
    return out;
  }

  static int[] concat(int axis, int[][] shapes) {
    if (shapes.length == 0) throw new IllegalArgumentException("ConcatV2: needs at least one input");
    int rank = shapes[0].length;
    StringBuilder all = new StringBuilder();
    for (int[] sh : shapes) all.append(all.length() == 0 ? "" : ", ").append(s(sh));
    for (int[] sh : shapes) {
      if (sh.length != rank) throw new IllegalArgumentException("ConcatV2: inputs of different ranks: " + all);
    }
    if (rank == 0) throw new IllegalArgumentException("ConcatV2: cannot concatenate scalars: " + all);
    int ax = Shapes.axis(axis, rank, "ConcatV2");
    int[] out = shapes[0].clone();
    int sum = 0;
    for (int[] sh : shapes) {
      for (int d = 0; d < rank; d++) {
        if (d == ax) continue;
        if (out[d] >= 0 && sh[d] >= 0 && out[d] != sh[d]) {
          throw new IllegalArgumentException("ConcatV2: shapes " + all + " differ on axis " + d + " (concatenating on axis " + ax + ")");
        }
        if (out[d] < 0) out[d] = sh[d];
      }
      if (sum >= 0) sum = sh[ax] < 0 ? -1 : sum + sh[ax];
    }
    out[ax] = sum;
    return out;
  }

  /** Output shape of a reshape, resolving -1 when the input is fully known. */
  static int[] reshape(int[] in, int[] target) {
    int unknownAt = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        if (unknownAt >= 0) throw new IllegalArgumentException("Reshape: " + s(in) + " to " + s(target) + ": only one -1 is allowed");
        unknownAt = i;
      } else if (target[i] < 0) {
        throw new IllegalArgumentException("Reshape: " + s(in) + " to " + s(target) + ": negative dimension");
      } else {
        known *= target[i];
      }
    }
    int n = Shapes.size(in);
    if (n >= 0) {
      int[] out = target.clone();
      if (unknownAt >= 0) {
        if (known == 0 || n % known != 0) {
          throw new IllegalArgumentException("Reshape: cannot reshape " + s(in) + " (" + n + " elements) to " + s(target));
        }
        out[unknownAt] = (int) (n / known);
      } else if (known != n) {
        throw new IllegalArgumentException("Reshape: cannot reshape " + s(in) + " (" + n + " elements) to " + s(target));
      }
      return out;
    }
    // input has unknown dims: the target's -1 stays unknown; a target without -1 must be divisible by the known part
    long inKnown = 1;
    for (int d : in) if (d >= 0) inKnown *= d;
    if (unknownAt < 0 && inKnown != 0 && known % inKnown != 0) {
      throw new IllegalArgumentException("Reshape: cannot reshape " + s(in) + " to " + s(target));
    }
    return target.clone();
  }

  static int[] transpose(int[] in, int[] perm) {
    if (perm.length != in.length) {
      throw new IllegalArgumentException("Transpose: permutation " + s(perm) + " does not fit shape " + s(in));
    }
    boolean[] seen = new boolean[perm.length];
    int[] out = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      int p = perm[i];
      if (p < 0 || p >= in.length || seen[p]) {
        throw new IllegalArgumentException("Transpose: " + s(perm) + " is not a permutation of the axes of " + s(in));
      }
      seen[p] = true;
      out[i] = in[p];
    }
    return out;
  }

  /** Reduction over normalized, sorted {@code axes} (see {@link Shapes#axes}). */
  static int[] reduce(String op, int[] in, int[] axes, boolean keepDims) {
    if (keepDims) {
      int[] out = in.clone();
      for (int a : axes) out[a] = 1;
      return out;
    }
    int[] out = new int[in.length - axes.length];
    for (int i = 0, j = 0, k = 0; i < in.length; i++) {
      if (k < axes.length && axes[k] == i) k++;
      else out[j++] = in[i];
    }
    return out;
  }

  static int[] pad(int[] in, int[][] paddings) {
    if (paddings.length != in.length) {
      throw new IllegalArgumentException("Pad: paddings for " + paddings.length + " axes do not fit shape " + s(in));
    }
    int[] out = new int[in.length];
    for (int d = 0; d < in.length; d++) {
      if (paddings[d] == null || paddings[d].length != 2 || paddings[d][0] < 0 || paddings[d][1] < 0) {
        throw new IllegalArgumentException("Pad: paddings[" + d + "] must be two non-negative values, for shape " + s(in));
      }
      out[d] = in[d] < 0 ? -1 : in[d] + paddings[d][0] + paddings[d][1];
    }
    return out;
  }

  /** Resolves {@code size} (-1 = to the end) where the dimension is known; validates bounds. */
  static int[] sliceSize(int[] in, int[] begin, int[] size) {
    if (begin.length != in.length || size.length != in.length) {
      throw new IllegalArgumentException("Slice: begin " + s(begin) + " and size " + s(size) + " do not fit shape " + s(in));
    }
    int[] out = new int[in.length];
    for (int d = 0; d < in.length; d++) {
      if (begin[d] < 0 || size[d] < -1) {
        throw new IllegalArgumentException("Slice: begin " + s(begin) + " and size " + s(size) + " are invalid for shape " + s(in));
      }
      int dim = in[d];
      int sz = size[d] == -1 ? (dim < 0 ? -1 : dim - begin[d]) : size[d];
      if (dim >= 0 && (begin[d] > dim || (sz >= 0 && begin[d] + sz > dim))) {
        throw new IllegalArgumentException("Slice: begin " + s(begin) + " and size " + s(size) + " are out of bounds for shape " + s(in));
      }
      out[d] = sz;
    }
    return out;
  }

  static int[] flatten(int[] in) {
    if (in.length == 0) throw new IllegalArgumentException("Flatten: cannot flatten a scalar");
    long rest = 1;
    boolean unknown = false;
    for (int i = 1; i < in.length; i++) {
      if (in[i] < 0) unknown = true;
      else rest *= in[i];
    }
    if (unknown && in[0] < 0) {
      throw new IllegalArgumentException("Flatten: shape " + s(in) + " has unknown batch and unknown inner dimensions");
    }
    return new int[] {in[0], unknown ? -1 : (int) rest};
  }
}

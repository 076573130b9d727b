package dev.kiln;

import dev.kiln.graph.SymbolicValue;
import java.util.Arrays;

/**
 * A dense, row-major (C order) tensor of {@code float32}, {@code int32} or {@code bool} values.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * float v = x.getFloat(1, 2);   // 6
 * }</pre>
 *
 * <p>While the annotation processor traces a {@code @Call} body, tensors are <em>symbolic</em>: they have a
 * static shape (with {@code -1} for run-time dimensions) and no values. Reading the values of a symbolic
 * tensor throws {@link IllegalStateException}.
 */
public final class Tensor {
  private final DType dtype;
  private final int[] shape;
  private final float[] floats;
  private final int[] ints;
  private final SymbolicValue symbol;
  /** The Keras mask travelling with this tensor (BOOL, usually {@code [batch, time]}), or null. */
  private final Tensor mask;

  private Tensor(DType dtype, int[] shape, float[] floats, int[] ints, SymbolicValue symbol) {
    this(dtype, shape, floats, ints, symbol, null);
  }

  private Tensor(DType dtype, int[] shape, float[] floats, int[] ints, SymbolicValue symbol, Tensor mask) {
    this.dtype = dtype;
    this.shape = shape;
    this.floats = floats;
    this.ints = ints;
    this.symbol = symbol;
    this.mask = mask;
  }

  // ---- factories -------------------------------------------------------------------------------------

  /** A float tensor holding a copy of {@code data}, whose length must equal the product of {@code shape}. */
  public static Tensor of(float[] data, int... shape) {
    checkShape(shape, data.length);
    return new Tensor(DType.FLOAT32, shape.clone(), data.clone(), null, null);
  }

  /** A float tensor that uses {@code data} as its storage without copying (for kernels and generated code). */
  public static Tensor wrap(float[] data, int... shape) {
    checkShape(shape, data.length);
    return new Tensor(DType.FLOAT32, shape.clone(), data, null, null);
  }

  public static Tensor of(float[][] data) {
    int rows = data.length;
    int cols = rows == 0 ? 0 : data[0].length;
    float[] flat = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      if (data[i].length != cols) throw ragged(i, cols, data[i].length);
      System.arraycopy(data[i], 0, flat, i * cols, cols);
    }
    return new Tensor(DType.FLOAT32, new int[] {rows, cols}, flat, null, null);
  }

  public static Tensor of(float[][][] data) {
    int d0 = data.length;
    int d1 = d0 == 0 ? 0 : data[0].length;
    int d2 = d1 == 0 ? 0 : data[0][0].length;
    float[] flat = new float[d0 * d1 * d2];
    int p = 0;
    for (float[][] a : data) {
      if (a.length != d1) throw ragged(0, d1, a.length);
      for (float[] b : a) {
        if (b.length != d2) throw ragged(1, d2, b.length);
        System.arraycopy(b, 0, flat, p, d2);
        p += d2;
      }
    }
    return new Tensor(DType.FLOAT32, new int[] {d0, d1, d2}, flat, null, null);
  }

  public static Tensor of(float[][][][] data) {
    int d0 = data.length;
    int d1 = d0 == 0 ? 0 : data[0].length;
    int d2 = d1 == 0 ? 0 : data[0][0].length;
    int d3 = d2 == 0 ? 0 : data[0][0][0].length;
    float[] flat = new float[d0 * d1 * d2 * d3];
    int p = 0;
    for (float[][][] a : data) {
      if (a.length != d1) throw ragged(0, d1, a.length);
      for (float[][] b : a) {
        if (b.length != d2) throw ragged(1, d2, b.length);
        for (float[] c : b) {
          if (c.length != d3) throw ragged(2, d3, c.length);
          System.arraycopy(c, 0, flat, p, d3);
          p += d3;
        }
      }
    }
    return new Tensor(DType.FLOAT32, new int[] {d0, d1, d2, d3}, flat, null, null);
  }

  /** An int32 tensor holding a copy of {@code data}. */
  public static Tensor ofInts(int[] data, int... shape) {
    checkShape(shape, data.length);
    return new Tensor(DType.INT32, shape.clone(), null, data.clone(), null);
  }

  /** An int32 tensor that uses {@code data} as its storage without copying. */
  public static Tensor wrapInts(int[] data, int... shape) {
    checkShape(shape, data.length);
    return new Tensor(DType.INT32, shape.clone(), null, data, null);
  }

  /** A bool tensor; {@code true} is stored as 1. */
  public static Tensor ofBooleans(boolean[] data, int... shape) {
    checkShape(shape, data.length);
    int[] v = new int[data.length];
    for (int i = 0; i < v.length; i++) v[i] = data[i] ? 1 : 0;
    return new Tensor(DType.BOOL, shape.clone(), null, v, null);
  }

  /** A rank-0 float tensor. */
  public static Tensor scalar(float value) {
    return new Tensor(DType.FLOAT32, new int[0], new float[] {value}, null, null);
  }

  /** A float tensor of zeros. */
  public static Tensor zeros(int... shape) {
    checkShape(shape, -1);
    return new Tensor(DType.FLOAT32, shape.clone(), new float[Shapes.size(shape)], null, null);
  }

  /** A tensor of zeros of the given dtype. */
  public static Tensor zeros(DType dtype, int... shape) {
    checkShape(shape, -1);
    int n = Shapes.size(shape);
    return dtype == DType.FLOAT32
        ? new Tensor(dtype, shape.clone(), new float[n], null, null)
        : new Tensor(dtype, shape.clone(), null, new int[n], null);
  }

  /**
   * A float, int32 or bool tensor over {@code data} ({@code float[]} for FLOAT32, {@code int[]} holding 0 / 1 for BOOL
   * and the values for INT32), without copying: for kernels and generated code.
   */
  public static Tensor wrap(DType dtype, Object data, int... shape) {
    if (dtype == DType.FLOAT32) return wrap((float[]) data, shape);
    int[] ints = (int[]) data;
    checkShape(shape, ints.length);
    return new Tensor(dtype, shape.clone(), null, ints, null);
  }

  /**
   * A symbolic tensor: the static shape and dtype of a graph value, no data. Used while tracing a model; see
   * {@link dev.kiln.graph.Tracer}. Its {@link #shape()} shows run-time dimensions as {@code -1}.
   */
  public static Tensor symbolic(SymbolicValue value) {
    int[] shape = dev.kiln.graph.Dims.toInts(value.dims());
    return new Tensor(value.node().outputType(value.index()), shape, null, null, value);
  }

  // ---- masks ----------------------------------------------------------------------------------------

  /**
   * The Keras mask of this tensor (BOOL {@code [batch, time]} for a sequence: {@code true} where a step is real), or
   * {@code null}. Layers pass it on, combine, consume or drop it as their Keras 3 twins do ({@code compute_mask}); ops
   * never carry it over, as in Keras.
   */
  public Tensor mask() {
    return mask;
  }

  /**
   * This tensor carrying {@code mask} (Keras' {@code _keras_mask}); {@code null} removes it. The values are shared, not
   * copied. The mask must be a BOOL tensor, concrete or symbolic like this one.
   *
   * <pre>{@code Tensor x = Tensor.of(values, 2, 5, 8).withMask(Tensor.ofBooleans(valid, 2, 5));}</pre>
   */
  public Tensor withMask(Tensor mask) {
    if (mask != null && mask.dtype != DType.BOOL) {
      throw new IllegalArgumentException("a mask must be a bool tensor, got " + mask.dtype.kerasName()
          + Shapes.toString(mask.shape));
    }
    if (mask != null && mask.isSymbolic() != isSymbolic()) {
      throw new IllegalArgumentException("a mask must be " + (isSymbolic() ? "symbolic" : "concrete") + " like its tensor "
          + this + ", got " + mask);
    }
    return new Tensor(dtype, shape, floats, ints, symbol, mask);
  }

  // ---- accessors -------------------------------------------------------------------------------------

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  /** The size of axis {@code axis}; negative axes count from the end; {@code -1} if symbolic and unknown. */
  public int dim(int axis) {
    return shape[Shapes.axis(axis, shape.length, "Tensor.dim")];
  }

  /** Number of elements ({@code -1} for a symbolic tensor with an unknown dimension). */
  public int size() {
    return Shapes.size(shape);
  }

  public DType dtype() {
    return dtype;
  }

  /** The static shape, as handed to {@code build}. */
  public TensorShape tensorShape() {
    return TensorShape.of(shape);
  }

  /** True while tracing: this tensor has a shape but no values. */
  public boolean isSymbolic() {
    return symbol != null;
  }

  /** The graph value of a symbolic tensor, or {@code null}. */
  public SymbolicValue symbol() {
    return symbol;
  }

  /** A copy of the values as floats (int32 and bool values are converted). */
  public float[] toFloatArray() {
    requireConcrete();
    if (floats != null) return floats.clone();
    float[] out = new float[ints.length];
    for (int i = 0; i < out.length; i++) out[i] = ints[i];
    return out;
  }

  /** A copy of the values as ints (float values are truncated toward zero, as a Java cast). */
  public int[] toIntArray() {
    requireConcrete();
    if (ints != null) return ints.clone();
    int[] out = new int[floats.length];
    for (int i = 0; i < out.length; i++) out[i] = (int) floats[i];
    return out;
  }

  /** The value at the given index, as a float. */
  public float getFloat(int... index) {
    requireConcrete();
    int flat = flatIndex(index);
    return floats != null ? floats[flat] : ints[flat];
  }

  /** The value at the given index, as an int. */
  public int getInt(int... index) {
    requireConcrete();
    int flat = flatIndex(index);
    return ints != null ? ints[flat] : (int) floats[flat];
  }

  /** The same values with another shape (one {@code -1} allowed); shares storage. */
  public Tensor reshape(int... newShape) {
    requireConcrete();
    int[] resolved = resolveReshape(shape, newShape);
    return new Tensor(dtype, resolved, floats, ints, null);
  }

  /**
   * The backing float array, without copying: writes are visible in the tensor. For kernels and
   * generated code; {@code null} for int and bool tensors.
   */
  public float[] floatBuffer() {
    requireConcrete();
    return floats;
  }

  /** The backing int array (int32 and bool), without copying; {@code null} for float tensors. */
  public int[] intBuffer() {
    requireConcrete();
    return ints;
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  /** Resolves one {@code -1} in {@code target} against the element count of {@code from}. */
  static int[] resolveReshape(int[] from, int[] target) {
    int known = 1;
    int unknownAt = -1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        if (unknownAt >= 0) {
          throw new IllegalArgumentException("reshape to " + Shapes.toString(target) + ": only one -1 is allowed");
        }
        unknownAt = i;
      } else if (target[i] < 0) {
        throw new IllegalArgumentException("reshape to " + Shapes.toString(target) + ": negative dimension");
      } else {
        known *= target[i];
      }
    }
    int n = Shapes.size(from);
    int[] out = target.clone();
    if (unknownAt >= 0) {
      if (known == 0 || n % known != 0) {
        throw new IllegalArgumentException(
            "cannot reshape " + Shapes.toString(from) + " (" + n + " elements) to " + Shapes.toString(target));
      }
      out[unknownAt] = n / known;
    } else if (known != n) {
      throw new IllegalArgumentException(
          "cannot reshape " + Shapes.toString(from) + " (" + n + " elements) to " + Shapes.toString(target));
    }
    return out;
  }

  private int flatIndex(int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "index of rank " + index.length + " for a tensor of shape " + Shapes.toString(shape));
    }
    int flat = 0;
    for (int i = 0; i < index.length; i++) {
      int k = index[i] < 0 ? index[i] + shape[i] : index[i];
      if (k < 0 || k >= shape[i]) {
        throw new IndexOutOfBoundsException(
            "index " + Arrays.toString(index) + " out of bounds for shape " + Shapes.toString(shape));
      }
      flat = flat * shape[i] + k;
    }
    return flat;
  }

  private void requireConcrete() {
    if (symbol != null) {
      throw new IllegalStateException(
          "tensor " + symbol.name() + " is symbolic (traced at compile time) and has no values");
    }
  }

  private static void checkShape(int[] shape, int length) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Shapes.toString(shape));
      n *= d;
    }
    if (length >= 0 && n != length) {
      throw new IllegalArgumentException(
          "shape " + Shapes.toString(shape) + " needs " + n + " values, got " + length);
    }
  }

  private static IllegalArgumentException ragged(int axis, int expected, int got) {
    return new IllegalArgumentException(
        "ragged array: axis " + (axis + 1) + " has length " + got + " where " + expected + " was expected");
  }

  @Override
  public String toString() {
    if (symbol != null) return "Tensor(" + symbol.name() + ", " + dtype.kerasName() + Shapes.toString(shape) + ")";
    StringBuilder sb = new StringBuilder("Tensor(").append(dtype.kerasName()).append(Shapes.toString(shape)).append(": ");
    int n = Math.min(size(), 8);
    for (int i = 0; i < n; i++) {
      if (i > 0) sb.append(", ");
      sb.append(floats != null ? String.valueOf(floats[i]) : String.valueOf(ints[i]));
    }
    if (size() > n) sb.append(", ...");
    return sb.append(')').toString();
  }
}

package dev.kiln.spark;

import dev.kiln.DType;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The Spark column types a placeholder can be fed from, and how one row's value is copied into a batch buffer.
 * A float32 placeholder takes {@code array<float>}, {@code array<double>}, {@code array<int>} (converted, as
 * {@code Session.run} converts int feeds) or an ML {@code vector} (dense or sparse); an int32 placeholder (token
 * ids) takes {@code array<int>}.
 */
enum ColumnKind {
  FLOAT_ARRAY("array<float>"),
  DOUBLE_ARRAY("array<double>"),
  INT_ARRAY("array<int>"),
  VECTOR("vector");

  private static final VectorUDT VECTOR_UDT = new VectorUDT();

  /** The type's name as Spark prints it ({@code DataType.simpleString()}). */
  final String typeName;

  ColumnKind(String typeName) {
    this.typeName = typeName;
  }

  /** The kinds a placeholder of {@code dtype} accepts, in the order messages list them. */
  static List<ColumnKind> accepted(DType dtype) {
    return dtype == DType.INT32 ? Arrays.asList(INT_ARRAY) : Arrays.asList(FLOAT_ARRAY, DOUBLE_ARRAY, INT_ARRAY, VECTOR);
  }

  /** The kind of {@code type} when a placeholder of {@code dtype} accepts it, else {@code null}. */
  static ColumnKind of(DataType type, DType dtype) {
    for (ColumnKind k : accepted(dtype)) {
      if (k.matches(type)) return k;
    }
    return null;
  }

  private boolean matches(DataType type) {
    switch (this) {
      case VECTOR:
        return type instanceof VectorUDT;
      case FLOAT_ARRAY:
        return isArrayOf(type, DataTypes.FloatType);
      case DOUBLE_ARRAY:
        return isArrayOf(type, DataTypes.DoubleType);
      default:
        return isArrayOf(type, DataTypes.IntegerType);
    }
  }

  private static boolean isArrayOf(DataType type, DataType element) {
    return type instanceof ArrayType && ((ArrayType) type).elementType().equals(element);
  }

  /**
   * Copies the value of column {@code ordinal} of {@code row} ({@code size} values) into {@code floats} (or
   * {@code ints} for an int32 placeholder) from {@code offset}. Returns {@code null}, or what is wrong with the
   * value ({@code "is null"}, {@code "has 783 values"}, {@code "has a null at index 5"}) and then writes nothing
   * the caller keeps.
   */
  String read(InternalRow row, int ordinal, int size, float[] floats, int[] ints, int offset) {
    if (row.isNullAt(ordinal)) return "is null";
    if (this == VECTOR) return readVector(VECTOR_UDT.deserialize(row.getStruct(ordinal, 4)), size, floats, offset);
    ArrayData a = row.getArray(ordinal);
    int n = a.numElements();
    if (n != size) return "has " + n + " values";
    for (int i = 0; i < n; i++) {
      if (a.isNullAt(i)) return "has a null at index " + i;
    }
    switch (this) {
      case FLOAT_ARRAY:
        for (int i = 0; i < n; i++) floats[offset + i] = a.getFloat(i);
        break;
      case DOUBLE_ARRAY:
        for (int i = 0; i < n; i++) floats[offset + i] = (float) a.getDouble(i);
        break;
      default:
        if (ints != null) {
          for (int i = 0; i < n; i++) ints[offset + i] = a.getInt(i);
        } else {
          for (int i = 0; i < n; i++) floats[offset + i] = a.getInt(i);
        }
    }
    return null;
  }

  private static String readVector(Vector v, int size, float[] floats, int offset) {
    if (v.size() != size) return "has " + v.size() + " values";
    if (v instanceof DenseVector) {
      double[] values = ((DenseVector) v).values();
      for (int i = 0; i < size; i++) floats[offset + i] = (float) values[i];
    } else {
      SparseVector sparse = (SparseVector) v;
      int[] indices = sparse.indices();
      double[] values = sparse.values();
      Arrays.fill(floats, offset, offset + size, 0f);
      for (int k = 0; k < indices.length; k++) floats[offset + indices[k]] = (float) values[k];
    }
    return null;
  }
}

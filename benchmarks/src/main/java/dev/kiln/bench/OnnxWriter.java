package dev.kiln.bench;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A minimal ONNX {@code ModelProto} encoder (protobuf wire format by hand): IR version 8, default-domain opset 13
 * (or the one given), float32 initializers as {@code raw_data}, float inputs/outputs whose first dimension is the
 * symbolic {@code N} (or any element type and symbolic dimensions through {@link #typedInput}). Field numbers are
 * those of onnx.proto.
 */
public final class OnnxWriter {
  /** onnx.proto's {@code TensorProto.DataType} values used here. */
  public static final int FLOAT = 1, INT32 = 6, INT64 = 7;

  private final ByteArrayOutputStream graph = new ByteArrayOutputStream();
  private final int opset;
  private int nodes;

  /** A model of default-domain opset 13. */
  public OnnxWriter() {
    this(13);
  }

  /** A model of the given default-domain opset (17 has {@code LayerNormalization}). */
  public OnnxWriter(int opset) {
    this.opset = opset;
  }

  /** A float32 initializer (a constant weight). */
  public OnnxWriter initializer(String name, float[] values, long... dims) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    for (long d : dims) varintField(t, 1, d);
    varintField(t, 2, 1); // FLOAT
    bytesField(t, 8, utf8(name));
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    bytesField(t, 9, raw.array());
    bytesField(graph, 5, t.toByteArray());
    return this;
  }

  /** An int64 initializer (shapes for Reshape). */
  public OnnxWriter initializerInt64(String name, long[] values, long... dims) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    for (long d : dims) varintField(t, 1, d);
    varintField(t, 2, 7); // INT64
    bytesField(t, 8, utf8(name));
    ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    raw.asLongBuffer().put(values);
    bytesField(t, 9, raw.array());
    bytesField(graph, 5, t.toByteArray());
    return this;
  }

  /** An int32 initializer (indices, lengths). */
  public OnnxWriter initializerInt32(String name, int[] values, long... dims) {
    ByteArrayOutputStream t = new ByteArrayOutputStream();
    for (long d : dims) varintField(t, 1, d);
    varintField(t, 2, INT32);
    bytesField(t, 8, utf8(name));
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asIntBuffer().put(values);
    bytesField(t, 9, raw.array());
    bytesField(graph, 5, t.toByteArray());
    return this;
  }

  /** A node; {@code attrs} are {@code name, value} pairs with values {@code Long}, {@code Float} or {@code long[]}. */
  public OnnxWriter node(String opType, String[] inputs, String[] outputs, Object... attrs) {
    ByteArrayOutputStream n = new ByteArrayOutputStream();
    for (String i : inputs) bytesField(n, 1, utf8(i));
    for (String o : outputs) bytesField(n, 2, utf8(o));
    bytesField(n, 3, utf8(opType + "_" + nodes++));
    bytesField(n, 4, utf8(opType));
    for (int a = 0; a < attrs.length; a += 2) {
      ByteArrayOutputStream at = new ByteArrayOutputStream();
      bytesField(at, 1, utf8((String) attrs[a]));
      Object v = attrs[a + 1];
      if (v instanceof Float) {
        tag(at, 2, 5);
        int bits = Float.floatToIntBits((Float) v);
        for (int s = 0; s < 32; s += 8) at.write((bits >>> s) & 0xff);
        varintField(at, 20, 1); // FLOAT
      } else if (v instanceof long[]) {
        for (long x : (long[]) v) varintField(at, 8, x);
        varintField(at, 20, 7); // INTS
      } else {
        varintField(at, 3, ((Number) v).longValue());
        varintField(at, 20, 2); // INT
      }
      bytesField(n, 5, at.toByteArray());
    }
    bytesField(graph, 1, n.toByteArray());
    return this;
  }

  public OnnxWriter input(String name, long... dimsAfterBatch) {
    bytesField(graph, 11, valueInfo(name, dimsAfterBatch));
    return this;
  }

  /**
   * A graph input of element type {@code elemType} ({@link #FLOAT}, {@link #INT32}, ...) whose dimensions are each a
   * {@code Number} (fixed) or a {@code String} (symbolic: {@code "N"}, {@code "T"}).
   */
  public OnnxWriter typedInput(String name, int elemType, Object... dims) {
    bytesField(graph, 11, valueInfo(name, elemType, dims));
    return this;
  }

  public OnnxWriter output(String name, long... dimsAfterBatch) {
    bytesField(graph, 12, valueInfo(name, dimsAfterBatch));
    return this;
  }

  public byte[] toBytes() {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    varintField(m, 1, 8); // ir_version
    bytesField(m, 2, utf8("kiln-benchmarks")); // producer_name
    ByteArrayOutputStream g = new ByteArrayOutputStream();
    byte[] body = graph.toByteArray();
    g.write(body, 0, body.length);
    bytesField(g, 2, utf8("kiln_bench"));
    bytesField(m, 7, g.toByteArray()); // graph
    ByteArrayOutputStream opsetId = new ByteArrayOutputStream();
    bytesField(opsetId, 1, new byte[0]); // domain "" (ai.onnx)
    varintField(opsetId, 2, opset);
    bytesField(m, 8, opsetId.toByteArray());
    return m.toByteArray();
  }

  private static byte[] valueInfo(String name, long[] dimsAfterBatch) {
    Object[] dims = new Object[dimsAfterBatch.length + 1];
    dims[0] = "N";
    for (int i = 0; i < dimsAfterBatch.length; i++) dims[i + 1] = dimsAfterBatch[i];
    return valueInfo(name, FLOAT, dims);
  }

  private static byte[] valueInfo(String name, int elemType, Object[] dims) {
    ByteArrayOutputStream shape = new ByteArrayOutputStream();
    for (Object d : dims) {
      ByteArrayOutputStream dim = new ByteArrayOutputStream();
      if (d instanceof String) bytesField(dim, 2, utf8((String) d)); // dim_param
      else varintField(dim, 1, ((Number) d).longValue()); // dim_value
      bytesField(shape, 1, dim.toByteArray());
    }
    ByteArrayOutputStream tensorType = new ByteArrayOutputStream();
    varintField(tensorType, 1, elemType);
    bytesField(tensorType, 2, shape.toByteArray());
    ByteArrayOutputStream type = new ByteArrayOutputStream();
    bytesField(type, 1, tensorType.toByteArray());
    ByteArrayOutputStream vi = new ByteArrayOutputStream();
    bytesField(vi, 1, utf8(name));
    bytesField(vi, 2, type.toByteArray());
    return vi.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void tag(ByteArrayOutputStream out, int field, int wireType) {
    varint(out, ((long) field << 3) | wireType);
  }

  private static void varintField(ByteArrayOutputStream out, int field, long v) {
    tag(out, field, 0);
    varint(out, v);
  }

  private static void bytesField(ByteArrayOutputStream out, int field, byte[] b) {
    tag(out, field, 2);
    varint(out, b.length);
    out.write(b, 0, b.length);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }
}

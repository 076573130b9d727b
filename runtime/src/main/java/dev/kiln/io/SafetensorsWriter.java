package dev.kiln.io;

import dev.kiln.DType;
import dev.kiln.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.util.Map;

/**
 * Writes the safetensors format: tensors in the map's iteration order, the header's JSON keys in the same
 * order, the header padded with spaces to a multiple of 8 bytes. FLOAT32 is written as F32, INT32 as I32,
 * BOOL as BOOL (one byte, 0 or 1). No {@code __metadata__} is written.
 *
 * <p>Internal to {@link dev.kiln.Weights}; use that class.
 */
public final class SafetensorsWriter {
  private static final int CHUNK = 1 << 16;

  private SafetensorsWriter() {}

  /** Writes {@code tensors} to {@code out} (not closed). Symbolic tensors cannot be written. */
  public static void write(Map<String, Tensor> tensors, OutputStream out) throws IOException {
    StringBuilder json = new StringBuilder("{");
    long offset = 0;
    boolean first = true;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      if (name.equals("__metadata__")) {
        throw new IllegalArgumentException("a weight cannot be called __metadata__ in safetensors");
      }
      if (t.isSymbolic()) throw new IllegalArgumentException("weight '" + name + "' is symbolic and has no values");
      long bytes = (long) t.size() * t.dtype().byteSize();
      if (!first) json.append(',');
      first = false;
      Json.quote(name, json);
      json.append(":{\"dtype\":\"").append(dtypeName(t.dtype())).append("\",\"shape\":[");
      int[] shape = t.shape();
      for (int i = 0; i < shape.length; i++) {
        if (i > 0) json.append(',');
        json.append(shape[i]);
      }
      json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
      offset += bytes;
    }
    json.append('}');
    byte[] header = json.toString().getBytes(Charset.forName("UTF-8"));
    int padded = (header.length + 7) & ~7;
    byte[] head = new byte[8 + padded];
    putLong(head, 0, padded);
    System.arraycopy(header, 0, head, 8, header.length);
    for (int i = 8 + header.length; i < head.length; i++) head[i] = ' ';
    out.write(head);

    byte[] buf = new byte[CHUNK];
    for (Tensor t : tensors.values()) {
      if (t.dtype() == DType.FLOAT32) {
        float[] f = t.floatBuffer();
        int n = t.size();
        for (int i = 0; i < n; ) {
          int k = Math.min(n - i, CHUNK / 4);
          for (int j = 0; j < k; j++) putInt(buf, 4 * j, Float.floatToRawIntBits(f[i + j]));
          out.write(buf, 0, 4 * k);
          i += k;
        }
      } else if (t.dtype() == DType.INT32) {
        int[] v = t.intBuffer();
        int n = t.size();
        for (int i = 0; i < n; ) {
          int k = Math.min(n - i, CHUNK / 4);
          for (int j = 0; j < k; j++) putInt(buf, 4 * j, v[i + j]);
          out.write(buf, 0, 4 * k);
          i += k;
        }
      } else {
        int[] v = t.intBuffer();
        int n = t.size();
        for (int i = 0; i < n; ) {
          int k = Math.min(n - i, CHUNK);
          for (int j = 0; j < k; j++) buf[j] = (byte) (v[i + j] != 0 ? 1 : 0);
          out.write(buf, 0, k);
          i += k;
        }
      }
    }
  }

  static String dtypeName(DType dtype) {
    switch (dtype) {
      case FLOAT32:
        return "F32";
      case INT32:
        return "I32";
      case BOOL:
        return "BOOL";
      default:
        throw new IllegalArgumentException("cannot write dtype " + dtype);
    }
  }

  private static void putInt(byte[] b, int i, int v) {
    b[i] = (byte) v;
    b[i + 1] = (byte) (v >>> 8);
    b[i + 2] = (byte) (v >>> 16);
    b[i + 3] = (byte) (v >>> 24);
  }

  private static void putLong(byte[] b, int i, long v) {
    putInt(b, i, (int) v);
    putInt(b, i + 4, (int) (v >>> 32));
  }
}

package dev.kiln.io;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Bounded reads and element decoding shared by the safetensors and npy readers. */
final class DataReader {
  /** Largest element count of a tensor (the largest safe Java array length). */
  static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;
  /** Largest rank accepted (NumPy 2 allows 64). */
  static final int MAX_RANK = 64;

  private static final int CHUNK = 1 << 16;

  private DataReader() {}

  /** Reads up to {@code len} bytes; returns how many were read before end of stream. */
  static int readUpTo(InputStream in, byte[] buf, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int n = in.read(buf, off + done, len - done);
      if (n < 0) break;
      done += n;
    }
    return done;
  }

  /**
   * Reads exactly {@code n} bytes, growing the buffer as bytes actually arrive so a lying length costs no
   * more memory than the bytes present. Throws naming {@code what} when the stream ends early.
   */
  static byte[] readExactly(InputStream in, long n, String what) throws IOException {
    if (n < 0 || n > MAX_ELEMENTS) throw new WeightsFormatException(what + ": cannot read " + n + " bytes");
    byte[] buf = new byte[(int) Math.min(n, CHUNK)];
    int done = 0;
    while (done < n) {
      if (done == buf.length) buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
      int got = in.read(buf, done, buf.length - done);
      if (got < 0) {
        throw new WeightsFormatException(what + ": truncated: expected " + n + " bytes, found " + done);
      }
      done += got;
    }
    return buf;
  }

  /**
   * Checks a shape read from a file (non-negative dims that fit an int, bounded rank and element count)
   * and returns it as an int array.
   */
  static int[] checkShape(long[] dims, String what) throws WeightsFormatException {
    if (dims.length > MAX_RANK) {
      throw new WeightsFormatException(what + ": rank " + dims.length + " exceeds the maximum of " + MAX_RANK);
    }
    int[] shape = new int[dims.length];
    long count = 1;
    for (int i = 0; i < dims.length; i++) {
      long d = dims[i];
      if (d < 0) throw new WeightsFormatException(what + ": negative dimension " + d + " in shape " + str(dims));
      if (d > Integer.MAX_VALUE) {
        throw new WeightsFormatException(what + ": dimension " + d + " in shape " + str(dims) + " does not fit an int");
      }
      shape[i] = (int) d;
    }
    for (long d : dims) {
      if (d == 0) return shape; // no elements, however large the other dimensions
    }
    for (long d : dims) {
      count *= d; // both factors are <= 2^31 here, so no overflow
      if (count > MAX_ELEMENTS) {
        throw new WeightsFormatException(
            what + ": shape " + str(dims) + " has more than " + MAX_ELEMENTS + " elements");
      }
    }
    return shape;
  }

  static int count(int[] shape) {
    return Shapes.size(shape);
  }

  static String str(long[] dims) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(dims[i]);
    }
    return sb.append(']').toString();
  }

  /**
   * Reads and decodes {@code product(shape)} elements into the tensor's own storage (4 bytes per element, BOOL
   * included). With {@code sizeChecked} the caller has checked that the bytes exist (against a file's size) or
   * fit its budget, and the storage is allocated at once; otherwise the raw bytes are read first, in chunks,
   * so that a lying shape costs no more memory than the bytes actually present.
   */
  static Tensor readTensor(InputStream in, Encoding enc, int[] shape, boolean sizeChecked, String what)
      throws IOException {
    int count = count(shape);
    long total = (long) count * enc.size;
    List<byte[]> chunks = sizeChecked ? null : readChunks(in, total, what);
    Tensor t = enc == Encoding.BOOL ? Tensor.zeros(DType.BOOL, shape)
        : enc == Encoding.I32 ? Tensor.wrapInts(new int[count], shape)
        : Tensor.wrap(new float[count], shape);
    float[] f = enc.floating ? t.floatBuffer() : null;
    int[] v = enc.floating ? null : t.intBuffer();
    byte[] buf = sizeChecked ? new byte[(int) Math.min(CHUNK, Math.max(total, 1))] : null;
    int pos = 0;
    long done = 0;
    for (int c = 0; done < total; c++) {
      byte[] b;
      int n;
      if (chunks != null) {
        b = chunks.set(c, null); // let each chunk go once decoded
        n = b.length;
      } else {
        b = buf;
        n = (int) Math.min(buf.length, total - done);
        int got = readUpTo(in, buf, 0, n);
        if (got < n) throw truncated(what, total, done + got);
      }
      int k = n / enc.size; // CHUNK is a multiple of every element size
      decode(enc, b, k, f, v, pos);
      pos += k;
      done += n;
    }
    return t;
  }

  /** Reads {@code total} bytes as chunks of at most {@link #CHUNK} bytes, each a whole number of elements. */
  private static List<byte[]> readChunks(InputStream in, long total, String what) throws IOException {
    List<byte[]> chunks = new ArrayList<byte[]>();
    long done = 0;
    while (done < total) {
      byte[] b = new byte[(int) Math.min(CHUNK, total - done)];
      int got = readUpTo(in, b, 0, b.length);
      if (got < b.length) throw truncated(what, total, done + got);
      chunks.add(b);
      done += got;
    }
    return chunks;
  }

  private static WeightsFormatException truncated(String what, long expected, long found) {
    return new WeightsFormatException(what + ": truncated data: expected " + expected + " bytes, found " + found);
  }

  private static void decode(Encoding enc, byte[] b, int k, float[] f, int[] v, int pos) {
    switch (enc) {
      case F32:
        for (int i = 0; i < k; i++) f[pos + i] = Float.intBitsToFloat(int32(b, 4 * i));
        break;
      case F16:
        for (int i = 0; i < k; i++) f[pos + i] = halfToFloat(uint16(b, 2 * i));
        break;
      case BF16:
        for (int i = 0; i < k; i++) f[pos + i] = Float.intBitsToFloat(uint16(b, 2 * i) << 16);
        break;
      case F64:
        for (int i = 0; i < k; i++) {
          long bits = (int32(b, 8 * i) & 0xffffffffL) | ((long) int32(b, 8 * i + 4) << 32);
          f[pos + i] = (float) Double.longBitsToDouble(bits);
        }
        break;
      case I32:
        for (int i = 0; i < k; i++) v[pos + i] = int32(b, 4 * i);
        break;
      case BOOL:
        for (int i = 0; i < k; i++) v[pos + i] = b[i] != 0 ? 1 : 0;
        break;
      default:
        throw new AssertionError(enc);
    }
  }

  static int uint16(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  static int int32(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
  }

  /** IEEE 754 binary16 to float32, exact (subnormals, infinities, NaN payloads included). */
  static float halfToFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0) {
      float mag = mant * 0x1p-24f; // zero or subnormal: mant * 2^-24, exact in float32
      return sign != 0 ? -mag : mag;
    }
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13); // inf / NaN
    return Float.intBitsToFloat(sign | (exp - 15 + 127) << 23 | mant << 13);
  }
}

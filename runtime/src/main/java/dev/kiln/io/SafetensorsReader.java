package dev.kiln.io;

import dev.kiln.Tensor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Reads the <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON, then the data buffer. Supported dtypes are F32,
 * I32, BOOL, and F16 / BF16 (widened to float32). Validation follows the reference implementation: the
 * header is at most 100,000,000 bytes, tensors' byte ranges must tile the data buffer exactly (sorted by
 * offset, no gap, no overlap) and the buffer must end exactly where the last tensor ends.
 *
 * <p>The header is parsed as it streams in ({@link JsonReader}), never held whole: memory grows with the
 * tensors it describes, not with its size; {@code __metadata__} is checked (an object of strings) and dropped.
 * A tensor name may be at most {@link JsonReader#DEFAULT_MAX_STRING_CHARS} characters long.
 *
 * <p>Internal to {@link dev.kiln.Weights}; use that class.
 */
public final class SafetensorsReader {
  /** The reference implementation's limit on the JSON header size. */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String SUPPORTED = "F32, F16, BF16, I32, BOOL";

  private SafetensorsReader() {}

  private static final class Info {
    final String name;
    final int index;
    final Encoding enc;
    final int[] shape;
    final long begin;
    final long end;

    Info(String name, int index, Encoding enc, int[] shape, long begin, long end) {
      this.name = name;
      this.index = index;
      this.enc = enc;
      this.shape = shape;
      this.begin = begin;
      this.end = end;
    }
  }

  /**
   * Reads every tensor, in header order. {@code knownLength} is the total byte length of the input when
   * known (a file), else {@code -1}; {@code source} names the input in error messages. The whole stream is
   * consumed: bytes after the data buffer are an error.
   */
  public static LinkedHashMap<String, Tensor> read(InputStream in, long knownLength, String source)
      throws IOException {
    byte[] lenBytes = new byte[8];
    int got = DataReader.readUpTo(in, lenBytes, 0, 8);
    if (got < 8) {
      throw new WeightsFormatException(
          source + ": too short for safetensors: " + got + " bytes, need at least 8 for the header length");
    }
    long n = (DataReader.int32(lenBytes, 0) & 0xffffffffL) | ((long) DataReader.int32(lenBytes, 4) << 32);
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw new WeightsFormatException(
          source + ": safetensors header length " + unsigned(n) + " exceeds the limit of "
              + MAX_HEADER_BYTES + " bytes");
    }
    if (knownLength >= 0 && 8 + n > knownLength) {
      throw new WeightsFormatException(
          source + ": safetensors header length " + n + " is larger than the file (" + knownLength
              + " bytes, " + (knownLength - 8) + " after the length field)");
    }
    long bufferLength = knownLength >= 0 ? knownLength - 8 - n : -1;
    // The header is read as a stream, never held whole: memory grows with the tensors it describes only.
    // The output map is filled in header order now (values come later) and catches duplicate names.
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<String, Tensor>();
    List<Info> infos = new ArrayList<Info>();
    // As the reference implementation: the header's first byte is '{' (no leading whitespace).
    int first = n == 0 ? -1 : in.read();
    if (first != '{') {
      throw new WeightsFormatException(source + ": safetensors header is not a JSON object: it "
          + (first < 0 ? "is empty" : String.format("starts with byte 0x%02X", first)) + ", not '{'");
    }
    JsonReader r = JsonReader.of(new SequenceInputStream(new ByteArrayInputStream(new byte[] {'{'}), in), n);
    try {
      r.beginObject();
      boolean metadata = false;
      while (r.hasNext()) {
        String name = r.nextName();
        if (name.equals("__metadata__")) {
          if (metadata) throw new WeightsFormatException(source + ": duplicate \"__metadata__\"");
          metadata = true;
          checkMetadata(r, source);
        } else {
          if (out.containsKey(name)) throw new WeightsFormatException(source + ": duplicate tensor '" + name + "'");
          out.put(name, null);
          infos.add(info(r, name, infos.size(), bufferLength, source));
        }
      }
      r.endObject();
      r.endDocument();
    } catch (JsonException e) {
      throw new WeightsFormatException(source + ": safetensors header is not valid JSON: " + e.getMessage(), e);
    }

    // The byte ranges must tile [0, end) exactly.
    List<Info> byOffset = new ArrayList<Info>(infos);
    Collections.sort(byOffset, new Comparator<Info>() {
      @Override
      public int compare(Info a, Info b) {
        int c = Long.compare(a.begin, b.begin);
        return c != 0 ? c : Long.compare(a.end, b.end);
      }
    });
    long end = 0;
    Info previous = null;
    for (Info info : byOffset) {
      if (info.begin != end) {
        String after = previous == null ? "the start of the data buffer (offset 0)"
            : "tensor '" + previous.name + "' which ends at " + end;
        throw new WeightsFormatException(
            source + ": tensor '" + info.name + "': data_offsets [" + info.begin + ", " + info.end + "] "
                + (info.begin < end ? "overlap " : "leave a gap after ") + after);
      }
      end = info.end;
      previous = info;
    }
    if (bufferLength >= 0 && end != bufferLength) {
      throw new WeightsFormatException(
          source + ": safetensors data buffer is " + bufferLength + " bytes but the tensors cover " + end
              + " (" + (bufferLength - end) + " trailing bytes)");
    }

    Tensor[] tensors = new Tensor[infos.size()];
    for (Info info : byOffset) {
      tensors[info.index] = DataReader.readTensor(
          in, info.enc, info.shape, knownLength >= 0, source + ": tensor '" + info.name + "'");
    }
    if (in.read() >= 0) {
      throw new WeightsFormatException(
          source + ": trailing bytes after the safetensors data buffer, which should end at byte " + (8 + n + end));
    }
    for (Info info : infos) out.put(info.name, tensors[info.index]);
    return out;
  }

  /** {@code n} read as an unsigned 64-bit number (Long.toUnsignedString needs Android API 26). */
  private static String unsigned(long n) {
    return n >= 0 ? String.valueOf(n) : BigInteger.valueOf(n).add(BigInteger.ONE.shiftLeft(64)).toString();
  }

  /** {@code __metadata__}: an object of strings, checked as it streams by (Kiln keeps none of it). */
  private static void checkMetadata(JsonReader r, String source) throws IOException {
    if (r.peek() != JsonReader.Token.BEGIN_OBJECT) {
      throw new WeightsFormatException(source + ": \"__metadata__\" must be an object of strings, found " + kind(r));
    }
    r.beginObject();
    while (r.hasNext()) {
      String key = r.nextName();
      if (r.peek() != JsonReader.Token.STRING) {
        throw new WeightsFormatException(
            source + ": \"__metadata__\" value for \"" + key + "\" must be a string, found " + kind(r));
      }
      r.nextString();
    }
    r.endObject();
  }

  private static Info info(JsonReader r, String name, int index, long bufferLength, String source) throws IOException {
    String what = source + ": tensor '" + name + "'";
    if (r.peek() != JsonReader.Token.BEGIN_OBJECT) {
      throw new WeightsFormatException(what + ": expected an object with dtype, shape, data_offsets, found " + kind(r));
    }
    String dtype = null;
    long[] dims = null;
    long[] offsets = null;
    r.beginObject();
    while (r.hasNext()) {
      String key = r.nextName();
      boolean seen;
      if (key.equals("dtype")) {
        seen = dtype != null;
        if (r.peek() != JsonReader.Token.STRING) throw new WeightsFormatException(what + ": dtype must be a string, found " + kind(r));
        dtype = r.nextString();
      } else if (key.equals("shape")) {
        seen = dims != null;
        dims = longs(r, what + ": shape");
      } else if (key.equals("data_offsets")) {
        seen = offsets != null;
        offsets = longs(r, what + ": data_offsets");
      } else {
        throw new WeightsFormatException(what + ": unexpected key \"" + key + "\" (expected dtype, shape, data_offsets)");
      }
      if (seen) throw new WeightsFormatException(what + ": duplicate key \"" + key + "\"");
    }
    r.endObject();
    if (dtype == null) throw new WeightsFormatException(what + ": missing \"dtype\"");
    if (dims == null) throw new WeightsFormatException(what + ": missing \"shape\"");
    if (offsets == null) throw new WeightsFormatException(what + ": missing \"data_offsets\"");
    Encoding enc = encoding(dtype);
    if (enc == null) {
      throw new WeightsFormatException(what + ": unsupported dtype \"" + dtype + "\" (supported: " + SUPPORTED + ")");
    }
    int[] shape = DataReader.checkShape(dims, what);
    if (offsets.length != 2) {
      throw new WeightsFormatException(what + ": data_offsets must be [begin, end], found " + offsets.length + " numbers");
    }
    long begin = offsets[0];
    long end = offsets[1];
    String range = "data_offsets [" + begin + ", " + end + "]";
    if (begin < 0 || end < 0) throw new WeightsFormatException(what + ": negative offset in " + range);
    if (begin > end) throw new WeightsFormatException(what + ": " + range + " begin after end");
    if (bufferLength >= 0 && end > bufferLength) {
      throw new WeightsFormatException(
          what + ": " + range + " out of range: the data buffer is " + bufferLength + " bytes");
    }
    long need = (long) DataReader.count(shape) * enc.size;
    if (end - begin != need) {
      throw new WeightsFormatException(
          what + ": " + range + " hold " + (end - begin) + " bytes but " + dtype + " shape "
              + Arrays.toString(shape) + " needs " + need);
    }
    return new Info(name, index, enc, shape, begin, end);
  }

  private static Encoding encoding(String dtype) {
    switch (dtype) {
      case "F32":
        return Encoding.F32;
      case "F16":
        return Encoding.F16;
      case "BF16":
        return Encoding.BF16;
      case "I32":
        return Encoding.I32;
      case "BOOL":
        return Encoding.BOOL;
      default:
        return null;
    }
  }

  /** An array of at most {@link DataReader#MAX_RANK} integers. */
  private static long[] longs(JsonReader r, String what) throws IOException {
    if (r.peek() != JsonReader.Token.BEGIN_ARRAY) {
      throw new WeightsFormatException(what + " must be an array of integers, found " + kind(r));
    }
    long[] values = new long[DataReader.MAX_RANK];
    int n = 0;
    r.beginArray();
    while (r.hasNext()) {
      if (n == values.length) {
        throw new WeightsFormatException(what + " has more than " + DataReader.MAX_RANK + " entries");
      }
      if (r.peek() != JsonReader.Token.NUMBER) throw new WeightsFormatException(what + ": expected an integer, found " + kind(r));
      String text = r.nextNumber();
      Long l = new Json.Num(text).asLong();
      if (l == null) throw new WeightsFormatException(what + ": expected an integer, found " + preview(text));
      values[n++] = l;
    }
    r.endArray();
    return Arrays.copyOf(values, n);
  }

  /** What the reader is at, for messages ("an object", "the number 1.5"); consumes a number it names. */
  private static String kind(JsonReader r) throws IOException {
    switch (r.peek()) {
      case BEGIN_OBJECT:
        return "an object";
      case BEGIN_ARRAY:
        return "an array";
      case STRING:
        return "a string";
      case NUMBER:
        return "the number " + preview(r.nextNumber());
      case BOOLEAN:
        return "a boolean";
      case NULL:
        return "null";
      default:
        return "nothing";
    }
  }

  private static String preview(String s) {
    String p = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c >= 0x20 && c < 0x7f) sb.append(c);
      else sb.append(String.format("\\u%04x", (int) c));
    }
    return sb.append('"').toString();
  }
}

package dev.kiln.io;

import dev.kiln.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the <a href="https://github.com/huggingface/safetensors">safetensors</a> format: an 8-byte
 * little-endian header length N, N bytes of UTF-8 JSON, then the data buffer. Supported dtypes are F32,
 * I32, BOOL, and F16 / BF16 (widened to float32). Validation follows the reference implementation: the
 * header is at most 100,000,000 bytes, tensors' byte ranges must tile the data buffer exactly (sorted by
 * offset, no gap, no overlap) and the buffer must end exactly where the last tensor ends.
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
    byte[] headerBytes = DataReader.readExactly(in, n, source + ": safetensors header");
    String header;
    try {
      header = Charset.forName("UTF-8").newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(headerBytes, 0, (int) n))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WeightsFormatException(source + ": safetensors header is not valid UTF-8", e);
    }
    if (!header.startsWith("{")) {
      throw new WeightsFormatException(
          source + ": safetensors header is not a JSON object: it starts with " + preview(header));
    }
    Object parsed;
    try {
      parsed = Json.parse(header);
    } catch (Json.SyntaxError e) {
      throw new WeightsFormatException(source + ": safetensors header is not valid JSON: " + e.getMessage(), e);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> top = (Map<String, Object>) parsed; // starts with '{' and parsed: an object

    long bufferLength = knownLength >= 0 ? knownLength - 8 - n : -1;
    List<Info> infos = new ArrayList<Info>();
    for (Map.Entry<String, Object> e : top.entrySet()) {
      if (e.getKey().equals("__metadata__")) {
        checkMetadata(e.getValue(), source);
      } else {
        infos.add(info(e.getKey(), infos.size(), e.getValue(), bufferLength, source));
      }
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
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<String, Tensor>();
    for (Info info : infos) out.put(info.name, tensors[info.index]);
    return out;
  }

  /** {@code n} read as an unsigned 64-bit number (Long.toUnsignedString needs Android API 26). */
  private static String unsigned(long n) {
    return n >= 0 ? String.valueOf(n) : BigInteger.valueOf(n).add(BigInteger.ONE.shiftLeft(64)).toString();
  }

  private static void checkMetadata(Object value, String source) throws WeightsFormatException {
    if (!(value instanceof Map)) {
      throw new WeightsFormatException(source + ": \"__metadata__\" must be an object of strings, found " + kind(value));
    }
    for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
      if (!(e.getValue() instanceof String)) {
        throw new WeightsFormatException(
            source + ": \"__metadata__\" value for \"" + e.getKey() + "\" must be a string, found " + kind(e.getValue()));
      }
    }
  }

  private static Info info(String name, int index, Object value, long bufferLength, String source)
      throws WeightsFormatException {
    String what = source + ": tensor '" + name + "'";
    if (!(value instanceof Map)) {
      throw new WeightsFormatException(what + ": expected an object with dtype, shape, data_offsets, found " + kind(value));
    }
    Map<?, ?> m = (Map<?, ?>) value;
    for (Object key : m.keySet()) {
      if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
        throw new WeightsFormatException(what + ": unexpected key \"" + key + "\" (expected dtype, shape, data_offsets)");
      }
    }
    Object dtype = require(m, "dtype", what);
    if (!(dtype instanceof String)) throw new WeightsFormatException(what + ": dtype must be a string, found " + kind(dtype));
    Encoding enc = encoding((String) dtype);
    if (enc == null) {
      throw new WeightsFormatException(what + ": unsupported dtype \"" + dtype + "\" (supported: " + SUPPORTED + ")");
    }
    long[] dims = longs(require(m, "shape", what), what + ": shape");
    int[] shape = DataReader.checkShape(dims, what);
    long[] offsets = longs(require(m, "data_offsets", what), what + ": data_offsets");
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

  private static Object require(Map<?, ?> m, String key, String what) throws WeightsFormatException {
    Object v = m.get(key);
    if (v == null) throw new WeightsFormatException(what + ": missing \"" + key + "\"");
    return v;
  }

  private static long[] longs(Object value, String what) throws WeightsFormatException {
    if (!(value instanceof List)) throw new WeightsFormatException(what + " must be an array of integers, found " + kind(value));
    List<?> list = (List<?>) value;
    if (list.size() > DataReader.MAX_RANK) {
      throw new WeightsFormatException(what + " has " + list.size() + " entries (at most " + DataReader.MAX_RANK + ")");
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = list.get(i);
      Long l = v instanceof Json.Num ? ((Json.Num) v).asLong() : null;
      if (l == null) throw new WeightsFormatException(what + ": expected an integer, found " + preview(String.valueOf(v)));
      out[i] = l;
    }
    return out;
  }

  private static String kind(Object v) {
    if (v instanceof Map) return "an object";
    if (v instanceof List) return "an array";
    if (v instanceof String) return "a string";
    if (v instanceof Json.Num) return "the number " + v;
    if (v instanceof Boolean) return "a boolean";
    return "null";
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

package dev.kiln.io;

import dev.kiln.DType;
import dev.kiln.Tensor;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The weight fuzzer's oracle: safetensors and npz decoded another way than Kiln's readers (the whole header as
 * a JSON tree, ByteBuffer decoding; npz through {@link ZipFile}'s central directory and regular expressions on
 * the .npy header). Each tensor comes back as its dtype, shape and raw values (float bits or ints).
 */
final class ReferenceDecoder {
  private ReferenceDecoder() {}

  /** A decoded tensor: FLOAT32 values as {@link Float#floatToRawIntBits}, INT32 and BOOL (0/1) as ints. */
  record Decoded(DType dtype, int[] shape, int[] values) {
    static Decoded of(Tensor t) {
      int[] v;
      if (t.dtype() == DType.FLOAT32) {
        float[] f = t.toFloatArray();
        v = new int[f.length];
        for (int i = 0; i < f.length; i++) v[i] = Float.floatToRawIntBits(f[i]);
      } else {
        v = t.toIntArray();
      }
      return new Decoded(t.dtype(), t.shape(), v);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Decoded d && d.dtype == dtype && Arrays.equals(d.shape, shape) && Arrays.equals(d.values, values);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
      return dtype + Arrays.toString(shape) + (values.length <= 16 ? Arrays.toString(values) : "(" + values.length + " values)");
    }
  }

  /** The file is not valid for the reference; the message says why. */
  static final class Rejected extends Exception {
    Rejected(String message) {
      super(message);
    }
  }

  static Map<String, Decoded> decode(Map<String, Tensor> weights) {
    Map<String, Decoded> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : weights.entrySet()) out.put(e.getKey(), Decoded.of(e.getValue()));
    return out;
  }

  // ---- safetensors: https://github.com/huggingface/safetensors#format --------------------------------------------

  static Map<String, Decoded> safetensors(byte[] file) throws Rejected {
    if (file.length < 8) throw new Rejected("shorter than the 8-byte header length");
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong(0);
    if (n < 0 || n > 100_000_000L || 8 + n > file.length) throw new Rejected("header length " + n);
    if (n == 0 || file[8] != '{') throw new Rejected("the header does not start with '{'");
    Object header;
    try {
      header = Json.parse(JsonReader.of(new ByteArrayInputStream(file, 8, (int) n), n));
    } catch (IOException e) {
      throw new Rejected("header: " + e.getMessage());
    }
    if (!(header instanceof Map<?, ?> top)) throw new Rejected("header is not an object");
    long dataLength = file.length - 8 - n;
    record Entry(String name, DType dtype, String code, int[] shape, long begin, long end) {}
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<?, ?> e : top.entrySet()) {
      String name = (String) e.getKey();
      if (name.equals("__metadata__")) {
        if (!(e.getValue() instanceof Map<?, ?> meta)) throw new Rejected("metadata is not an object");
        for (Object v : meta.values()) if (!(v instanceof String)) throw new Rejected("metadata value " + v);
        continue;
      }
      if (!(e.getValue() instanceof Map<?, ?> info)) throw new Rejected(name + " is not an object");
      if (!info.keySet().equals(java.util.Set.of("dtype", "shape", "data_offsets"))) throw new Rejected(name + " keys " + info.keySet());
      if (!(info.get("dtype") instanceof String code)) throw new Rejected(name + " dtype");
      int size = switch (code) {
        case "F32", "I32" -> 4;
        case "F16", "BF16" -> 2;
        case "BOOL" -> 1;
        default -> throw new Rejected(name + " dtype " + code);
      };
      DType dtype = code.equals("I32") ? DType.INT32 : code.equals("BOOL") ? DType.BOOL : DType.FLOAT32;
      long[] dims = integers(info.get("shape"), name + " shape");
      long[] offsets = integers(info.get("data_offsets"), name + " data_offsets");
      if (dims.length > 64 || offsets.length != 2) throw new Rejected(name + " shape/offsets length");
      long count = 1;
      int[] shape = new int[dims.length];
      for (int i = 0; i < dims.length; i++) {
        if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) throw new Rejected(name + " dimension " + dims[i]);
        shape[i] = (int) dims[i];
      }
      if (!Arrays.stream(dims).anyMatch(d -> d == 0)) {
        for (long d : dims) {
          count *= d;
          if (count > Integer.MAX_VALUE - 8) throw new Rejected(name + " too many elements");
        }
      } else {
        count = 0;
      }
      if (offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength) throw new Rejected(name + " offsets");
      if (offsets[1] - offsets[0] != count * size) throw new Rejected(name + " byte count");
      entries.add(new Entry(name, dtype, code, shape, offsets[0], offsets[1]));
    }
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort((x, y) -> x.begin != y.begin ? Long.compare(x.begin, y.begin) : Long.compare(x.end, y.end));
    long end = 0;
    for (Entry e : sorted) {
      if (e.begin != end) throw new Rejected(e.name + " does not start where the previous tensor ends");
      end = e.end;
    }
    if (end != dataLength) throw new Rejected("the data buffer has " + (dataLength - end) + " unused bytes");
    Map<String, Decoded> out = new LinkedHashMap<>();
    for (Entry e : entries) {
      int count = (int) ((e.end - e.begin) / Math.max(1, sizeOf(e.code)));
      ByteBuffer data = ByteBuffer.wrap(file, (int) (8 + n + e.begin), (int) (e.end - e.begin)).slice().order(ByteOrder.LITTLE_ENDIAN);
      out.put(e.name, new Decoded(e.dtype, e.shape, values(e.code, data, count)));
    }
    return out;
  }

  private static int sizeOf(String code) {
    return switch (code) {
      case "F32", "I32", "<f4", "<i4" -> 4;
      case "F16", "BF16", "<f2" -> 2;
      case "<f8" -> 8;
      default -> 1;
    };
  }

  private static int[] values(String code, ByteBuffer data, int count) {
    int[] v = new int[count];
    for (int i = 0; i < count; i++) {
      v[i] = switch (code) {
        case "F32", "<f4", "I32", "<i4" -> data.getInt(4 * i);
        case "F16", "<f2" -> half(data.getShort(2 * i) & 0xffff);
        case "BF16" -> (data.getShort(2 * i) & 0xffff) << 16;
        case "<f8" -> Float.floatToRawIntBits((float) data.getDouble(8 * i));
        default -> data.get(i) != 0 ? 1 : 0;
      };
    }
    return v;
  }

  /** binary16 to float32 bits: scaled significand, infinities and NaNs with their payload moved up. */
  private static int half(int h) {
    int sign = h >>> 15;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    float magnitude;
    if (exp == 31) return sign << 31 | 0x7f800000 | mant << 13;
    magnitude = exp == 0 ? Math.scalb((float) mant, -24) : Math.scalb((float) (mant | 0x400), exp - 25);
    return Float.floatToRawIntBits(sign == 1 ? -magnitude : magnitude);
  }

  private static long[] integers(Object v, String what) throws Rejected {
    if (!(v instanceof List<?> list)) throw new Rejected(what + " is not a list");
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(list.get(i) instanceof Json.Num num)) throw new Rejected(what + " entry " + list.get(i));
      if (!num.toString().matches("-?(0|[1-9][0-9]*)")) throw new Rejected(what + " entry " + num);
      try {
        out[i] = Long.parseLong(num.toString());
      } catch (NumberFormatException e) {
        throw new Rejected(what + " entry " + num);
      }
    }
    return out;
  }

  // ---- npz: zip (central directory) of .npy, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

  private static final Pattern DESCR = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
  private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

  static Map<String, Decoded> npz(File file) throws Rejected {
    Map<String, Decoded> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file)) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (e.isDirectory()) continue;
        if (!e.getName().endsWith(".npy")) throw new Rejected(e.getName() + " is not .npy");
        byte[] bytes;
        try (InputStream in = zip.getInputStream(e)) {
          bytes = in.readAllBytes();
        }
        out.put(e.getName().substring(0, e.getName().length() - 4), npy(bytes, e.getName()));
      }
    } catch (IOException | RuntimeException e) {
      throw new Rejected("zip: " + e);
    }
    return out;
  }

  private static Decoded npy(byte[] b, String what) throws Rejected {
    if (b.length < 10 || b[0] != (byte) 0x93 || !new String(b, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY")) {
      throw new Rejected(what + " magic");
    }
    ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int major = b[6];
    int headerStart = major == 1 ? 10 : 12;
    if (b.length < headerStart) throw new Rejected(what + " truncated");
    long headerLength = major == 1 ? buf.getShort(8) & 0xffff : buf.getInt(8) & 0xffffffffL;
    if (headerStart + headerLength > b.length) throw new Rejected(what + " header length");
    String dict = new String(b, headerStart, (int) headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(dict);
    Matcher f = FORTRAN.matcher(dict);
    Matcher s = SHAPE.matcher(dict);
    if (!d.find() || !f.find() || !s.find()) throw new Rejected(what + " dict " + dict);
    String code = d.group(1).equals("<b1") ? "|b1" : d.group(1);
    if (!List.of("<f4", "<f8", "<f2", "<i4", "|b1").contains(code) || f.group(1).equals("True")) throw new Rejected(what + " dtype");
    List<Integer> dims = new ArrayList<>();
    long count = 1;
    for (String part : s.group(1).split(",")) {
      String t = part.trim().replaceAll("L$", "");
      if (t.isEmpty()) continue;
      long dim = Long.parseLong(t);
      if (dim < 0 || dim > Integer.MAX_VALUE) throw new Rejected(what + " dimension " + dim);
      dims.add((int) dim);
      count *= dim;
    }
    long data = b.length - headerStart - headerLength;
    if (data != count * sizeOf(code)) throw new Rejected(what + " holds " + data + " bytes for " + count + " elements");
    int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
    DType dtype = code.equals("<i4") ? DType.INT32 : code.equals("|b1") ? DType.BOOL : DType.FLOAT32;
    ByteBuffer values = ByteBuffer.wrap(b, (int) (headerStart + headerLength), (int) data).slice().order(ByteOrder.LITTLE_ENDIAN);
    return new Decoded(dtype, shape, values(code, values, (int) count));
  }
}

package dev.kiln.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a NumPy {@code .npy} array: magic {@code \x93NUMPY}, version 1.x (2-byte header length),
 * 2.x or 3.x (4-byte length; 3.x is UTF-8), then a Python dict literal such as
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}.
 */
final class NpyHeader {
  /** Upper bound on the dict's length (NumPy itself refuses more than 10,000 bytes by default). */
  static final int MAX_HEADER_BYTES = 1 << 20;

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  static final String SUPPORTED = "<f4, <f8, <f2, <i4, |b1";

  final String descr;
  final boolean fortranOrder;
  final long[] shape;

  private NpyHeader(String descr, boolean fortranOrder, long[] shape) {
    this.descr = descr;
    this.fortranOrder = fortranOrder;
    this.shape = shape;
  }

  /** The element encoding of {@link #descr}, or {@code null} if unsupported. */
  Encoding encoding() {
    switch (descr) {
      case "<f4":
        return Encoding.F32;
      case "<f8":
        return Encoding.F64;
      case "<f2":
        return Encoding.F16;
      case "<i4":
        return Encoding.I32;
      case "|b1":
      case "<b1":
        return Encoding.BOOL;
      default:
        return null;
    }
  }

  /** Reads magic, version, length and dict from {@code in}; {@code what} names the array in messages. */
  static NpyHeader read(InputStream in, String what) throws IOException {
    byte[] pre = new byte[8];
    int got = DataReader.readUpTo(in, pre, 0, 8);
    for (int i = 0; i < MAGIC.length; i++) {
      if (i >= got || pre[i] != MAGIC[i]) {
        throw new WeightsFormatException(what + ": not a .npy array: expected the magic \\x93NUMPY, found "
            + hex(pre, got));
      }
    }
    if (got < 8) throw new WeightsFormatException(what + ": truncated .npy header: no version bytes");
    int major = pre[6] & 0xff;
    int minor = pre[7] & 0xff;
    long len;
    if (major == 1) {
      byte[] b = DataReader.readExactly(in, 2, what + ": .npy header length");
      len = DataReader.uint16(b, 0);
    } else if (major == 2 || major == 3) {
      byte[] b = DataReader.readExactly(in, 4, what + ": .npy header length");
      len = DataReader.int32(b, 0) & 0xffffffffL;
    } else {
      throw new WeightsFormatException(what + ": unsupported .npy version " + major + "." + minor + " (expected 1.x, 2.x or 3.x)");
    }
    if (len > MAX_HEADER_BYTES) {
      throw new WeightsFormatException(what + ": .npy header length " + len + " exceeds the limit of " + MAX_HEADER_BYTES);
    }
    byte[] dict = DataReader.readExactly(in, len, what + ": .npy header");
    String text;
    try {
      text = Charset.forName(major == 3 ? "UTF-8" : "ISO-8859-1").newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(dict))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WeightsFormatException(what + ": .npy header is not valid UTF-8", e);
    }
    return parse(text, what);
  }

  /** Parses the dict literal. */
  static NpyHeader parse(String text, String what) throws WeightsFormatException {
    Map<String, Object> dict;
    try {
      DictParser p = new DictParser(text);
      dict = p.dict();
      p.ws();
      if (p.pos != text.length()) throw p.error("unexpected text after the dict");
    } catch (SyntaxError e) {
      throw new WeightsFormatException(what + ": malformed .npy header " + preview(text) + ": " + e.getMessage());
    }
    for (String key : new String[] {"descr", "fortran_order", "shape"}) {
      if (!dict.containsKey(key)) {
        throw new WeightsFormatException(what + ": .npy header " + preview(text) + " has no '" + key + "'");
      }
    }
    if (dict.size() != 3) {
      throw new WeightsFormatException(what + ": .npy header has keys " + dict.keySet()
          + ", expected exactly descr, fortran_order, shape");
    }
    Object descr = dict.get("descr");
    if (!(descr instanceof String)) {
      throw new WeightsFormatException(what + ": unsupported .npy descr " + descr
          + " (structured dtypes are not supported; supported: " + SUPPORTED + ")");
    }
    Object fortran = dict.get("fortran_order");
    if (!(fortran instanceof Boolean)) {
      throw new WeightsFormatException(what + ": .npy fortran_order must be True or False, found " + fortran);
    }
    Object shape = dict.get("shape");
    if (!(shape instanceof long[])) {
      throw new WeightsFormatException(what + ": .npy shape must be a tuple of integers, found " + shape);
    }
    return new NpyHeader((String) descr, (Boolean) fortran, (long[]) shape);
  }

  private static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxError(String message) {
      super(message);
    }
  }

  /** Python literals: str, True/False/None, int, tuples of ints; lists and nested values are rejected. */
  private static final class DictParser {
    private final String s;
    int pos;

    DictParser(String s) {
      this.s = s;
    }

    Map<String, Object> dict() throws SyntaxError {
      ws();
      expect('{');
      Map<String, Object> map = new LinkedHashMap<String, Object>();
      while (true) {
        ws();
        if (peek() == '}') {
          pos++;
          return map;
        }
        String key = str();
        ws();
        expect(':');
        ws();
        Object v = value();
        if (map.containsKey(key)) throw error("duplicate key '" + key + "'");
        map.put(key, v);
        ws();
        if (peek() == ',') {
          pos++;
        } else if (peek() != '}') {
          throw error("expected ',' or '}'");
        }
      }
    }

    private Object value() throws SyntaxError {
      char c = peek();
      if (c == '\'' || c == '"') return str();
      if (c == '(') return tuple();
      if (c == '[') throw error("lists (structured dtypes) are not supported");
      if (s.startsWith("True", pos)) {
        pos += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("False", pos)) {
        pos += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("None", pos)) {
        pos += 4;
        return "None";
      }
      if (c == '-' || isDigit(c)) return integer();
      throw error("expected a value");
    }

    private long[] tuple() throws SyntaxError {
      pos++; // (
      List<Long> dims = new ArrayList<Long>();
      while (true) {
        ws();
        if (peek() == ')') {
          pos++;
          break;
        }
        if (dims.size() >= DataReader.MAX_RANK) throw error("more than " + DataReader.MAX_RANK + " dimensions");
        dims.add(integer());
        ws();
        if (peek() == ',') {
          pos++;
        } else if (peek() == ')') {
          if (dims.size() == 1) throw error("'(n)' is not a tuple; expected '(n,)'");
          pos++;
          break;
        } else {
          throw error("expected ',' or ')' in the shape tuple");
        }
      }
      long[] out = new long[dims.size()];
      for (int i = 0; i < out.length; i++) out[i] = dims.get(i);
      return out;
    }

    private long integer() throws SyntaxError {
      int start = pos;
      if (peek() == '-') pos++;
      int digitsAt = pos;
      while (isDigit(peek())) pos++;
      int digits = pos - digitsAt;
      if (digits == 0) throw error("expected an integer");
      if (digits > 18) throw error("integer " + s.substring(start, pos) + " is too large");
      long v = Long.parseLong(s.substring(start, pos)); // at most 18 digits: cannot fail
      if (peek() == 'L') pos++; // Python 2 long suffix
      return v;
    }

    private String str() throws SyntaxError {
      char q = peek();
      if (q != '\'' && q != '"') throw error("expected a quoted string");
      int end = s.indexOf(q, pos + 1);
      if (end < 0) throw error("unterminated string");
      String v = s.substring(pos + 1, end);
      if (v.indexOf('\\') >= 0) throw error("escapes in strings are not supported");
      pos = end + 1;
      return v;
    }

    void ws() {
      while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\n' || s.charAt(pos) == '\t'
          || s.charAt(pos) == '\r')) {
        pos++;
      }
    }

    private void expect(char c) throws SyntaxError {
      if (peek() != c) throw error("expected '" + c + "'");
      pos++;
    }

    private char peek() {
      return pos < s.length() ? s.charAt(pos) : 0;
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    SyntaxError error(String message) {
      return new SyntaxError(message + " at offset " + pos);
    }
  }

  private static String preview(String s) {
    String p = s.trim();
    if (p.length() > 80) p = p.substring(0, 80) + "...";
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c >= 0x20 && c < 0x7f) sb.append(c);
      else sb.append(String.format("\\u%04x", (int) c));
    }
    return sb.append('"').toString();
  }

  private static String hex(byte[] b, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int c = b[i] & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') sb.append((char) c);
      else sb.append(String.format("\\x%02x", c));
    }
    return n == 0 ? "end of data" : "\"" + sb + "\"";
  }
}

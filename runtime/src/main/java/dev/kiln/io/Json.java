package dev.kiln.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A minimal strict JSON (RFC 8259) parser for safetensors headers. Objects become {@link LinkedHashMap}s
 * (key order kept; duplicate keys rejected), arrays {@link List}s, strings {@link String}s, numbers
 * {@link Num} (the literal text, converted on demand), {@code true}/{@code false} {@link Boolean}s and
 * {@code null} {@link #NULL}. Nesting is limited so a hostile header cannot overflow the stack.
 */
final class Json {
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  static final int MAX_DEPTH = 64;

  /** A JSON number, kept as its literal text. */
  static final class Num {
    final String text;

    Num(String text) {
      this.text = text;
    }

    /** The value as a long if it is an integer literal that fits, else {@code null}. */
    Long asLong() {
      String t = text;
      boolean neg = t.startsWith("-");
      String digits = neg ? t.substring(1) : t;
      if (digits.isEmpty() || digits.length() > 19) return null;
      for (int i = 0; i < digits.length(); i++) {
        char c = digits.charAt(i);
        if (c < '0' || c > '9') return null;
      }
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        return null;
      }
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** A syntax error at a character offset. */
  static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxError(String message, int offset) {
      super(message + " at offset " + offset);
    }
  }

  private final String s;
  private int pos;

  private Json(String s) {
    this.s = s;
  }

  /** Parses one JSON value; only whitespace may follow it. */
  static Object parse(String text) throws SyntaxError {
    Json p = new Json(text);
    p.ws();
    Object v = p.value(0);
    p.ws();
    if (p.pos != text.length()) throw p.error("unexpected " + p.describe() + " after the JSON value");
    return v;
  }

  private Object value(int depth) throws SyntaxError {
    if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
    if (pos >= s.length()) throw error("unexpected end of input, expected a value");
    char c = s.charAt(pos);
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return NULL;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected " + describe() + ", expected a value");
    }
  }

  private LinkedHashMap<String, Object> object(int depth) throws SyntaxError {
    pos++; // {
    LinkedHashMap<String, Object> map = new LinkedHashMap<String, Object>();
    ws();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      ws();
      if (peek() != '"') throw error("unexpected " + describe() + ", expected a string key");
      int keyAt = pos;
      String key = string();
      ws();
      expect(':');
      ws();
      Object v = value(depth + 1);
      if (map.containsKey(key)) throw new SyntaxError("duplicate key \"" + key + "\"", keyAt);
      map.put(key, v);
      ws();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == '}') {
        pos++;
        return map;
      } else {
        throw error("unexpected " + describe() + ", expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) throws SyntaxError {
    pos++; // [
    List<Object> list = new ArrayList<Object>();
    ws();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      ws();
      list.add(value(depth + 1));
      ws();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == ']') {
        pos++;
        return list;
      } else {
        throw error("unexpected " + describe() + ", expected ',' or ']'");
      }
    }
  }

  private String string() throws SyntaxError {
    pos++; // "
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= s.length()) throw error("unterminated string");
      char c = s.charAt(pos++);
      if (c == '"') return sb.toString();
      if (c < 0x20) throw new SyntaxError("control character in string", pos - 1);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= s.length()) throw error("unterminated escape");
      char e = s.charAt(pos++);
      switch (e) {
        case '"':
        case '\\':
        case '/':
          sb.append(e);
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          int cp = 0;
          for (int i = 0; i < 4; i++) {
            if (pos >= s.length()) throw error("unterminated \\u escape");
            int d = Character.digit(s.charAt(pos), 16);
            if (d < 0) throw error("bad hex digit in \\u escape");
            cp = cp * 16 + d;
            pos++;
          }
          sb.append((char) cp);
          break;
        default:
          throw new SyntaxError("bad escape \\" + e, pos - 2);
      }
    }
  }

  private Num number() throws SyntaxError {
    int start = pos;
    if (peek() == '-') pos++;
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) pos++;
    } else {
      throw error("bad number");
    }
    if (peek() == '.') {
      pos++;
      if (!isDigit(peek())) throw error("bad number: digit expected after '.'");
      while (isDigit(peek())) pos++;
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      if (peek() == '+' || peek() == '-') pos++;
      if (!isDigit(peek())) throw error("bad number: digit expected in exponent");
      while (isDigit(peek())) pos++;
    }
    return new Num(s.substring(start, pos));
  }

  private void literal(String word) throws SyntaxError {
    if (!s.startsWith(word, pos)) throw error("unexpected " + describe() + ", expected " + word);
    pos += word.length();
  }

  private void expect(char c) throws SyntaxError {
    if (peek() != c) throw error("unexpected " + describe() + ", expected '" + c + "'");
    pos++;
  }

  private void ws() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      pos++;
    }
  }

  /** The current character, or {@code 0} at the end (never a valid JSON structural character). */
  private char peek() {
    return pos < s.length() ? s.charAt(pos) : 0;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private String describe() {
    if (pos >= s.length()) return "end of input";
    char c = s.charAt(pos);
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("character U+%04X", (int) c);
  }

  private SyntaxError error(String message) {
    return new SyntaxError(message, pos);
  }
}

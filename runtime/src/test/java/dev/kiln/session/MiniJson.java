package dev.kiln.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A strict little JSON parser for checking trace output: objects, arrays, strings, numbers, literals. */
final class MiniJson {
  private final String s;
  private int p;

  private MiniJson(String s) {
    this.s = s;
  }

  static Object parse(String s) {
    MiniJson j = new MiniJson(s);
    Object v = j.value();
    j.ws();
    if (j.p != s.length()) throw j.error("trailing characters");
    return v;
  }

  private Object value() {
    ws();
    if (p >= s.length()) throw error("unexpected end");
    char c = s.charAt(p);
    if (c == '{') {
      p++;
      Map<String, Object> m = new LinkedHashMap<>();
      ws();
      if (peek('}')) return m;
      do {
        ws();
        String k = string();
        ws();
        expect(':');
        if (m.put(k, value()) != null) throw error("duplicate key " + k);
        ws();
      } while (peek(','));
      expect('}');
      return m;
    }
    if (c == '[') {
      p++;
      List<Object> l = new ArrayList<>();
      ws();
      if (peek(']')) return l;
      do {
        l.add(value());
        ws();
      } while (peek(','));
      expect(']');
      return l;
    }
    if (c == '"') return string();
    for (String lit : new String[] {"true", "false", "null"}) {
      if (s.startsWith(lit, p)) {
        p += lit.length();
        return lit.equals("null") ? null : Boolean.valueOf(lit);
      }
    }
    int start = p;
    if (peek('-')) {}
    if (!digits()) throw error("bad value");
    if (peek('.') && !digits()) throw error("bad fraction");
    if (p < s.length() && (s.charAt(p) == 'e' || s.charAt(p) == 'E')) {
      p++;
      if (!peek('+')) peek('-');
      if (!digits()) throw error("bad exponent");
    }
    return Double.parseDouble(s.substring(start, p));
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (p >= s.length()) throw error("unterminated string");
      char c = s.charAt(p++);
      if (c == '"') return sb.toString();
      if (c < 0x20) throw error("raw control character in string");
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = s.charAt(p++);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'r' -> sb.append('\r');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'u' -> {
          sb.append((char) Integer.parseInt(s.substring(p, p + 4), 16));
          p += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private boolean digits() {
    int start = p;
    while (p < s.length() && Character.isDigit(s.charAt(p))) p++;
    return p > start;
  }

  private boolean peek(char c) {
    if (p < s.length() && s.charAt(p) == c) {
      p++;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    if (!peek(c)) throw error("expected '" + c + "'");
  }

  private void ws() {
    while (p < s.length() && Character.isWhitespace(s.charAt(p))) p++;
  }

  private IllegalArgumentException error(String msg) {
    return new IllegalArgumentException(msg + " at " + p + " in " + s);
  }
}

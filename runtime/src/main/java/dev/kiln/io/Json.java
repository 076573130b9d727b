package dev.kiln.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON documents as plain Java values, read with {@link JsonReader} (strict, with limits on size and depth)
 * and written back. Objects become {@link LinkedHashMap}s (key order kept; a duplicate key is an error),
 * arrays {@link List}s, strings {@link String}s, numbers {@link Num} (the literal text, converted on
 * demand), {@code true}/{@code false} {@link Boolean}s and {@code null} {@link #NULL}.
 *
 * <pre>{@code
 * Map<?, ?> doc = (Map<?, ?>) Json.parse("{\"units\": 10, \"name\": \"dense\"}");
 * int units = ((Json.Num) doc.get("units")).intValue();
 * String back = Json.write(doc);   // {"units":10,"name":"dense"}
 * }</pre>
 *
 * <p>Kiln reads safetensors headers, model files and its tests' reference data with this one reader.
 */
public final class Json {
  /** JSON {@code null} (a map's {@code get} returns Java {@code null} for a missing key). */
  public static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  private Json() {}

  /** A JSON number, kept as its literal text. */
  public static final class Num extends Number {
    private static final long serialVersionUID = 1L;

    private final String text;

    public Num(String text) {
      this.text = text;
    }

    /** The value as a long if the literal is an integer that fits (no fraction, no exponent), else {@code null}. */
    public Long asLong() {
      String t = text;
      boolean neg = t.startsWith("-");
      int digits = t.length() - (neg ? 1 : 0);
      if (digits == 0 || digits > 19) return null;
      for (int i = neg ? 1 : 0; i < t.length(); i++) {
        char c = t.charAt(i);
        if (c < '0' || c > '9') return null;
      }
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        return null; // 19 digits beyond the long range
      }
    }

    /** The value as an int if the literal is an integer in the int range, else {@code null}. */
    public Integer asInt() {
      Long l = asLong();
      return l != null && l == l.intValue() ? Integer.valueOf(l.intValue()) : null;
    }

    @Override
    public int intValue() {
      return (int) longValue();
    }

    @Override
    public long longValue() {
      Long l = asLong();
      return l != null ? l : (long) doubleValue();
    }

    /** Rounded once, from the decimal text (not through double). */
    @Override
    public float floatValue() {
      return Float.parseFloat(text);
    }

    @Override
    public double doubleValue() {
      return Double.parseDouble(text);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Num && ((Num) o).text.equals(text);
    }

    @Override
    public int hashCode() {
      return text.hashCode();
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /** Parses one JSON document (default limits: see {@link JsonReader}). */
  public static Object parse(String json) throws JsonException {
    try {
      return parse(JsonReader.of(json));
    } catch (JsonException e) {
      throw e;
    } catch (IOException e) {
      throw new AssertionError(e); // reading a string cannot fail otherwise
    }
  }

  /** Reads one value from {@code reader}, then checks that the document ends there. */
  public static Object parse(JsonReader reader) throws IOException {
    Object v = readValue(reader);
    reader.endDocument();
    return v;
  }

  /** Reads the next value from {@code reader} as a tree. */
  public static Object readValue(JsonReader reader) throws IOException {
    switch (reader.peek()) {
      case BEGIN_OBJECT: {
        reader.beginObject();
        LinkedHashMap<String, Object> map = new LinkedHashMap<String, Object>();
        while (reader.hasNext()) {
          String key = reader.nextName();
          if (map.containsKey(key)) throw reader.error("duplicate key " + quote(key));
          map.put(key, readValue(reader));
        }
        reader.endObject();
        return map;
      }
      case BEGIN_ARRAY: {
        reader.beginArray();
        List<Object> list = new ArrayList<Object>();
        while (reader.hasNext()) list.add(readValue(reader));
        reader.endArray();
        return list;
      }
      case STRING:
        return reader.nextString();
      case NUMBER:
        return new Num(reader.nextNumber());
      case BOOLEAN:
        return reader.nextBoolean();
      case NULL:
        reader.nextNull();
        return NULL;
      default:
        throw reader.error("expected a value, found " + reader.peek());
    }
  }

  /**
   * Writes {@code value} as compact JSON: maps (string keys), lists, strings, numbers (finite), booleans, and
   * {@link #NULL} or {@code null}.
   */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(value, sb);
    return sb.toString();
  }

  private static void write(Object v, StringBuilder sb) {
    if (v == null || v == NULL) {
      sb.append("null");
    } else if (v instanceof String) {
      quote((String) v, sb);
    } else if (v instanceof Boolean || v instanceof Num || v instanceof Integer || v instanceof Long) {
      sb.append(v);
    } else if (v instanceof Number) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("JSON has no " + d);
      sb.append(v);
    } else if (v instanceof Map) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (!(e.getKey() instanceof String)) throw new IllegalArgumentException("JSON keys are strings, not " + e.getKey());
        if (!first) sb.append(',');
        first = false;
        quote((String) e.getKey(), sb);
        sb.append(':');
        write(e.getValue(), sb);
      }
      sb.append('}');
    } else if (v instanceof List) {
      sb.append('[');
      boolean first = true;
      for (Object x : (List<?>) v) {
        if (!first) sb.append(',');
        first = false;
        write(x, sb);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
    }
  }

  /** {@code s} as a JSON string literal. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    quote(s, sb);
    return sb.toString();
  }

  /** Appends {@code s} as a JSON string literal (quotes, backslashes and control characters escaped). */
  public static void quote(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c == '\n') sb.append("\\n");
      else if (c < 0x20 || c == 0x2028 || c == 0x2029) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    sb.append('"');
  }
}

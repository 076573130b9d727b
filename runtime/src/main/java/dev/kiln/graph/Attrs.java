package dev.kiln.graph;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The attributes of a graph node: an ordered map from name to an {@code Integer}, {@code Float},
 * {@code Boolean}, {@code String}, {@code int[]} or {@code float[]}. Immutable once built.
 */
public final class Attrs {
  public static final Attrs NONE = new Attrs(new LinkedHashMap<String, Object>());

  private final LinkedHashMap<String, Object> values;

  private Attrs(LinkedHashMap<String, Object> values) {
    this.values = values;
  }

  public static Attrs of() {
    return NONE;
  }

  public static Attrs of(String k, Object v) {
    return NONE.with(k, v);
  }

  public static Attrs of(String k1, Object v1, String k2, Object v2) {
    return NONE.with(k1, v1).with(k2, v2);
  }

  /** A copy with one more attribute. */
  public Attrs with(String key, Object value) {
    checkValue(key, value);
    LinkedHashMap<String, Object> copy = new LinkedHashMap<String, Object>(values);
    copy.put(key, value instanceof int[] ? ((int[]) value).clone() : value instanceof float[] ? ((float[]) value).clone() : value);
    return new Attrs(copy);
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public int getInt(String key) {
    return ((Number) require(key)).intValue();
  }

  public int getInt(String key, int fallback) {
    Object v = values.get(key);
    return v == null ? fallback : ((Number) v).intValue();
  }

  public float getFloat(String key) {
    return ((Number) require(key)).floatValue();
  }

  public float getFloat(String key, float fallback) {
    Object v = values.get(key);
    return v == null ? fallback : ((Number) v).floatValue();
  }

  public boolean getBoolean(String key) {
    return (Boolean) require(key);
  }

  public boolean getBoolean(String key, boolean fallback) {
    Object v = values.get(key);
    return v == null ? fallback : (Boolean) v;
  }

  public String getString(String key) {
    return (String) require(key);
  }

  public String getString(String key, String fallback) {
    Object v = values.get(key);
    return v == null ? fallback : (String) v;
  }

  public int[] getInts(String key) {
    return ((int[]) require(key)).clone();
  }

  public float[] getFloats(String key) {
    return ((float[]) require(key)).clone();
  }

  /** A read-only view, in insertion order (array values are the stored arrays: do not modify). */
  public Map<String, Object> asMap() {
    return Collections.unmodifiableMap(values);
  }

  private Object require(String key) {
    Object v = values.get(key);
    if (v == null) throw new IllegalArgumentException("missing attribute '" + key + "'");
    return v;
  }

  private static void checkValue(String key, Object v) {
    if (!(v instanceof Integer || v instanceof Float || v instanceof Boolean || v instanceof String
        || v instanceof int[] || v instanceof float[])) {
      throw new IllegalArgumentException("attribute '" + key + "' has unsupported type " + (v == null ? "null" : v.getClass().getName()));
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (sb.length() > 1) sb.append(", ");
      Object v = e.getValue();
      sb.append(e.getKey()).append('=')
          .append(v instanceof int[] ? Arrays.toString((int[]) v) : v instanceof float[] ? Arrays.toString((float[]) v) : String.valueOf(v));
    }
    return sb.append('}').toString();
  }
}

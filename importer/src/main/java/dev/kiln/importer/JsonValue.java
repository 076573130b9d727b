package dev.kiln.importer;

import dev.kiln.io.Json;
import dev.kiln.io.JsonException;
import dev.kiln.io.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A value of a model file's JSON (parsed by the runtime's {@link JsonReader}) that knows where it came from,
 * so that a value of the wrong type is an {@link ImportException} naming the file and the path:
 * {@code model.json: modelTopology.config.layers[3].config.units: expected an integer, found "ten"}.
 */
final class JsonValue {
  /** Model files are at most this large (a TF.js model.json, a .keras config.json, an .h5 model_config). */
  static final long MAX_BYTES = 64L << 20;
  /** Nesting of arrays and objects: about 18 levels of nested models in a Keras 3 config. */
  static final int MAX_DEPTH = 128;

  private static final Object MISSING = new Object();

  private final Object value;
  private final String file;
  private final String path;

  private JsonValue(Object value, String file, String path) {
    this.value = value;
    this.file = file;
    this.path = path;
  }

  /** Parses a whole document of at most {@link #MAX_BYTES} from {@code in}; {@code file} names it in messages. */
  static JsonValue parse(InputStream in, String file) throws ImportException {
    return parse(JsonReader.upTo(in, MAX_BYTES), file, "");
  }

  /** Parses JSON held in a string (Keras 2's {@code model_config}); {@code path} says where the string was. */
  static JsonValue parse(String text, String file, String path) throws ImportException {
    if (text.length() > MAX_BYTES) {
      throw new ImportException(file + ": " + path + " is longer than the limit of " + MAX_BYTES + " bytes of JSON (a limit of kiln-import)");
    }
    return parse(JsonReader.of(text), file, path);
  }

  private static JsonValue parse(JsonReader reader, String file, String path) throws ImportException {
    try {
      Object tree = Json.parse(reader.maxDepth(MAX_DEPTH).allowNonFiniteNumbers());
      return new JsonValue(tree, file, path);
    } catch (JsonException e) {
      String where = file + (path.isEmpty() ? "" : ": " + path);
      throw new ImportException(e.isLimit() ? where + ": " + e.getMessage() + " (a limit of kiln-import)"
          : where + " is not valid JSON (truncated?): " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ImportException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Where this value is: {@code model.json: modelTopology.config.layers[3]}. */
  String where() {
    return file + (path.isEmpty() ? "" : ": " + path);
  }

  String file() {
    return file;
  }

  /** The parsed value itself ({@link Json}'s maps, lists, strings, numbers), or {@code null} when missing. */
  Object raw() {
    return value == MISSING ? null : value;
  }

  // ---- kinds -------------------------------------------------------------------------------------------------

  boolean isMissing() {
    return value == MISSING;
  }

  /** Missing or JSON null: what Keras writes for an option left at its default ({@code None}). */
  boolean isAbsent() {
    return value == MISSING || value == Json.NULL;
  }

  boolean isObject() {
    return value instanceof Map;
  }

  boolean isArray() {
    return value instanceof List;
  }

  boolean isString() {
    return value instanceof String;
  }

  boolean isNumber() {
    return value instanceof Json.Num;
  }

  // ---- navigation --------------------------------------------------------------------------------------------

  /** The member {@code key} of this object (missing if there is none); an error if this is not an object. */
  JsonValue get(String key) throws ImportException {
    Map<?, ?> m = object();
    Object v = m.get(key);
    return new JsonValue(v == null ? MISSING : v, file, path.isEmpty() ? key : path + "." + key);
  }

  /** True if this object has {@code key} with a value other than null. */
  boolean has(String key) throws ImportException {
    return !get(key).isAbsent();
  }

  /** The member {@code key}, which must be there (and not null). */
  JsonValue require(String key) throws ImportException {
    JsonValue v = get(key);
    if (v.isAbsent()) throw new ImportException(where() + ": missing \"" + key + "\"");
    return v;
  }

  Set<String> keys() throws ImportException {
    @SuppressWarnings("unchecked")
    Set<String> keys = (Set<String>) object().keySet();
    return Collections.unmodifiableSet(keys);
  }

  /** The elements of this array; an error if this is not an array. */
  List<JsonValue> elements() throws ImportException {
    if (!(value instanceof List)) throw typeError("an array");
    List<?> list = (List<?>) value;
    List<JsonValue> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) out.add(new JsonValue(list.get(i), file, path + "[" + i + "]"));
    return out;
  }

  private Map<?, ?> object() throws ImportException {
    if (!(value instanceof Map)) throw typeError("an object");
    return (Map<?, ?>) value;
  }

  // ---- scalars -----------------------------------------------------------------------------------------------

  String asString() throws ImportException {
    if (!(value instanceof String)) throw typeError("a string");
    return (String) value;
  }

  boolean asBoolean() throws ImportException {
    if (!(value instanceof Boolean)) throw typeError("true or false");
    return (Boolean) value;
  }

  /** An integer in the int range ({@code 2.0} counts as 2). */
  int asInt() throws ImportException {
    long v = asLong();
    if (v != (int) v) throw new ImportException(where() + ": " + v + " is out of the int range");
    return (int) v;
  }

  /** An integer ({@code 2.0} counts as 2). */
  long asLong() throws ImportException {
    if (!(value instanceof Json.Num)) throw typeError("an integer");
    Json.Num n = (Json.Num) value;
    Long exact = n.asLong();
    if (exact != null) return exact;
    double d = n.doubleValue();
    if (d == Math.rint(d) && Math.abs(d) < 0x1p62) return (long) d;
    throw typeError("an integer");
  }

  /** A number, rounded to float (possibly infinite or NaN: Python's JSON writes those). */
  float asFloat() throws ImportException {
    if (!(value instanceof Json.Num)) throw typeError("a number");
    return ((Json.Num) value).floatValue();
  }

  private ImportException typeError(String expected) {
    return new ImportException(where() + ": expected " + expected + ", found " + describe());
  }

  /** The value for a message: its JSON, shortened, with control characters escaped. */
  String describe() {
    if (value == MISSING) return "nothing";
    String json = Json.write(value);
    return json.length() > 60 ? json.substring(0, 57) + "..." : json;
  }

  @Override
  public String toString() {
    return where() + " = " + describe();
  }
}

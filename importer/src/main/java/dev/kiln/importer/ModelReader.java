package dev.kiln.importer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.kiln.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** Reads the three model file formats into a topology ({@code {class_name, config}}) and a {@link WeightStore}. */
final class ModelReader {
  enum Format { TFJS, KERAS3, KERAS2_H5 }

  static final class Loaded {
    final Format format;
    final JsonObject topology;
    final WeightStore weights;
    final String fileName;

    Loaded(Format format, JsonObject topology, WeightStore weights, String fileName) {
      this.format = format;
      this.topology = topology;
      this.weights = weights;
      this.fileName = fileName;
    }
  }

  private ModelReader() {}

  static Loaded read(Path model) throws ImportException {
    String name = model.getFileName().toString();
    if (!Files.isRegularFile(model)) throw new ImportException(model + ": no such file");
    if (name.endsWith(".json")) return readTfjs(model);
    if (name.endsWith(".keras")) return readKeras3(model);
    if (name.endsWith(".h5") || name.endsWith(".hdf5")) return readH5(model);
    throw new ImportException(model + ": unknown model format (expected a TF.js model.json, a Keras 3 .keras or a Keras 2 .h5)");
  }

  // ---- TF.js layers format ------------------------------------------------------------------------------------

  static Loaded readTfjs(Path modelJson) throws ImportException {
    String file = modelJson.getFileName().toString();
    JsonObject root = parseObject(readAll(modelJson), file);
    JsonElement topo = root.get("modelTopology");
    if (topo == null || !topo.isJsonObject()) {
      throw new ImportException(file + ": no modelTopology (is this a TF.js layers model? graph models are not supported)");
    }
    JsonObject topology = unwrap(topo.getAsJsonObject(), file);
    WeightStore.Named store = new WeightStore.Named(file + "'s weightsManifest");
    JsonElement manifest = root.get("weightsManifest");
    if (manifest != null && manifest.isJsonArray()) {
      for (JsonElement g : manifest.getAsJsonArray()) readGroup(modelJson, g.getAsJsonObject(), store);
    }
    return new Loaded(Format.TFJS, topology, store, file);
  }

  /** {@code {class_name, config}} from either the TF.js form or Keras 2's {@code {keras_version, backend, model_config}}. */
  static JsonObject unwrap(JsonObject topo, String file) throws ImportException {
    if (topo.has("model_config")) {
      JsonElement mc = topo.get("model_config");
      if (mc.isJsonPrimitive()) mc = parse(mc.getAsString(), file + " model_config");
      topo = mc.getAsJsonObject();
    }
    if (!topo.has("class_name") || !topo.has("config")) {
      throw new ImportException(file + ": the model topology has no class_name/config");
    }
    return topo;
  }

  private static void readGroup(Path modelJson, JsonObject group, WeightStore.Named store) throws ImportException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    List<String> paths = new ArrayList<>();
    for (JsonElement p : group.getAsJsonArray("paths")) {
      String rel = p.getAsString();
      paths.add(rel);
      Path shard = modelJson.toAbsolutePath().getParent().resolve(rel);
      try {
        bytes.write(Files.readAllBytes(shard));
      } catch (NoSuchFileException e) {
        throw new ImportException("weight shard '" + rel + "' listed in " + modelJson.getFileName() + " is missing (looked for " + shard + ")");
      } catch (IOException e) {
        throw new ImportException("cannot read weight shard '" + rel + "': " + e.getMessage(), e);
      }
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonElement we : group.getAsJsonArray("weights")) {
      JsonObject w = we.getAsJsonObject();
      String name = w.get("name").getAsString();
      int[] shape = ints(w.getAsJsonArray("shape"));
      int n = 1;
      for (int d : shape) n *= d;
      String dtype = w.has("dtype") ? w.get("dtype").getAsString() : "float32";
      if (!dtype.equals("float32")) {
        throw new ImportException("weight '" + name + "': dtype " + dtype + " is not supported (Kiln layers hold float32 weights)");
      }
      JsonObject q = w.has("quantization") && w.get("quantization").isJsonObject() ? w.getAsJsonObject("quantization") : null;
      String storeType = q == null ? "float32" : q.get("dtype").getAsString();
      int width;
      switch (storeType) {
        case "float32": width = 4; break;
        case "uint8": width = 1; break;
        case "uint16": case "float16": width = 2; break;
        default: throw new ImportException("weight '" + name + "': quantization dtype " + storeType + " is not supported");
      }
      long need = (long) n * width;
      if (buf.remaining() < need) {
        throw new ImportException("weight '" + name + "' needs " + need + " bytes at offset " + buf.position() + " but the shards "
            + paths + " hold only " + buf.limit() + " bytes: the weight data is truncated");
      }
      float[] data = new float[n];
      float scale = q != null && q.has("scale") ? q.get("scale").getAsFloat() : 1f;
      float min = q != null && q.has("min") ? q.get("min").getAsFloat() : 0f;
      for (int i = 0; i < n; i++) {
        switch (storeType) {
          case "float32": data[i] = buf.getFloat(); break;
          case "uint8": data[i] = (buf.get() & 0xff) * scale + min; break;
          case "uint16": data[i] = (buf.getShort() & 0xffff) * scale + min; break;
          default: data[i] = halfToFloat(buf.getShort()); break;
        }
      }
      store.put(name, Tensor.of(data, shape));
    }
  }

  static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits >>> 15) << 31;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0) return (sign != 0 ? -1 : 1) * mant * 0x1p-24f;
    if (exp == 31) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  // ---- Keras 3 .keras (zip: config.json, model.weights.h5) ---------------------------------------------------------

  static Loaded readKeras3(Path file) throws ImportException {
    String name = file.getFileName().toString();
    byte[] config = null;
    byte[] weights = null;
    try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        if (e.getName().equals("config.json")) config = zip.readAllBytes();
        else if (e.getName().equals("model.weights.h5")) weights = zip.readAllBytes();
      }
    } catch (IOException e) {
      throw new ImportException(name + ": not a readable .keras zip (truncated?): " + e.getMessage(), e);
    }
    if (config == null) throw new ImportException(name + ": no config.json in the archive (truncated, or not a .keras file)");
    JsonObject topology = unwrap(parseObject(new String(config, StandardCharsets.UTF_8), name + "/config.json"), name);
    WeightStore.Positional store = new WeightStore.Positional(name + "/model.weights.h5");
    if (weights != null) {
      try (HdfFile h5 = HdfFile.fromBytes(weights)) {
        Node layers = h5.getChild("layers");
        if (layers instanceof Group) collectVars((Group) layers, "layers", store);
      } catch (RuntimeException e) {
        throw new ImportException(name + ": cannot read model.weights.h5 (truncated?): " + e.getMessage(), e);
      }
    } else {
      throw new ImportException(name + ": no model.weights.h5 in the archive (truncated, or not a .keras file)");
    }
    return new Loaded(Format.KERAS3, topology, store, name);
  }

  private static void collectVars(Group layers, String path, WeightStore.Positional store) throws ImportException {
    for (Node child : layers.getChildren().values()) {
      if (!(child instanceof Group)) continue;
      Group g = (Group) child;
      String p = path + "/" + g.getName();
      Node vars = g.getChild("vars");
      if (vars instanceof Group) {
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; ; i++) {
          Node v = ((Group) vars).getChild(Integer.toString(i));
          if (!(v instanceof Dataset)) break;
          ts.add(tensor((Dataset) v, p + "/vars/" + i));
        }
        if (!ts.isEmpty()) store.put(p, ts);
      }
      Node inner = g.getChild("layers");
      if (inner instanceof Group) collectVars((Group) inner, p + "/layers", store);
    }
  }

  // ---- Keras 2 .h5 ---------------------------------------------------------------------------------------------------

  static Loaded readH5(Path file) throws ImportException {
    String name = file.getFileName().toString();
    try (HdfFile h5 = new HdfFile(file)) {
      String[] mc = stringsAttr(h5, "model_config");
      if (mc == null) throw new ImportException(name + ": no model_config attribute (weights-only file?)");
      JsonObject topology = unwrap(parseObject(String.join("", mc), name + " model_config"), name);
      Node mw = h5.getChild("model_weights");
      Group weights = mw instanceof Group ? (Group) mw : h5;
      WeightStore.Named store = new WeightStore.Named(name);
      String[] layerNames = stringsAttr(weights, "layer_names");
      if (layerNames == null) throw new ImportException(name + ": no layer_names attribute on model_weights");
      for (String ln : layerNames) {
        Node lg = weights.getChild(ln);
        if (!(lg instanceof Group)) throw new ImportException(name + ": layer '" + ln + "' is listed in layer_names but has no group");
        String[] wn = stringsAttr((Group) lg, "weight_names");
        if (wn == null) continue;
        for (String w : wn) {
          Node d = ((Group) lg).getByPath(w);
          if (!(d instanceof Dataset)) throw new ImportException(name + ": weight '" + ln + "/" + w + "' is listed but missing");
          store.put(ln + "/" + w, tensor((Dataset) d, ln + "/" + w));
        }
      }
      return new Loaded(Format.KERAS2_H5, topology, store, name);
    } catch (ImportException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ImportException(name + ": cannot read the HDF5 file (truncated?): " + e.getMessage(), e);
    }
  }

  /** An attribute as strings; Keras splits long ones into {@code name0}, {@code name1}, ... */
  private static String[] stringsAttr(Node node, String attr) {
    Attribute a = node.getAttribute(attr);
    if (a != null) return strings(a.getData());
    List<String> parts = new ArrayList<>();
    for (int i = 0; ; i++) {
      Attribute c = node.getAttribute(attr + i);
      if (c == null) break;
      for (String s : strings(c.getData())) parts.add(s);
    }
    return parts.isEmpty() ? null : parts.toArray(new String[0]);
  }

  private static String[] strings(Object data) {
    if (data instanceof String) return new String[] {(String) data};
    if (data instanceof byte[]) return new String[] {new String((byte[]) data, StandardCharsets.UTF_8)};
    if (data != null && data.getClass().isArray()) {
      String[] out = new String[Array.getLength(data)];
      for (int i = 0; i < out.length; i++) {
        Object o = Array.get(data, i);
        out[i] = o instanceof byte[] ? new String((byte[]) o, StandardCharsets.UTF_8) : String.valueOf(o);
      }
      return out;
    }
    return new String[] {String.valueOf(data)};
  }

  private static Tensor tensor(Dataset d, String what) throws ImportException {
    int[] shape = d.getDimensions();
    Object flat = d.getDataFlat();
    float[] data;
    if (flat instanceof float[]) {
      data = (float[]) flat;
    } else if (flat instanceof double[]) {
      double[] x = (double[]) flat;
      data = new float[x.length];
      for (int i = 0; i < x.length; i++) data[i] = (float) x[i];
    } else if (flat instanceof Float || flat instanceof Double) {
      data = new float[] {((Number) flat).floatValue()};
    } else {
      throw new ImportException("weight '" + what + "' has data of type " + d.getJavaType() + ", expected float32");
    }
    return Tensor.of(data, shape);
  }

  // ---- JSON --------------------------------------------------------------------------------------------------------

  static JsonObject parseObject(String text, String what) throws ImportException {
    JsonElement e = parse(text, what);
    if (!e.isJsonObject()) throw new ImportException(what + ": expected a JSON object");
    return e.getAsJsonObject();
  }

  static JsonElement parse(String text, String what) throws ImportException {
    try {
      return JsonParser.parseString(text);
    } catch (JsonParseException e) {
      throw new ImportException(what + " is not valid JSON (truncated?): " + e.getMessage(), e);
    }
  }

  private static String readAll(Path p) throws ImportException {
    try (InputStream in = Files.newInputStream(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ImportException("cannot read " + p + ": " + e.getMessage(), e);
    }
  }

  static int[] ints(JsonArray a) {
    int[] r = new int[a.size()];
    for (int i = 0; i < r.length; i++) r[i] = a.get(i).isJsonNull() ? -1 : a.get(i).getAsInt();
    return r;
  }
}

package dev.kiln.importer;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Reads the three model file formats into a topology ({@code {class_name, config}}) and a {@link WeightStore}. */
final class ModelReader {
  enum Format { TFJS, KERAS3, KERAS2_H5 }

  static final class Loaded {
    final Format format;
    final JsonValue topology;
    final WeightStore weights;
    final String fileName;
    /** A .keras archive's vocabulary assets by path ({@code assets/layers/text_vectorization/vocabulary.txt}). */
    final Map<String, byte[]> assets;

    Loaded(Format format, JsonValue topology, WeightStore weights, String fileName) {
      this(format, topology, weights, fileName, new HashMap<>());
    }

    Loaded(Format format, JsonValue topology, WeightStore weights, String fileName, Map<String, byte[]> assets) {
      this.format = format;
      this.topology = topology;
      this.weights = weights;
      this.fileName = fileName;
      this.assets = assets;
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
    JsonValue root;
    try (InputStream in = Files.newInputStream(modelJson)) {
      root = JsonValue.parse(in, file);
    } catch (IOException e) {
      throw new ImportException("cannot read " + modelJson + ": " + e.getMessage(), e);
    }
    JsonValue topo = root.get("modelTopology");
    if (!topo.isObject()) {
      throw new ImportException(file + ": no modelTopology (is this a TF.js layers model? graph models are not supported)");
    }
    JsonValue topology = unwrap(topo, file);
    WeightStore.Named store = new WeightStore.Named(file + "'s weightsManifest");
    JsonValue manifest = root.get("weightsManifest");
    if (!manifest.isAbsent()) TfjsManifest.read(modelJson, manifest, store);
    return new Loaded(Format.TFJS, topology, store, file);
  }

  /** {@code {class_name, config}} from either the TF.js form or Keras 2's {@code {keras_version, backend, model_config}}. */
  static JsonValue unwrap(JsonValue topo, String file) throws ImportException {
    if (topo.has("model_config")) {
      JsonValue mc = topo.get("model_config");
      topo = mc.isString() ? JsonValue.parse(mc.asString(), file, "model_config") : mc;
    }
    if (!topo.isObject() || !topo.has("class_name") || !topo.has("config")) {
      throw new ImportException(file + ": the model topology has no class_name/config");
    }
    return topo;
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
    JsonValue topology;
    byte[] weights;
    Map<String, byte[]> assets = new HashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      ZipEntry config = zip.getEntry("config.json");
      if (config == null) throw new ImportException(name + ": no config.json in the archive (truncated, or not a .keras file)");
      try (InputStream in = zip.getInputStream(config)) {
        topology = unwrap(JsonValue.parse(in, name + "/config.json"), name);
      }
      ZipEntry h5 = zip.getEntry("model.weights.h5");
      if (h5 == null) throw new ImportException(name + ": no model.weights.h5 in the archive (truncated, or not a .keras file)");
      weights = inflate(zip, h5, name);
      for (ZipEntry e : java.util.Collections.list(zip.entries())) {
        if (!e.getName().startsWith("assets/") || !e.getName().endsWith("/vocabulary.txt")) continue;
        if (assets.size() >= ImportLimits.MAX_LAYERS) {
          throw new ImportException(name + ": more than " + ImportLimits.MAX_LAYERS + " vocabulary assets (a limit of kiln-import)");
        }
        assets.put(e.getName(), inflate(zip, e, name));
      }
    } catch (IOException | RuntimeException e) {
      throw new ImportException(name + ": not a readable .keras zip (truncated?): " + e.getMessage(), e);
    }
    WeightStore.Positional store = new WeightStore.Positional(name + "/model.weights.h5");
    try (HdfFile h5 = HdfFile.fromBytes(weights)) {
      Node layers = h5.getChild("layers");
      if (layers instanceof Group) collectVars((Group) layers, "layers", store, weights.length);
    } catch (RuntimeException e) {
      throw new ImportException(name + ": cannot read model.weights.h5 (truncated?): " + e.getMessage(), e);
    }
    return new Loaded(Format.KERAS3, topology, store, name, assets);
  }

  /** An archive entry's bytes, at most {@link ImportLimits#ALLOWANCE} plus {@link ImportLimits#MAX_EXPANSION} times its stored size. */
  private static byte[] inflate(ZipFile zip, ZipEntry e, String file) throws IOException, ImportException {
    long stored = Math.max(0, e.getCompressedSize());
    long limit = Math.min(Integer.MAX_VALUE - 8, ImportLimits.ALLOWANCE + ImportLimits.MAX_EXPANSION * stored);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = zip.getInputStream(e)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        if (out.size() + (long) n > limit) {
          throw new ImportException(file + ": " + e.getName() + " inflates to more than " + limit + " bytes (" + ImportLimits.ALLOWANCE
              + " plus " + ImportLimits.MAX_EXPANSION + " times its " + stored + " stored bytes, a limit of kiln-import)");
        }
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  /**
   * Every {@code vars} group below {@code layers}, by the path of the group that holds it: a layer's own
   * ({@code layers/dense}), its sublayers' ({@code layers/lstm/cell}, {@code layers/bidirectional/forward_layer/cell},
   * {@code layers/multi_head_attention/_query_dense}) and nested models' ({@code layers/functional/layers/dense}); not
   * the random state Keras 3 keeps for dropout ({@code seed_generator}).
   */
  private static void collectVars(Group layers, String path, WeightStore.Positional store, long fileBytes) throws ImportException {
    collectVars(layers, path, store, fileBytes, 0);
  }

  private static void collectVars(Group parent, String path, WeightStore.Positional store, long fileBytes, int depth)
      throws ImportException {
    if (depth > 64) throw new ImportException(path + ": groups nested more than 64 deep in model.weights.h5");
    for (Node child : parent.getChildren().values()) {
      // Dropout's random state (Keras 3 SeedGenerator, uint32) is not a weight of the model
      if (!(child instanceof Group) || child.getName().equals("vars") || child.getName().endsWith("seed_generator")) continue;
      Group g = (Group) child;
      String p = path + "/" + g.getName();
      Node vars = g.getChild("vars");
      if (vars instanceof Group) {
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; ; i++) {
          Node v = ((Group) vars).getChild(Integer.toString(i));
          if (!(v instanceof Dataset)) break;
          ts.add(tensor((Dataset) v, p + "/vars/" + i, fileBytes));
        }
        if (!ts.isEmpty()) store.put(p, ts);
      }
      collectVars(g, p, store, fileBytes, depth + 1);
    }
  }

  // ---- Keras 2 .h5 ---------------------------------------------------------------------------------------------------

  static Loaded readH5(Path file) throws ImportException {
    String name = file.getFileName().toString();
    long fileBytes;
    try {
      fileBytes = Files.size(file);
    } catch (IOException e) {
      throw new ImportException("cannot read " + file + ": " + e.getMessage(), e);
    }
    try (HdfFile h5 = new HdfFile(file)) {
      String[] mc = stringsAttr(h5, "model_config");
      if (mc == null) throw new ImportException(name + ": no model_config attribute (weights-only file?)");
      JsonValue topology = unwrap(JsonValue.parse(String.join("", mc), name, "model_config"), name);
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
          store.put(ln + "/" + w, tensor((Dataset) d, ln + "/" + w, fileBytes));
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

  /**
   * A float dataset's values. Its declared size is checked first: an HDF5 file's chunks may be compressed, but not
   * beyond {@link ImportLimits#MAX_EXPANSION} times the file's size.
   */
  private static Tensor tensor(Dataset d, String what, long fileBytes) throws ImportException {
    int[] shape = d.getDimensions();
    int count = ImportLimits.weightElements(shape, "weight '" + what + "'");
    if (4L * count > ImportLimits.ALLOWANCE + ImportLimits.MAX_EXPANSION * fileBytes) {
      throw new ImportException("weight '" + what + "': shape " + java.util.Arrays.toString(shape) + " needs " + 4L * count
          + " bytes, more than " + ImportLimits.MAX_EXPANSION + " times the HDF5 file's " + fileBytes + " bytes");
    }
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

  /** A shape from a config: integers, {@code null} (Keras' {@code None}) as -1. */
  static int[] ints(JsonValue a) throws ImportException {
    List<JsonValue> e = a.elements();
    int[] r = new int[e.size()];
    for (int i = 0; i < r.length; i++) r[i] = e.get(i).isAbsent() ? -1 : e.get(i).asInt();
    return r;
  }
}

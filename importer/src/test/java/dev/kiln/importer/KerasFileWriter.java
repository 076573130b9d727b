package dev.kiln.importer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kiln.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test support: rewrites a TF.js fixture as a Keras 3 {@code .keras} file and as a Keras 2 {@code .h5} file, laid
 * out the way Keras' own saving code lays them out ({@code saving_lib.py}: config.json + model.weights.h5 with
 * {@code layers/<snake_class>[_n]/vars/<i>}; {@code legacy_h5_format.py}: root {@code model_config},
 * {@code model_weights/<layer>} with {@code weight_names}). These are not files that Keras itself wrote.
 */
final class KerasFileWriter {
  private final ModelReader.Loaded tfjs;

  KerasFileWriter(Path modelJson) throws ImportException {
    this.tfjs = ModelReader.readTfjs(modelJson);
  }

  // ---- Keras 3 ---------------------------------------------------------------------------------------------------

  void writeKeras3(Path file) throws Exception {
    JsonObject config = keras3Model(tfjs.topology.get("class_name").getAsString(), tfjs.topology.get("config"));
    Path h5 = Files.createTempFile("model.weights", ".h5");
    try (WritableHdfFile f = HdfFile.write(h5)) {
      WritableGroup layers = f.putGroup("layers");
      keras3Weights(tfjs.topology.get("class_name").getAsString(), tfjs.topology.get("config"), layers, new ArrayList<>());
      f.putGroup("optimizer").putGroup("vars");
    }
    try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.putNextEntry(new ZipEntry("metadata.json"));
      zip.write("{\"keras_version\": \"3.6.0\", \"date_saved\": \"2024-01-01@00:00:00\"}".getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("config.json"));
      zip.write(config.toString().getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("model.weights.h5"));
      zip.write(Files.readAllBytes(h5));
      zip.closeEntry();
    }
    Files.delete(h5);
  }

  private static JsonObject dtypePolicy() {
    return JsonParser.parseString("{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\"},"
        + " \"registered_name\": null}").getAsJsonObject();
  }

  private JsonObject keras3Model(String cls, JsonElement cfg) {
    JsonObject out = new JsonObject();
    out.addProperty("module", "keras");
    JsonObject c = new JsonObject();
    if (cls.equals("Sequential")) {
      out.addProperty("class_name", "Sequential");
      JsonArray src = cfg.isJsonArray() ? cfg.getAsJsonArray() : cfg.getAsJsonObject().getAsJsonArray("layers");
      c.addProperty("name", cfg.isJsonObject() ? cfg.getAsJsonObject().get("name").getAsString() : "sequential");
      JsonArray layers = new JsonArray();
      JsonObject first = src.get(0).getAsJsonObject().getAsJsonObject("config");
      JsonObject input = new JsonObject();
      input.addProperty("module", "keras.layers");
      input.addProperty("class_name", "InputLayer");
      JsonObject ic = new JsonObject();
      ic.add("batch_shape", first.get("batch_input_shape"));
      ic.add("dtype", new com.google.gson.JsonPrimitive("float32"));
      ic.addProperty("sparse", false);
      ic.addProperty("name", "input_layer");
      input.add("config", ic);
      layers.add(input);
      for (JsonElement l : src) layers.add(keras3Layer(l.getAsJsonObject(), false));
      c.add("layers", layers);
      c.addProperty("trainable", true);
    } else {
      out.addProperty("class_name", "Functional");
      JsonObject src = cfg.getAsJsonObject();
      c.addProperty("name", src.get("name").getAsString());
      JsonArray layers = new JsonArray();
      for (JsonElement l : src.getAsJsonArray("layers")) layers.add(keras3Layer(l.getAsJsonObject(), true));
      c.add("layers", layers);
      c.add("input_layers", src.get("input_layers"));
      c.add("output_layers", src.get("output_layers"));
      c.addProperty("trainable", true);
    }
    out.add("config", c);
    out.add("registered_name", null);
    return out;
  }

  private JsonObject keras3Layer(JsonObject l, boolean functional) {
    String cls = l.get("class_name").getAsString();
    JsonObject out;
    if (cls.equals("Sequential") || cls.equals("Model")) {
      out = keras3Model(cls, l.get("config"));
    } else {
      out = new JsonObject();
      out.addProperty("module", "keras.layers");
      out.addProperty("class_name", cls);
      JsonObject c = l.getAsJsonObject("config").deepCopy();
      if (cls.equals("InputLayer")) {
        c.add("batch_shape", c.remove("batch_input_shape"));
      } else {
        c.remove("batch_input_shape");
        c.add("dtype", dtypePolicy());
      }
      if (cls.equals("LeakyReLU")) c.add("negative_slope", c.remove("alpha"));
      out.add("config", c);
      out.add("registered_name", null);
    }
    if (functional) {
      out.add("name", l.get("name"));
      JsonArray nodes = new JsonArray();
      for (JsonElement call : l.getAsJsonArray("inbound_nodes")) {
        JsonArray tensors = new JsonArray();
        for (JsonElement r : call.getAsJsonArray()) {
          JsonArray ref = r.getAsJsonArray();
          JsonObject kt = new JsonObject();
          kt.addProperty("class_name", "__keras_tensor__");
          JsonObject kc = new JsonObject();
          kc.add("shape", new JsonArray());
          kc.addProperty("dtype", "float32");
          JsonArray hist = new JsonArray();
          hist.add(ref.get(0));
          hist.add(ref.get(1));
          hist.add(ref.get(2));
          kc.add("keras_history", hist);
          kt.add("config", kc);
          tensors.add(kt);
        }
        JsonObject node = new JsonObject();
        JsonArray args = new JsonArray();
        if (tensors.size() == 1) args.add(tensors.get(0));
        else args.add(tensors);
        node.add("args", args);
        node.add("kwargs", new JsonObject());
        nodes.add(node);
      }
      out.add("inbound_nodes", nodes);
    }
    return out;
  }

  /** {@code layers/<snake_case(class)>[_n]/vars/<i>} in model.layers order, nested models recursively. */
  private void keras3Weights(String cls, JsonElement cfg, WritableGroup layersGroup, List<String> scope) throws ImportException {
    JsonArray layers = cfg.isJsonArray() ? cfg.getAsJsonArray() : cfg.getAsJsonObject().getAsJsonArray("layers");
    Map<String, Integer> counters = new HashMap<>();
    for (JsonElement le : layers) {
      JsonObject l = le.getAsJsonObject();
      String lc = l.get("class_name").getAsString();
      if (lc.equals("InputLayer")) continue;
      String kc = lc.equals("Model") ? "Functional" : lc;
      String snake = GraphBuilder.snakeCase(kc);
      int n = counters.merge(snake, 1, Integer::sum) - 1;
      WritableGroup g = layersGroup.putGroup(n == 0 ? snake : snake + "_" + n);
      String name = l.getAsJsonObject("config").get("name").getAsString();
      List<String> inner = new ArrayList<>(scope);
      inner.add(name);
      if (lc.equals("Sequential") || lc.equals("Model")) {
        keras3Weights(lc, l.get("config"), g.putGroup("layers"), inner);
        continue;
      }
      List<String> names = LayerConverter.convert(name, lc, l.getAsJsonObject("config"), ModelReader.Format.KERAS3).weightNames;
      WritableGroup vars = g.putGroup("vars");
      List<Tensor> ts = tfjs.weights.get(new WeightStore.LayerRef(inner, List.of()), names);
      for (int i = 0; i < ts.size(); i++) vars.putDataset(Integer.toString(i), nested(ts.get(i)));
    }
  }

  // ---- Keras 2 .h5 -------------------------------------------------------------------------------------------------

  /** {@code chunked}: write {@code layer_names} as {@code layer_names0}, {@code layer_names1} (Keras' form for long attributes). */
  void writeH5(Path file, boolean chunked) throws Exception {
    JsonObject topo = new JsonObject();
    topo.add("class_name", tfjs.topology.get("class_name"));
    topo.add("config", tfjs.topology.get("config"));
    try (WritableHdfFile f = HdfFile.write(file)) {
      f.putAttribute("keras_version", "2.15.0");
      f.putAttribute("backend", "tensorflow");
      f.putAttribute("model_config", topo.toString());
      WritableGroup mw = f.putGroup("model_weights");
      mw.putAttribute("keras_version", "2.15.0");
      mw.putAttribute("backend", "tensorflow");
      JsonElement cfg = tfjs.topology.get("config");
      JsonArray layers = cfg.isJsonArray() ? cfg.getAsJsonArray() : cfg.getAsJsonObject().getAsJsonArray("layers");
      List<String> layerNames = new ArrayList<>();
      for (JsonElement le : layers) {
        JsonObject l = le.getAsJsonObject();
        String name = l.getAsJsonObject("config").get("name").getAsString();
        layerNames.add(name);
        WritableGroup g = mw.putGroup(name);
        List<String> weightNames = new ArrayList<>();
        List<Tensor> tensors = new ArrayList<>();
        h5LayerWeights(l, new ArrayList<>(), weightNames, tensors);
        // Keras writes an empty weight_names for a layer without weights; jhdf 0.10 cannot write an empty array
        // attribute, so such layers get none (the reader treats both the same).
        if (!weightNames.isEmpty()) g.putAttribute("weight_names", weightNames.toArray(new String[0]));
        Map<String, WritableGroup> sub = new HashMap<>();
        for (int i = 0; i < weightNames.size(); i++) {
          String[] parts = weightNames.get(i).split("/");
          WritableGroup parent = g;
          String path = "";
          for (int k = 0; k < parts.length - 1; k++) {
            path += "/" + parts[k];
            final WritableGroup p0 = parent;
            final String part = parts[k];
            parent = sub.computeIfAbsent(path, x -> p0.putGroup(part));
          }
          parent.putDataset(parts[parts.length - 1], nested(tensors.get(i)));
        }
      }
      String[] names = layerNames.toArray(new String[0]);
      if (chunked) {
        int half = names.length / 2;
        mw.putAttribute("layer_names0", java.util.Arrays.copyOfRange(names, 0, half));
        mw.putAttribute("layer_names1", java.util.Arrays.copyOfRange(names, half, names.length));
      } else {
        mw.putAttribute("layer_names", names);
      }
    }
  }

  /** Keras 2 legacy order: a layer's weights; a nested model's, all of its layers' (named {@code inner/kernel:0}). */
  private void h5LayerWeights(JsonObject l, List<String> scope, List<String> names, List<Tensor> tensors) throws ImportException {
    String cls = l.get("class_name").getAsString();
    String name = l.getAsJsonObject("config").get("name").getAsString();
    List<String> inner = new ArrayList<>(scope);
    inner.add(name);
    if (cls.equals("Sequential") || cls.equals("Model")) {
      JsonElement cfg = l.get("config");
      JsonArray layers = cfg.isJsonArray() ? cfg.getAsJsonArray() : cfg.getAsJsonObject().getAsJsonArray("layers");
      for (JsonElement x : layers) h5LayerWeights(x.getAsJsonObject(), inner, names, tensors);
      return;
    }
    if (cls.equals("InputLayer")) return;
    List<String> wn = LayerConverter.convert(name, cls, l.getAsJsonObject("config"), ModelReader.Format.KERAS2_H5).weightNames;
    tensors.addAll(tfjs.weights.get(new WeightStore.LayerRef(inner, List.of()), wn));
    for (String w : wn) names.add(name + "/" + w + ":0");
  }

  /** A float[]...[] array of the tensor's shape, for jhdf. */
  static Object nested(Tensor t) {
    int[] shape = t.shape();
    float[] flat = t.toFloatArray();
    if (shape.length == 0) return flat;
    Object arr = Array.newInstance(float.class, shape);
    fill(arr, shape, 0, flat, new int[] {0});
    return arr;
  }

  private static void fill(Object arr, int[] shape, int d, float[] flat, int[] pos) {
    if (d == shape.length - 1) {
      System.arraycopy(flat, pos[0], arr, 0, shape[d]);
      pos[0] += shape[d];
      return;
    }
    for (int i = 0; i < shape[d]; i++) fill(Array.get(arr, i), shape, d + 1, flat, pos);
  }

}

package dev.kiln.importer;

import dev.kiln.Tensor;
import dev.kiln.io.Json;
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
import java.util.LinkedHashMap;
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

  private String topologyClass() {
    return (String) map(tfjs.topology.raw()).get("class_name");
  }

  private Object topologyConfig() {
    return map(tfjs.topology.raw()).get("config");
  }

  void writeKeras3(Path file) throws Exception {
    writeKeras3(file, config -> {}, Map.of());
  }

  /**
   * A .keras archive whose config.json is this fixture's, changed by {@code edit} (a text layer put in front, say), and
   * with {@code assets} (archive path to text) beside config.json and model.weights.h5, as Keras' saving_lib writes them.
   */
  void writeKeras3(Path file, java.util.function.Consumer<Map<String, Object>> edit, Map<String, String> assets)
      throws Exception {
    Map<String, Object> config = keras3Model(topologyClass(), topologyConfig());
    edit.accept(config);
    Path h5 = Files.createTempFile("model.weights", ".h5");
    try (WritableHdfFile f = HdfFile.write(h5)) {
      WritableGroup layers = f.putGroup("layers");
      keras3Weights(topologyClass(), topologyConfig(), layers, new ArrayList<>());
      f.putGroup("optimizer").putGroup("vars");
    }
    try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.putNextEntry(new ZipEntry("metadata.json"));
      zip.write("{\"keras_version\": \"3.6.0\", \"date_saved\": \"2024-01-01@00:00:00\"}".getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("config.json"));
      zip.write(Json.write(config).getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("model.weights.h5"));
      zip.write(Files.readAllBytes(h5));
      for (Map.Entry<String, String> a : assets.entrySet()) {
        zip.putNextEntry(new ZipEntry(a.getKey()));
        zip.write(a.getValue().getBytes(StandardCharsets.UTF_8));
      }
      zip.closeEntry();
    }
    Files.delete(h5);
  }

  private static Map<String, Object> dtypePolicy() {
    return map(parse("{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\"},"
        + " \"registered_name\": null}"));
  }

  private Map<String, Object> keras3Model(String cls, Object cfg) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("module", "keras");
    Map<String, Object> c = new LinkedHashMap<>();
    if (cls.equals("Sequential")) {
      out.put("class_name", "Sequential");
      List<Object> src = layers(cfg);
      c.put("name", cfg instanceof Map ? map(cfg).get("name") : "sequential");
      List<Object> layers = new ArrayList<>();
      Map<String, Object> first = map(map(src.get(0)).get("config"));
      Map<String, Object> input = new LinkedHashMap<>();
      input.put("module", "keras.layers");
      input.put("class_name", "InputLayer");
      Map<String, Object> ic = new LinkedHashMap<>();
      ic.put("batch_shape", first.get("batch_input_shape"));
      ic.put("dtype", TextLayers.isTextLayer((String) map(src.get(0)).get("class_name")) ? "string" : "float32");
      ic.put("sparse", false);
      ic.put("name", "input_layer");
      input.put("config", ic);
      layers.add(input);
      for (Object l : src) layers.add(keras3Layer(map(l), false));
      c.put("layers", layers);
      c.put("trainable", true);
    } else {
      out.put("class_name", "Functional");
      Map<String, Object> src = map(cfg);
      c.put("name", src.get("name"));
      List<Object> layers = new ArrayList<>();
      for (Object l : list(src.get("layers"))) layers.add(keras3Layer(map(l), true));
      c.put("layers", layers);
      c.put("input_layers", src.get("input_layers"));
      c.put("output_layers", src.get("output_layers"));
      c.put("trainable", true);
    }
    out.put("config", c);
    out.put("registered_name", Json.NULL);
    return out;
  }

  /**
   * A layer's Keras 3 form: {@code {module, class_name, config, registered_name}} with a dtype policy; a wrapper's
   * layer likewise, and a Bidirectional as Keras 3 saves it: its forward layer named {@code forward_<name>} and the
   * backward copy it made ({@code go_backwards}, {@code backward_<name>}).
   */
  private static Map<String, Object> keras3LayerConfig(String cls, Map<String, Object> c) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("module", "keras.layers");
    out.put("class_name", cls);
    if (cls.equals("InputLayer")) {
      c.put("batch_shape", c.remove("batch_input_shape"));
    } else {
      c.remove("batch_input_shape");
      c.put("dtype", dtypePolicy());
    }
    if (cls.equals("LeakyReLU")) c.put("negative_slope", c.remove("alpha"));
    if (cls.equals("Bidirectional") || cls.equals("TimeDistributed")) {
      Map<String, Object> inner = map(c.get("layer"));
      Map<String, Object> innerConfig = map(inner.get("config"));
      String innerClass = (String) inner.get("class_name");
      if (cls.equals("Bidirectional")) {
        String name = (String) innerConfig.get("name");
        innerConfig.put("name", "forward_" + name);
        Map<String, Object> backward = map(parse(Json.write(innerConfig)));
        backward.put("name", "backward_" + name);
        backward.put("go_backwards", true);
        c.put("backward_layer", keras3LayerConfig(innerClass, backward));
      }
      c.put("layer", keras3LayerConfig(innerClass, innerConfig));
    }
    out.put("config", c);
    out.put("registered_name", Json.NULL);
    return out;
  }

  private Map<String, Object> keras3Layer(Map<String, Object> l, boolean functional) {
    String cls = (String) l.get("class_name");
    Map<String, Object> out;
    if (cls.equals("Sequential") || cls.equals("Model")) {
      out = keras3Model(cls, l.get("config"));
    } else {
      out = keras3LayerConfig(cls, map(parse(Json.write(l.get("config"))))); // a deep copy
    }
    if (functional) {
      out.put("name", l.get("name"));
      List<Object> nodes = new ArrayList<>();
      for (Object call : list(l.get("inbound_nodes"))) {
        List<Object> tensors = new ArrayList<>();
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (Object r : list(call)) {
          List<Object> ref = list(r);
          tensors.add(kerasTensor(ref));
          // Keras 2 keeps a call's keyword arguments with its first tensor; tensors among them as [layer, node, tensor]
          if (ref.size() > 3) {
            for (Map.Entry<String, Object> kw : map(ref.get(3)).entrySet()) {
              boolean tensor = kw.getValue() instanceof List && list(kw.getValue()).get(0) instanceof String;
              kwargs.put(kw.getKey(), tensor ? kerasTensor(list(kw.getValue())) : kw.getValue());
            }
          }
        }
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("args", List.of(tensors.size() == 1 ? tensors.get(0) : tensors));
        node.put("kwargs", kwargs);
        nodes.add(node);
      }
      out.put("inbound_nodes", nodes);
    }
    return out;
  }

  private static Map<String, Object> kerasTensor(List<Object> ref) {
    Map<String, Object> kc = new LinkedHashMap<>();
    kc.put("shape", new ArrayList<>());
    kc.put("dtype", "float32");
    kc.put("keras_history", List.of(ref.get(0), ref.get(1), ref.get(2)));
    Map<String, Object> kt = new LinkedHashMap<>();
    kt.put("class_name", "__keras_tensor__");
    kt.put("config", kc);
    return kt;
  }

  /**
   * Where Keras 3 keeps a weight under its layer's save path (saving_lib visits a layer's attributes): an RNN's in its
   * {@code cell}, a Bidirectional's in {@code forward_layer/cell} and {@code backward_layer/cell}, a TimeDistributed's in
   * {@code layer}, a MultiHeadAttention's in its EinsumDense sublayers {@code _query_dense} ... {@code _output_dense}.
   */
  static String keras3Group(String cls, Map<String, Object> config, String kilnName) {
    switch (cls) {
      case "SimpleRNN": case "LSTM": case "GRU":
        return "cell";
      case "Bidirectional": case "TimeDistributed": {
        String segment = kilnName.substring(0, kilnName.indexOf('/'));
        Map<String, Object> inner = map(config.get("layer"));
        String innerGroup = keras3Group((String) inner.get("class_name"), map(inner.get("config")),
            kilnName.substring(segment.length() + 1));
        return innerGroup.isEmpty() ? segment : segment + "/" + innerGroup;
      }
      case "MultiHeadAttention": {
        String part = kilnName.substring(0, kilnName.indexOf('/'));
        return "_" + (part.equals("attention_output") ? "output" : part) + "_dense";
      }
      default:
        return "";
    }
  }

  /**
   * A weight's name in a Keras 2 .h5 (tf.keras 2.x): an RNN's under its cell ({@code lstm/lstm_cell/kernel:0}), a
   * Bidirectional's under {@code forward_<layer>} and the cell, a TimeDistributed's directly under the wrapper.
   */
  static String keras2Name(String layer, String cls, Map<String, Object> config, String kilnName) {
    switch (cls) {
      case "SimpleRNN": case "LSTM": case "GRU":
        return layer + "/" + GraphBuilder.snakeCase(cls) + "_cell/" + kilnName + ":0";
      case "Bidirectional": {
        Map<String, Object> inner = map(config.get("layer"));
        String innerClass = (String) inner.get("class_name");
        String direction = kilnName.startsWith("forward_layer/") ? "forward_" : "backward_";
        return layer + "/" + direction + map(inner.get("config")).get("name") + "/" + GraphBuilder.snakeCase(innerClass)
            + "_cell/" + kilnName.substring(kilnName.indexOf('/') + 1) + ":0";
      }
      case "TimeDistributed":
        return layer + "/" + kilnName.substring("layer/".length()) + ":0";
      default:
        return layer + "/" + kilnName + ":0";
    }
  }

  /** {@code layers/<snake_case(class)>[_n]/vars/<i>} in model.layers order, nested models recursively. */
  private void keras3Weights(String cls, Object cfg, WritableGroup layersGroup, List<String> scope) throws ImportException {
    Map<String, Integer> counters = new HashMap<>();
    for (Object le : layers(cfg)) {
      Map<String, Object> l = map(le);
      String lc = (String) l.get("class_name");
      if (lc.equals("InputLayer")) continue;
      String kc = lc.equals("Model") ? "Functional" : lc;
      String snake = GraphBuilder.snakeCase(kc);
      int n = counters.merge(snake, 1, Integer::sum) - 1;
      WritableGroup g = layersGroup.putGroup(n == 0 ? snake : snake + "_" + n);
      String name = (String) map(l.get("config")).get("name");
      List<String> inner = new ArrayList<>(scope);
      inner.add(name);
      if (lc.equals("Sequential") || lc.equals("Model")) {
        keras3Weights(lc, l.get("config"), g.putGroup("layers"), inner);
        continue;
      }
      if (TextLayers.isTextLayer(lc)) {
        g.putGroup("vars"); // text layers have no weights (an adapted vocabulary is an asset)
        continue;
      }
      LayerSpec spec = LayerConverter.convert(name, lc, value(l.get("config")), tfjs.format);
      List<Tensor> ts = tfjs.weights.get(new WeightStore.LayerRef(inner, List.of()), spec.weights);
      Map<String, WritableGroup> groups = new LinkedHashMap<>();
      groups.put("", g.putGroup("vars")); // Keras writes a layer's own vars group even when it is empty
      Map<String, Integer> counts = new HashMap<>();
      for (int i = 0; i < ts.size(); i++) {
        String group = keras3Group(lc, map(l.get("config")), spec.weights.get(i).kiln);
        WritableGroup vars = groups.computeIfAbsent(group, k -> putPath(g, k).putGroup("vars"));
        vars.putDataset(Integer.toString(counts.merge(group, 1, Integer::sum) - 1), nested(ts.get(i)));
      }
      // Dropout's random state, as Keras 3 saves it: not a weight (the importer must skip it)
      if (lc.equals("Dropout")) g.putGroup("seed_generator").putGroup("vars").putDataset("0", new int[] {1337, 0});
    }
  }

  // ---- Keras 2 .h5 -------------------------------------------------------------------------------------------------

  /** {@code chunked}: write {@code layer_names} as {@code layer_names0}, {@code layer_names1} (Keras' form for long attributes). */
  void writeH5(Path file, boolean chunked) throws Exception {
    Map<String, Object> topo = new LinkedHashMap<>();
    topo.put("class_name", topologyClass());
    topo.put("config", topologyConfig());
    try (WritableHdfFile f = HdfFile.write(file)) {
      f.putAttribute("keras_version", "2.15.0");
      f.putAttribute("backend", "tensorflow");
      f.putAttribute("model_config", Json.write(topo));
      WritableGroup mw = f.putGroup("model_weights");
      mw.putAttribute("keras_version", "2.15.0");
      mw.putAttribute("backend", "tensorflow");
      List<String> layerNames = new ArrayList<>();
      for (Object le : layers(topologyConfig())) {
        Map<String, Object> l = map(le);
        String name = (String) map(l.get("config")).get("name");
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
  private void h5LayerWeights(Map<String, Object> l, List<String> scope, List<String> names, List<Tensor> tensors) throws ImportException {
    String cls = (String) l.get("class_name");
    String name = (String) map(l.get("config")).get("name");
    List<String> inner = new ArrayList<>(scope);
    inner.add(name);
    if (cls.equals("Sequential") || cls.equals("Model")) {
      for (Object x : layers(l.get("config"))) h5LayerWeights(map(x), inner, names, tensors);
      return;
    }
    if (cls.equals("InputLayer") || TextLayers.isTextLayer(cls)) return;
    LayerSpec spec = LayerConverter.convert(name, cls, value(l.get("config")), tfjs.format);
    tensors.addAll(tfjs.weights.get(new WeightStore.LayerRef(inner, List.of()), spec.weights));
    for (String w : spec.weightNames()) names.add(keras2Name(name, cls, map(l.get("config")), w));
  }

  /** The group at {@code path} ({@code forward_layer/cell}) under {@code g}, made on the way. */
  private static WritableGroup putPath(WritableGroup g, String path) {
    WritableGroup at = g;
    for (String part : path.split("/")) {
      io.jhdf.api.Node existing = at.getChild(part);
      at = existing instanceof WritableGroup ? (WritableGroup) existing : at.putGroup(part);
    }
    return at;
  }

  /** A float[]...[] array of the tensor's shape, for jhdf. */
  static Object nested(Tensor t) {
    int[] shape = t.shape();
    float[] flat = t.toFloatArray();
    if (shape.length == 0) return flat[0]; // a scalar dataset, as h5py writes a shape-() variable
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


  // ---- JSON trees (the runtime's Json: maps, lists, strings, numbers) -------------------------------------

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  /** A model config's layers: the config itself (old Sequential form) or its "layers". */
  private static List<Object> layers(Object cfg) {
    return cfg instanceof List ? list(cfg) : list(map(cfg).get("layers"));
  }

  static Object parse(String json) {
    try {
      return Json.parse(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonValue value(Object config) throws ImportException {
    return JsonValue.parse(Json.write(config), "test", "config");
  }
}

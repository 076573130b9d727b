package dev.kiln.importer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.kiln.Tensor;
import dev.kiln.importer.ModelDef.Field;
import dev.kiln.importer.WeightStore.LayerRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Keras topologies (Sequential and functional, nested) to {@link ModelDef}s, with each layer's weights attached. */
final class GraphBuilder {
  private final ModelReader.Loaded loaded;
  private final Set<String> classNames = new HashSet<>();

  GraphBuilder(ModelReader.Loaded loaded) {
    this.loaded = loaded;
  }

  ModelDef build(String rootClass) throws ImportException {
    classNames.add(rootClass);
    JsonObject t = loaded.topology;
    return model(rootClass, t.get("class_name").getAsString(), t.get("config"), new ArrayList<>(), new ArrayList<>(), true);
  }

  private static boolean isModel(String cls) {
    return cls.equals("Sequential") || cls.equals("Functional") || cls.equals("Model");
  }

  private ModelDef model(String javaClass, String cls, JsonElement config, List<String> scope, List<String> savePath, boolean root)
      throws ImportException {
    if (cls.equals("Sequential")) return sequential(javaClass, config, scope, savePath);
    if (cls.equals("Functional") || cls.equals("Model")) return functional(javaClass, config.getAsJsonObject(), scope, savePath);
    throw new ImportException("the model is a " + cls + "; only Sequential and functional models can be imported");
  }

  // ---- Sequential ------------------------------------------------------------------------------------------------

  private ModelDef sequential(String javaClass, JsonElement config, List<String> scope, List<String> savePath) throws ImportException {
    JsonArray layers;
    String name = "sequential";
    JsonObject cfgObj = null;
    if (config.isJsonArray()) {
      layers = config.getAsJsonArray();
    } else {
      cfgObj = config.getAsJsonObject();
      layers = cfgObj.getAsJsonArray("layers");
      if (cfgObj.has("name")) name = cfgObj.get("name").getAsString();
    }
    ModelDef m = new ModelDef(javaClass, name, "Sequential");
    if (layers.size() == 0) throw new ImportException("Sequential model '" + name + "' has no layers");
    int first = 0;
    JsonObject l0 = layers.get(0).getAsJsonObject();
    JsonObject c0 = l0.getAsJsonObject("config");
    int[] shape;
    String inputName;
    if (l0.get("class_name").getAsString().equals("InputLayer")) {
      shape = inputShape(c0, c0.has("name") ? c0.get("name").getAsString() : "input");
      inputName = c0.has("name") ? c0.get("name").getAsString() : "input";
      first = 1;
    } else {
      JsonObject holder = c0.has("batch_input_shape") || c0.has("batch_shape") ? c0 : null;
      if (holder == null && cfgObj != null && cfgObj.has("build_input_shape")) {
        holder = new JsonObject();
        holder.add("batch_shape", cfgObj.get("build_input_shape"));
      }
      if (holder == null) throw new ImportException("Sequential model '" + name + "' has no input shape (no InputLayer, no batch_input_shape)");
      shape = inputShape(holder, name);
      inputName = (c0.has("name") ? c0.get("name").getAsString() : "sequential") + "_input";
    }
    ModelDef.Input in = new ModelDef.Input(m.uniqueName(inputName, ""), inputName, shape);
    m.inputs.add(in);
    String current = in.name;
    Map<String, Integer> saveCounters = new HashMap<>();
    for (int i = first; i < layers.size(); i++) {
      JsonObject l = layers.get(i).getAsJsonObject();
      Field f = field(m, l, scope, savePath, saveCounters);
      String out = m.uniqueName(f.kerasName, "Out");
      m.calls.add(new ModelDef.CallNode(f, List.of(current), out));
      current = out;
    }
    m.outputs.add(current);
    return m;
  }

  // ---- functional ------------------------------------------------------------------------------------------------

  private static final class Ref {
    final String layer;
    final int node;
    final int tensor;

    Ref(String layer, int node, int tensor) {
      this.layer = layer;
      this.node = node;
      this.tensor = tensor;
    }
  }

  private ModelDef functional(String javaClass, JsonObject config, List<String> scope, List<String> savePath) throws ImportException {
    String name = config.has("name") ? config.get("name").getAsString() : "model";
    ModelDef m = new ModelDef(javaClass, name, "Functional");
    JsonArray layers = config.getAsJsonArray("layers");
    Map<String, JsonObject> byName = new LinkedHashMap<>();
    Map<String, List<List<Ref>>> inbound = new HashMap<>();
    for (JsonElement le : layers) {
      JsonObject l = le.getAsJsonObject();
      String ln = layerName(l);
      byName.put(ln, l);
      List<List<Ref>> calls = new ArrayList<>();
      JsonElement nodes = l.get("inbound_nodes");
      if (nodes != null && nodes.isJsonArray()) {
        for (JsonElement node : nodes.getAsJsonArray()) {
          List<Ref> refs = new ArrayList<>();
          collectRefs(node, refs, node.isJsonArray());
          calls.add(refs);
        }
      }
      inbound.put(ln, calls);
    }
    List<Ref> inputRefs = refList(config.get("input_layers"));
    List<Ref> outputRefs = refList(config.get("output_layers"));
    // Node indices: Keras counts a nested model's own inner node, so references may start above 0.
    Map<String, Integer> nodeShift = new HashMap<>();
    List<Ref> all = new ArrayList<>(outputRefs);
    for (List<List<Ref>> cs : inbound.values()) for (List<Ref> c : cs) all.addAll(c);
    for (Ref r : all) {
      int calls = inbound.containsKey(r.layer) ? Math.max(1, inbound.get(r.layer).size()) : 1;
      int shift = r.node - (calls - 1);
      if (shift > 0) nodeShift.merge(r.layer, shift, Math::max);
    }
    Map<String, String> available = new HashMap<>();
    for (Ref r : inputRefs) {
      JsonObject l = byName.get(r.layer);
      if (l == null || !l.get("class_name").getAsString().equals("InputLayer")) {
        throw new ImportException("model '" + name + "': input '" + r.layer + "' is not an InputLayer");
      }
      JsonObject c = l.getAsJsonObject("config");
      ModelDef.Input in = new ModelDef.Input(m.uniqueName(r.layer, ""), r.layer, inputShape(c, r.layer));
      m.inputs.add(in);
      available.put(r.layer + "#0#0", in.name);
    }
    Map<String, Field> fields = new HashMap<>();
    Map<String, Integer> saveCounters = new HashMap<>();
    // Fields in config order (so .keras save paths count the way Keras does).
    for (JsonElement le : layers) {
      JsonObject l = le.getAsJsonObject();
      if (l.get("class_name").getAsString().equals("InputLayer")) continue;
      fields.put(layerName(l), field(m, l, scope, savePath, saveCounters));
    }
    // Calls in dependency order.
    Set<String> done = new HashSet<>();
    boolean progress = true;
    int total = 0;
    for (String ln : fields.keySet()) total += inbound.get(ln).size();
    while (done.size() < total && progress) {
      progress = false;
      for (JsonElement le : layers) {
        String ln = layerName(le.getAsJsonObject());
        if (!fields.containsKey(ln)) continue;
        List<List<Ref>> calls = inbound.get(ln);
        for (int k = 0; k < calls.size(); k++) {
          String key = ln + "#" + k;
          if (done.contains(key)) continue;
          List<String> ins = new ArrayList<>();
          for (Ref r : calls.get(k)) {
            String v = available.get(r.layer + "#" + (r.node - nodeShift.getOrDefault(r.layer, 0)) + "#" + r.tensor);
            if (v == null) {
              ins = null;
              break;
            }
            ins.add(v);
          }
          if (ins == null) continue;
          Field f = fields.get(ln);
          if (ins.isEmpty()) throw new ImportException("layer '" + ln + "' is called with no inputs");
          if (f.nested != null && f.nested.inputs.size() != ins.size()) {
            throw new ImportException("nested model '" + ln + "' has " + f.nested.inputs.size() + " inputs but is called with " + ins.size());
          }
          String out = m.uniqueName(ln, calls.size() > 1 ? "Out" + (k + 1) : "Out");
          m.calls.add(new ModelDef.CallNode(f, ins, out));
          available.put(ln + "#" + k + "#0", out);
          done.add(key);
          progress = true;
        }
      }
    }
    if (done.size() < total) throw new ImportException("model '" + name + "': some layers' inputs never become available (a cycle, or a missing layer)");
    for (Ref r : outputRefs) {
      String v = available.get(r.layer + "#" + (r.node - nodeShift.getOrDefault(r.layer, 0)) + "#" + r.tensor);
      if (v == null) throw new ImportException("model '" + name + "': output '" + r.layer + "' is not computed by any layer call");
      m.outputs.add(v);
    }
    return m;
  }

  private static String layerName(JsonObject l) {
    if (l.has("name")) return l.get("name").getAsString();
    return l.getAsJsonObject("config").get("name").getAsString();
  }

  /** Keras 2 / TF.js {@code [[name, node, tensor, kwargs], ...]} or Keras 3 {@code {args: [...keras tensors], kwargs}}. */
  private static void collectRefs(JsonElement e, List<Ref> out, boolean keras2) {
    if (keras2) {
      for (JsonElement x : e.getAsJsonArray()) {
        JsonArray a = x.getAsJsonArray();
        out.add(new Ref(a.get(0).getAsString(), a.get(1).getAsInt(), a.get(2).getAsInt()));
      }
      return;
    }
    collectKeras3(e.getAsJsonObject().get("args"), out);
  }

  private static void collectKeras3(JsonElement e, List<Ref> out) {
    if (e == null || e.isJsonNull() || e.isJsonPrimitive()) return;
    if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) collectKeras3(x, out);
      return;
    }
    JsonObject o = e.getAsJsonObject();
    if (o.has("class_name") && o.get("class_name").getAsString().equals("__keras_tensor__")) {
      JsonArray h = o.getAsJsonObject("config").getAsJsonArray("keras_history");
      out.add(new Ref(h.get(0).getAsString(), h.get(1).getAsInt(), h.get(2).getAsInt()));
    }
  }

  private static List<Ref> refList(JsonElement e) {
    List<Ref> out = new ArrayList<>();
    if (e == null || e.isJsonNull()) return out;
    JsonArray a = e.getAsJsonArray();
    if (a.size() > 0 && a.get(0).isJsonPrimitive()) {
      out.add(new Ref(a.get(0).getAsString(), a.get(1).getAsInt(), a.get(2).getAsInt()));
      return out;
    }
    for (JsonElement x : a) {
      JsonArray r = x.getAsJsonArray();
      out.add(new Ref(r.get(0).getAsString(), r.get(1).getAsInt(), r.get(2).getAsInt()));
    }
    return out;
  }

  private static int[] inputShape(JsonObject c, String name) throws ImportException {
    LayerConverter.checkDtype(c, name, "InputLayer");
    if (c.has("sparse") && c.get("sparse").getAsBoolean()) throw new ImportException("input '" + name + "': sparse inputs are not supported");
    int[] shape;
    if (c.has("batch_shape") && !c.get("batch_shape").isJsonNull()) shape = ModelReader.ints(c.getAsJsonArray("batch_shape"));
    else if (c.has("batch_input_shape") && !c.get("batch_input_shape").isJsonNull()) shape = ModelReader.ints(c.getAsJsonArray("batch_input_shape"));
    else if (c.has("input_shape") && !c.get("input_shape").isJsonNull()) {
      int[] s = ModelReader.ints(c.getAsJsonArray("input_shape"));
      shape = new int[s.length + 1];
      System.arraycopy(s, 0, shape, 1, s.length);
    } else {
      throw new ImportException("input '" + name + "' has no shape");
    }
    shape[0] = -1;
    return shape;
  }

  // ---- layers ----------------------------------------------------------------------------------------------------

  private Field field(ModelDef m, JsonObject l, List<String> scope, List<String> savePath, Map<String, Integer> saveCounters)
      throws ImportException {
    String cls = l.get("class_name").getAsString();
    String ln = layerName(l);
    JsonElement cfg = l.get("config");
    String snake = snakeCase(cls);
    int n = saveCounters.merge(snake, 1, Integer::sum) - 1;
    List<String> innerSave = new ArrayList<>(savePath);
    innerSave.add(n == 0 ? snake : snake + "_" + n);
    List<String> innerScope = new ArrayList<>(scope);
    innerScope.add(ln);
    String fieldName = m.uniqueName(ln, "");
    if (isModel(cls)) {
      String jc = ModelDef.upperCamel(ln);
      String c = jc;
      for (int i = 2; classNames.contains(c); i++) c = jc + i;
      classNames.add(c);
      ModelDef nested = model(c, cls, cfg, innerScope, innerSave, false);
      if (nested.outputs.size() != 1) {
        throw new ImportException("nested model '" + ln + "' has " + nested.outputs.size() + " outputs; Kiln layers return one tensor");
      }
      if (nested.inputs.size() > 2) {
        throw new ImportException("nested model '" + ln + "' has " + nested.inputs.size() + " inputs; the importer supports nested models with 1 or 2");
      }
      m.nestedClasses.add(nested);
      Field f = new Field(fieldName, ln, cls, null, nested);
      m.fields.add(f);
      return f;
    }
    LayerSpec spec = LayerConverter.convert(String.join("/", innerScope), cls, cfg.getAsJsonObject(), loaded.format);
    Field f = new Field(fieldName, ln, cls, spec, null);
    List<Tensor> ws = loaded.weights.get(new LayerRef(innerScope, innerSave), spec.weightNames);
    for (int i = 0; i < ws.size(); i++) f.weights.put(spec.weightNames.get(i), ws.get(i));
    m.fields.add(f);
    return f;
  }

  private static final Pattern NON_WORD = Pattern.compile("\\W+");
  private static final Pattern CAP_WORD = Pattern.compile("(.)([A-Z][a-z]+)");
  private static final Pattern LOWER_UPPER = Pattern.compile("([a-z])([A-Z])");

  /** Keras' {@code naming.to_snake_case}, used for .keras weight paths: {@code Conv2DTranspose} is {@code conv2d_transpose}. */
  static String snakeCase(String name) {
    String s = NON_WORD.matcher(name).replaceAll("");
    s = CAP_WORD.matcher(s).replaceAll("$1_$2");
    s = LOWER_UPPER.matcher(s).replaceAll("$1_$2");
    return s.toLowerCase(java.util.Locale.ROOT);
  }

  static List<String> list(String... s) {
    return Arrays.asList(s);
  }
}

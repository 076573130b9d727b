package dev.kiln.importer;

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
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Keras topologies (Sequential and functional, nested) to {@link ModelDef}s, with each layer's weights attached. */
final class GraphBuilder {
  private final ModelReader.Loaded loaded;
  private final Set<String> classNames = new HashSet<>();
  private int layerCount;

  GraphBuilder(ModelReader.Loaded loaded) {
    this.loaded = loaded;
  }

  ModelDef build(String rootClass) throws ImportException {
    classNames.add(rootClass);
    JsonValue t = loaded.topology;
    return model(rootClass, t.require("class_name").asString(), t.require("config"), new ArrayList<>(), new ArrayList<>(), true);
  }

  private static boolean isModel(String cls) {
    return cls.equals("Sequential") || cls.equals("Functional") || cls.equals("Model");
  }

  private ModelDef model(String javaClass, String cls, JsonValue config, List<String> scope, List<String> savePath, boolean root)
      throws ImportException {
    if (cls.equals("Sequential")) return sequential(javaClass, config, scope, savePath);
    if (cls.equals("Functional") || cls.equals("Model")) return functional(javaClass, config, scope, savePath);
    throw new ImportException("the model is a " + cls + "; only Sequential and functional models can be imported");
  }

  // ---- Sequential ------------------------------------------------------------------------------------------------

  private ModelDef sequential(String javaClass, JsonValue config, List<String> scope, List<String> savePath) throws ImportException {
    List<JsonValue> layers;
    String name = "sequential";
    JsonValue cfgObj = null;
    if (config.isArray()) {
      layers = config.elements();
    } else {
      cfgObj = config;
      layers = cfgObj.require("layers").elements();
      if (cfgObj.has("name")) name = cfgObj.get("name").asString();
    }
    ModelDef m = new ModelDef(javaClass, name, "Sequential");
    if (layers.size() == 0) throw new ImportException("Sequential model '" + name + "' has no layers");
    int first = 0;
    JsonValue l0 = layers.get(0);
    JsonValue c0 = l0.require("config");
    int[] shape;
    String inputName;
    if (l0.require("class_name").asString().equals("InputLayer")) {
      inputName = c0.has("name") ? c0.get("name").asString() : "input";
      shape = inputShape(c0, inputName);
      first = 1;
    } else {
      if (c0.has("batch_input_shape") || c0.has("batch_shape")) {
        shape = inputShape(c0, name);
      } else if (cfgObj != null && cfgObj.has("build_input_shape")) {
        shape = batchShape(cfgObj.get("build_input_shape"));
      } else {
        throw new ImportException("Sequential model '" + name + "' has no input shape (no InputLayer, no batch_input_shape)");
      }
      inputName = (c0.has("name") ? c0.get("name").asString() : "sequential") + "_input";
    }
    ModelDef.Input in = new ModelDef.Input(m.uniqueName(inputName, ""), inputName, shape);
    m.inputs.add(in);
    String current = in.name;
    Map<String, Integer> saveCounters = new HashMap<>();
    for (int i = first; i < layers.size(); i++) {
      Field f = field(m, layers.get(i), scope, savePath, saveCounters);
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

  private ModelDef functional(String javaClass, JsonValue config, List<String> scope, List<String> savePath) throws ImportException {
    String name = config.has("name") ? config.get("name").asString() : "model";
    ModelDef m = new ModelDef(javaClass, name, "Functional");
    List<JsonValue> layers = config.require("layers").elements();
    Map<String, JsonValue> byName = new LinkedHashMap<>();
    Map<String, List<List<Ref>>> inbound = new HashMap<>();
    for (JsonValue l : layers) {
      String ln = layerName(l);
      if (byName.put(ln, l) != null) throw new ImportException("model '" + name + "': two layers are named '" + ln + "'");
      List<List<Ref>> calls = new ArrayList<>();
      JsonValue nodes = l.get("inbound_nodes");
      if (nodes.isArray()) {
        for (JsonValue node : nodes.elements()) {
          List<Ref> refs = new ArrayList<>();
          collectRefs(node, refs, node.isArray());
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
      JsonValue l = byName.get(r.layer);
      if (l == null || !l.require("class_name").asString().equals("InputLayer")) {
        throw new ImportException("model '" + name + "': input '" + r.layer + "' is not an InputLayer");
      }
      JsonValue c = l.require("config");
      ModelDef.Input in = new ModelDef.Input(m.uniqueName(r.layer, ""), r.layer, inputShape(c, r.layer));
      m.inputs.add(in);
      available.put(r.layer + "#0#0", in.name);
    }
    Map<String, Field> fields = new HashMap<>();
    Map<String, Integer> saveCounters = new HashMap<>();
    // Fields in config order (so .keras save paths count the way Keras does).
    for (JsonValue l : layers) {
      if (l.require("class_name").asString().equals("InputLayer")) continue;
      fields.put(layerName(l), field(m, l, scope, savePath, saveCounters));
    }
    // Calls in dependency order: the order of repeated passes over the config (a call is taken when a pass reaches
    // it with its inputs ready), found with a set of ready calls rather than by rescanning the config, so that a long
    // chain listed backwards costs n log n steps, not n^2.
    List<String> callLayer = new ArrayList<>();
    List<Integer> callIndex = new ArrayList<>();
    List<Integer> missing = new ArrayList<>();
    Map<String, List<Integer>> waiting = new HashMap<>();
    TreeSet<Integer> ready = new TreeSet<>();
    for (JsonValue le : layers) {
      String ln = layerName(le);
      if (!fields.containsKey(ln)) continue;
      List<List<Ref>> calls = inbound.get(ln);
      for (int k = 0; k < calls.size(); k++) {
        int id = callLayer.size();
        callLayer.add(ln);
        callIndex.add(k);
        int absent = 0;
        for (Ref r : calls.get(k)) {
          String key = tensorKey(r, nodeShift);
          if (!available.containsKey(key)) {
            absent++;
            waiting.computeIfAbsent(key, x -> new ArrayList<>()).add(id);
          }
        }
        missing.add(absent);
        if (absent == 0) ready.add(id);
      }
    }
    int total = callLayer.size();
    int done = 0;
    int cursor = 0;
    while (!ready.isEmpty()) {
      Integer id = ready.ceiling(cursor);
      if (id == null) id = ready.first(); // the next pass over the config
      ready.remove(id);
      cursor = id + 1;
      String ln = callLayer.get(id);
      int k = callIndex.get(id);
      List<List<Ref>> calls = inbound.get(ln);
      List<String> ins = new ArrayList<>();
      for (Ref r : calls.get(k)) ins.add(available.get(tensorKey(r, nodeShift)));
      Field f = fields.get(ln);
      if (ins.isEmpty()) throw new ImportException("layer '" + ln + "' is called with no inputs");
      if (f.nested != null && f.nested.inputs.size() != ins.size()) {
        throw new ImportException("nested model '" + ln + "' has " + f.nested.inputs.size() + " inputs but is called with " + ins.size());
      }
      String out = m.uniqueName(ln, calls.size() > 1 ? "Out" + (k + 1) : "Out");
      m.calls.add(new ModelDef.CallNode(f, ins, out));
      String produced = ln + "#" + k + "#0";
      available.put(produced, out);
      done++;
      List<Integer> unblocked = waiting.remove(produced);
      if (unblocked != null) {
        for (int w : unblocked) {
          missing.set(w, missing.get(w) - 1);
          if (missing.get(w) == 0) ready.add(w);
        }
      }
    }
    if (done < total) throw new ImportException("model '" + name + "': some layers' inputs never become available (a cycle, or a missing layer)");
    for (Ref r : outputRefs) {
      String v = available.get(tensorKey(r, nodeShift));
      if (v == null) throw new ImportException("model '" + name + "': output '" + r.layer + "' is not computed by any layer call");
      m.outputs.add(v);
    }
    return m;
  }

  /** Where a reference's tensor is found among the calls made so far: {@code layer#node#tensor}. */
  private static String tensorKey(Ref r, Map<String, Integer> nodeShift) {
    return r.layer + "#" + (r.node - nodeShift.getOrDefault(r.layer, 0)) + "#" + r.tensor;
  }

  private static String layerName(JsonValue l) throws ImportException {
    if (l.has("name")) return l.get("name").asString();
    return l.require("config").require("name").asString();
  }

  /** Keras 2 / TF.js {@code [[name, node, tensor, kwargs], ...]} or Keras 3 {@code {args: [...keras tensors], kwargs}}. */
  private static void collectRefs(JsonValue e, List<Ref> out, boolean keras2) throws ImportException {
    if (keras2) {
      for (JsonValue x : e.elements()) out.add(ref(x));
      return;
    }
    collectKeras3(e.get("args"), out);
  }

  private static void collectKeras3(JsonValue e, List<Ref> out) throws ImportException {
    if (e.isArray()) {
      for (JsonValue x : e.elements()) collectKeras3(x, out);
      return;
    }
    if (!e.isObject()) return;
    if (e.has("class_name") && e.get("class_name").isString() && e.get("class_name").asString().equals("__keras_tensor__")) {
      out.add(ref(e.require("config").require("keras_history")));
    }
  }

  /** {@code [layer name, node index, tensor index, ...]}. */
  private static Ref ref(JsonValue v) throws ImportException {
    List<JsonValue> a = v.elements();
    if (a.size() < 3) throw new ImportException(v.where() + ": expected [layer, node, tensor], found " + v.describe());
    return new Ref(a.get(0).asString(), a.get(1).asInt(), a.get(2).asInt());
  }

  private static List<Ref> refList(JsonValue e) throws ImportException {
    List<Ref> out = new ArrayList<>();
    if (e.isAbsent()) return out;
    List<JsonValue> a = e.elements();
    if (a.size() > 0 && !a.get(0).isArray()) {
      out.add(ref(e));
      return out;
    }
    for (JsonValue x : a) out.add(ref(x));
    return out;
  }

  private static int[] inputShape(JsonValue c, String name) throws ImportException {
    LayerConverter.checkDtype(c, name, "InputLayer");
    if (c.has("sparse") && c.get("sparse").asBoolean()) throw new ImportException("input '" + name + "': sparse inputs are not supported");
    if (c.has("batch_shape")) return batchShape(c.get("batch_shape"));
    if (c.has("batch_input_shape")) return batchShape(c.get("batch_input_shape"));
    if (c.has("input_shape")) {
      int[] s = ModelReader.ints(c.get("input_shape"));
      int[] shape = new int[s.length + 1];
      System.arraycopy(s, 0, shape, 1, s.length);
      return checkInputShape(shape, c.get("input_shape"));
    }
    throw new ImportException("input '" + name + "' has no shape");
  }

  /** A Keras batch shape ({@code [null, 28, 28, 1]}) with -1 for the batch. */
  private static int[] batchShape(JsonValue v) throws ImportException {
    int[] shape = ModelReader.ints(v);
    if (shape.length == 0) throw new ImportException(v.where() + ": an input shape needs at least the batch dimension");
    shape[0] = -1;
    return checkInputShape(shape, v);
  }

  /** Dimensions -1 (unknown) or positive, and one example of at most {@link ImportLimits#MAX_ACTIVATION_ELEMENTS} elements. */
  private static int[] checkInputShape(int[] shape, JsonValue v) throws ImportException {
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      int d = shape[i];
      if (d == 0 || d < -1) throw new ImportException(v.where() + ": input dimension " + d + " (expected a positive size or null)");
      if (i > 0) n *= Math.max(d, 1);
      if (n > ImportLimits.MAX_ACTIVATION_ELEMENTS) {
        throw new ImportException(v.where() + ": input shape " + v.describe() + " has more than "
            + ImportLimits.MAX_ACTIVATION_ELEMENTS + " elements per example (a limit of kiln-import)");
      }
    }
    return shape;
  }

  // ---- layers ----------------------------------------------------------------------------------------------------

  private Field field(ModelDef m, JsonValue l, List<String> scope, List<String> savePath, Map<String, Integer> saveCounters)
      throws ImportException {
    String cls = l.require("class_name").asString();
    String ln = layerName(l);
    JsonValue cfg = l.require("config");
    if (++layerCount > ImportLimits.MAX_LAYERS) {
      throw new ImportException(loaded.fileName + ": the model has more than " + ImportLimits.MAX_LAYERS
          + " layers (a limit of kiln-import: Java's 64 KB limit on a method's code would not hold the @Call method)");
    }
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
      for (int i = 2; classNames.contains(c) || JavaNames.classNameProblem(c) != null; i++) c = jc + i;
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
    LayerSpec spec = LayerConverter.convert(String.join("/", innerScope), cls, cfg, loaded.format);
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

package dev.kiln.importer;

import dev.kiln.DType;
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
    if (cls.equals("Sequential")) return sequential(javaClass, config, scope, savePath, root);
    if (cls.equals("Functional") || cls.equals("Model")) return functional(javaClass, config, scope, savePath, root);
    throw new ImportException("the model is a " + cls + "; only Sequential and functional models can be imported");
  }

  // ---- Sequential ------------------------------------------------------------------------------------------------

  private ModelDef sequential(String javaClass, JsonValue config, List<String> scope, List<String> savePath, boolean root)
      throws ImportException {
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
    InputSpec spec;
    String inputName;
    if (l0.require("class_name").asString().equals("InputLayer")) {
      inputName = c0.has("name") ? c0.get("name").asString() : "input";
      spec = inputSpec(c0, inputName);
      first = 1;
    } else {
      if (c0.has("batch_input_shape") || c0.has("batch_shape")) {
        // the first layer's dtype is its own (checked with the layer); the input it makes is float32, or strings for a
        // text layer (Keras 2 writes a Sequential's input as its first layer's batch_input_shape and dtype)
        boolean text = TextLayers.isTextLayer(l0.require("class_name").asString());
        spec = new InputSpec(batchShape(c0.has("batch_shape") ? c0.get("batch_shape") : c0.get("batch_input_shape")),
            text ? "string" : "float32");
      } else if (cfgObj != null && cfgObj.has("build_input_shape")) {
        spec = new InputSpec(batchShape(cfgObj.get("build_input_shape")), "float32");
      } else {
        throw new ImportException("Sequential model '" + name + "' has no input shape (no InputLayer, no batch_input_shape)");
      }
      inputName = (c0.has("name") ? c0.get("name").asString() : "sequential") + "_input";
    }
    Map<String, Integer> saveCounters = new HashMap<>();
    String inputVar = m.uniqueName(inputName, "");
    if (spec.isString()) {
      if (!root || first >= layers.size() || !TextLayers.isTextLayer(layers.get(first).require("class_name").asString())) {
        throw stringInput(inputName);
      }
      spec = textInput(m, layers.get(first), inputVar, spec, savePath, saveCounters);
      first++;
    }
    ModelDef.Input in = new ModelDef.Input(inputVar, inputName, spec.shape, spec.dtype());
    m.inputs.add(in);
    ModelDef.Value current = new ModelDef.Value(in.name);
    for (int i = first; i < layers.size(); i++) {
      Field f = field(m, layers.get(i), scope, savePath, saveCounters);
      int outputs = f.outputs();
      if (outputs > 1) {
        throw new ImportException("layer '" + f.kerasName + "' returns " + outputs + " tensors (return_state), which a"
            + " Sequential model cannot pass on");
      }
      String out = m.uniqueName(f.kerasName, "Out");
      m.calls.add(new ModelDef.CallNode(f, List.of(current), out, 1));
      current = new ModelDef.Value(out);
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

  /**
   * One call of a layer as the config records it: the tensors passed positionally (a list argument flattened, as
   * {@code Attention([query, value])}), tensors passed by keyword ({@code key=}, {@code attention_mask=}), and the
   * other keyword arguments ({@code use_causal_mask}, {@code training}).
   */
  private static final class CallArgs {
    final List<Ref> positional = new ArrayList<>();
    final Map<String, Ref> tensorKwargs = new LinkedHashMap<>();
    final Map<String, JsonValue> kwargs = new LinkedHashMap<>();
    /** Tensors passed as {@code mask=} (or {@code query_mask=}, ...), by argument name. */
    final Map<String, List<Ref>> masks = new LinkedHashMap<>();

    List<Ref> all() {
      List<Ref> all = new ArrayList<>(positional);
      all.addAll(tensorKwargs.values());
      return all;
    }
  }

  private ModelDef functional(String javaClass, JsonValue config, List<String> scope, List<String> savePath, boolean root)
      throws ImportException {
    String name = config.has("name") ? config.get("name").asString() : "model";
    ModelDef m = new ModelDef(javaClass, name, "Functional");
    List<JsonValue> layers = config.require("layers").elements();
    Map<String, JsonValue> byName = new LinkedHashMap<>();
    Map<String, List<CallArgs>> inbound = new HashMap<>();
    for (JsonValue l : layers) {
      String ln = layerName(l);
      if (byName.put(ln, l) != null) throw new ImportException("model '" + name + "': two layers are named '" + ln + "'");
      List<CallArgs> calls = new ArrayList<>();
      JsonValue nodes = l.get("inbound_nodes");
      if (nodes.isArray()) {
        for (JsonValue node : nodes.elements()) calls.add(callArgs(node, ln));
      }
      inbound.put(ln, calls);
    }
    for (Map.Entry<String, List<CallArgs>> e : inbound.entrySet()) {
      for (CallArgs c : e.getValue()) checkMasks(e.getKey(), c, byName.keySet());
    }
    List<Ref> inputRefs = refList(config.get("input_layers"));
    List<Ref> outputRefs = refList(config.get("output_layers"));
    // Node indices: Keras counts a nested model's own inner node, so references may start above 0.
    Map<String, Integer> nodeShift = new HashMap<>();
    List<Ref> all = new ArrayList<>(outputRefs);
    for (List<CallArgs> cs : inbound.values()) for (CallArgs c : cs) all.addAll(c.all());
    for (Ref r : all) {
      int calls = inbound.containsKey(r.layer) ? Math.max(1, inbound.get(r.layer).size()) : 1;
      int shift = r.node - (calls - 1);
      if (shift > 0) nodeShift.merge(r.layer, shift, Math::max);
    }
    // Text layers that read a string input run outside the session: they turn the input into token ids.
    Map<String, JsonValue> textLayerOf = new HashMap<>();
    for (JsonValue l : layers) {
      String ln = layerName(l);
      if (!TextLayers.isTextLayer(l.require("class_name").asString())) continue;
      List<CallArgs> calls = inbound.get(ln);
      if (!root || calls.size() != 1 || calls.get(0).positional.size() != 1 || !calls.get(0).tensorKwargs.isEmpty()) {
        throw new ImportException("layer '" + ln + "' (" + l.require("class_name").asString() + "): text preprocessing"
            + " is supported only when called once on a string input of the outermost model");
      }
      JsonValue other = textLayerOf.put(calls.get(0).positional.get(0).layer, l);
      if (other != null) {
        throw new ImportException("layers '" + layerName(other) + "' and '" + ln + "' both read input '"
            + calls.get(0).positional.get(0).layer + "'; one text layer per string input is supported");
      }
    }
    Map<String, ModelDef.Value> available = new HashMap<>();
    Map<String, Integer> saveCounters = new HashMap<>();
    Map<String, Field> fields = new HashMap<>();
    Set<String> stringInputs = new HashSet<>();
    for (Ref r : inputRefs) {
      JsonValue l = byName.get(r.layer);
      if (l == null || !l.require("class_name").asString().equals("InputLayer")) {
        throw new ImportException("model '" + name + "': input '" + r.layer + "' is not an InputLayer");
      }
      InputSpec spec = inputSpec(l.require("config"), r.layer);
      String var = m.uniqueName(r.layer, "");
      if (spec.isString()) {
        JsonValue text = textLayerOf.get(r.layer);
        if (text == null) throw stringInput(r.layer);
        stringInputs.add(r.layer);
        available.put(layerName(text) + "#0#0", new ModelDef.Value(var));
      } else if (textLayerOf.containsKey(r.layer)) {
        throw new ImportException("layer '" + layerName(textLayerOf.get(r.layer)) + "' reads input '" + r.layer
            + "', which is not a string input");
      }
      m.inputs.add(new ModelDef.Input(var, r.layer, spec.shape, spec.dtype()));
      available.put(r.layer + "#0#0", new ModelDef.Value(var));
    }
    // Fields in config order (so .keras save paths count the way Keras does); text layers count there too.
    for (JsonValue l : layers) {
      String cls = l.require("class_name").asString();
      if (cls.equals("InputLayer")) continue;
      if (TextLayers.isTextLayer(cls)) {
        String input = inbound.get(layerName(l)).get(0).positional.get(0).layer;
        int index = indexOfInput(m, input);
        if (index < 0) {
          throw new ImportException("layer '" + layerName(l) + "' (" + cls + ") reads '" + input + "', which is not a"
              + " string input of the model (text preprocessing must come first)");
        }
        ModelDef.Input old = m.inputs.get(index);
        InputSpec converted = textInput(m, l, old.name, new InputSpec(old.shape, "string"), savePath, saveCounters);
        m.inputs.set(index, new ModelDef.Input(old.name, old.kerasName, converted.shape, converted.dtype()));
        continue;
      }
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
      List<CallArgs> calls = inbound.get(ln);
      for (int k = 0; k < calls.size(); k++) {
        int id = callLayer.size();
        callLayer.add(ln);
        callIndex.add(k);
        int absent = 0;
        for (Ref r : calls.get(k).all()) {
          if (stringInputs.contains(r.layer)) throw stringInput(r.layer);
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
      List<CallArgs> calls = inbound.get(ln);
      Field f = fields.get(ln);
      List<ModelDef.Value> ins = callInputs(f, calls.get(k), available, nodeShift);
      if (ins.isEmpty()) throw new ImportException("layer '" + ln + "' is called with no inputs");
      if (f.nested != null && f.nested.inputs.size() != ins.size()) {
        throw new ImportException("nested model '" + ln + "' has " + f.nested.inputs.size() + " inputs but is called with " + ins.size());
      }
      String out = m.uniqueName(ln, calls.size() > 1 ? "Out" + (k + 1) : "Out");
      ModelDef.CallNode call = new ModelDef.CallNode(f, ins, out, f.outputs());
      m.calls.add(call);
      for (int t = 0; t < call.outputs; t++) {
        String produced = ln + "#" + k + "#" + t;
        available.put(produced, call.value(t));
        done += t == 0 ? 1 : 0;
        List<Integer> unblocked = waiting.remove(produced);
        if (unblocked != null) {
          for (int w : unblocked) {
            missing.set(w, missing.get(w) - 1);
            if (missing.get(w) == 0) ready.add(w);
          }
        }
      }
    }
    if (done < total) throw new ImportException("model '" + name + "': some layers' inputs never become available (a cycle, or a missing layer)");
    for (Ref r : outputRefs) {
      ModelDef.Value v = available.get(tensorKey(r, nodeShift));
      if (v == null) throw new ImportException("model '" + name + "': output '" + r.layer + "' is not computed by any layer call");
      if (stringInputs.contains(r.layer)) throw stringInput(r.layer);
      m.outputs.add(v);
    }
    return m;
  }

  private static int indexOfInput(ModelDef m, String kerasName) {
    for (int i = 0; i < m.inputs.size(); i++) if (m.inputs.get(i).kerasName.equals(kerasName)) return i;
    return -1;
  }

  private static ImportException stringInput(String input) {
    return new ImportException("input '" + input + "' holds strings: only a TextVectorization or StringLookup layer of"
        + " the outermost model may read it (Kiln runs those outside the session, strings are not graph tensors)");
  }

  /**
   * The tensors a call passes to its layer, in the order Kiln's {@code apply} takes them, and the call's keyword
   * options applied to the layer (the same on every call of a shared layer).
   */
  private List<ModelDef.Value> callInputs(Field f, CallArgs call, Map<String, ModelDef.Value> available,
      Map<String, Integer> nodeShift) throws ImportException {
    String cls = f.kerasClass;
    List<Ref> refs = new ArrayList<>(call.positional);
    if (cls.equals("MultiHeadAttention")) {
      Ref query = take(refs, 0, call, "query", f);
      Ref value = take(refs, 1, call, "value", f);
      Ref key = take(refs, 2, call, "key", f);
      Ref mask = take(refs, 3, call, "attention_mask", f);
      refs = new ArrayList<>(List.of(query, value));
      if (key != null || mask != null) refs.add(key != null ? key : value);
      if (mask != null) refs.add(mask);
    } else if (!call.tensorKwargs.isEmpty()) {
      String kw = call.tensorKwargs.keySet().iterator().next();
      throw new ImportException("layer '" + f.kerasName + "' (" + cls + "): the call argument " + kw + " is a tensor;"
          + " explicit masks, initial states and constants are not supported");
    }
    for (Map.Entry<String, JsonValue> e : call.kwargs.entrySet()) callOption(f, e.getKey(), e.getValue());
    if (f.spec != null) causalMask(f, call);
    List<ModelDef.Value> ins = new ArrayList<>();
    for (Ref r : refs) ins.add(available.get(tensorKey(r, nodeShift)));
    return ins;
  }

  /** Positional argument {@code i} or keyword argument {@code keyword} (null when neither is given). */
  private static Ref take(List<Ref> positional, int i, CallArgs call, String keyword, Field f) throws ImportException {
    Ref byKeyword = call.tensorKwargs.get(keyword);
    Ref byPosition = i < positional.size() ? positional.get(i) : null;
    if (byKeyword != null && byPosition != null) {
      throw new ImportException("layer '" + f.kerasName + "': " + keyword + " is given twice");
    }
    if (i == 0 && byKeyword == null && byPosition == null) {
      throw new ImportException("layer '" + f.kerasName + "': the call has no " + keyword);
    }
    return byKeyword != null ? byKeyword : byPosition;
  }

  /** A keyword option of a call: those that change inference are set on the layer or refused. */
  private static void callOption(Field f, String key, JsonValue v) throws ImportException {
    switch (key) {
      case "return_attention_scores":
        if (!v.isAbsent() && v.asBoolean()) {
          throw new ImportException("layer '" + f.kerasName + "' (" + f.kerasClass + "): return_attention_scores is not supported");
        }
        return;
      case "initial_state": case "constants":
        if (!v.isAbsent()) {
          throw new ImportException("layer '" + f.kerasName + "' (" + f.kerasClass + "): the call argument " + key
              + " is not supported");
        }
        return;
      default:
        // training and the like do not change inference; use_causal_mask: see causalMask
    }
  }

  /**
   * Keras passes {@code use_causal_mask} to each call of an attention layer; Kiln sets it on the layer, so every call
   * of a shared layer must agree.
   */
  private static void causalMask(Field f, CallArgs call) throws ImportException {
    JsonValue v = call.kwargs.get("use_causal_mask");
    boolean causal = v != null && !v.isAbsent() && v.asBoolean();
    if (causal && !f.kerasClass.equals("Attention") && !f.kerasClass.equals("MultiHeadAttention")) {
      throw new ImportException("layer '" + f.kerasName + "': use_causal_mask is not an option of " + f.kerasClass);
    }
    if (f.causalCalls == null) {
      f.causalCalls = causal;
      if (causal && !f.spec.has("useCausalMask")) f.spec.set("useCausalMask", LayerSpec.Arg.of(true));
    } else if (f.causalCalls != causal) {
      throw new ImportException("layer '" + f.kerasName + "': use_causal_mask differs between its calls, which Kiln"
          + " cannot express (it is an option of the layer)");
    }
  }

  /** Where a reference's tensor is found among the calls made so far: {@code layer#node#tensor}. */
  private static String tensorKey(Ref r, Map<String, Integer> nodeShift) {
    return r.layer + "#" + (r.node - nodeShift.getOrDefault(r.layer, 0)) + "#" + r.tensor;
  }

  private static String layerName(JsonValue l) throws ImportException {
    if (l.has("name")) return l.get("name").asString();
    return l.require("config").require("name").asString();
  }

  /**
   * Keras 2 / TF.js {@code [[name, node, tensor, kwargs], ...]} (kwargs may hold tensors as {@code [name, node,
   * tensor]}) or Keras 3 {@code {args: [...keras tensors], kwargs: {...}}}.
   */
  private static CallArgs callArgs(JsonValue node, String layer) throws ImportException {
    CallArgs out = new CallArgs();
    if (node.isArray()) {
      for (JsonValue x : node.elements()) {
        out.positional.add(ref(x));
        List<JsonValue> entry = x.elements();
        if (entry.size() > 3 && entry.get(3).isObject()) {
          for (String key : entry.get(3).keys()) {
            JsonValue v = entry.get(3).get(key);
            if (isKeras2Ref(v) && isMaskArgument(key)) out.masks.put(key, List.of(ref(v)));
            else if (isKeras2Ref(v)) out.tensorKwargs.put(key, ref(v));
            else if (!isMaskArgument(key)) out.kwargs.put(key, v);
          }
        }
      }
      return out;
    }
    collectKeras3(node.get("args"), out.positional);
    JsonValue kwargs = node.get("kwargs");
    if (kwargs.isObject()) {
      for (String key : kwargs.keys()) {
        List<Ref> tensors = new ArrayList<>();
        collectKeras3(kwargs.get(key), tensors);
        if (isMaskArgument(key)) {
          if (!tensors.isEmpty()) out.masks.put(key, tensors);
          continue;
        }
        if (tensors.size() > 1) {
          throw new ImportException("layer '" + layer + "': the call argument " + key + " holds " + tensors.size()
              + " tensors, which is not supported");
        }
        if (tensors.size() == 1) out.tensorKwargs.put(key, tensors.get(0));
        else out.kwargs.put(key, kwargs.get(key));
      }
    }
    return out;
  }

  /** Keras' mask arguments ({@code mask}, and {@code query_mask} ... of a layer with several tensor arguments). */
  private static boolean isMaskArgument(String key) {
    return key.equals("mask") || (key.endsWith("_mask") && !key.equals("attention_mask") && !key.equals("use_causal_mask"));
  }

  /**
   * Keras 3 records in a call's keyword arguments the masks it passed itself (each input's own mask): Kiln passes the
   * same masks on its own, so those are dropped. A mask from elsewhere (another layer's output) is refused.
   */
  private static void checkMasks(String layer, CallArgs call, Set<String> layers) throws ImportException {
    for (Map.Entry<String, List<Ref>> e : call.masks.entrySet()) {
      for (Ref m : e.getValue()) {
        boolean ownMask = !layers.contains(m.layer);
        for (Ref input : call.all()) ownMask |= input.layer.equals(m.layer) && input.node == m.node;
        if (!ownMask) {
          throw new ImportException("layer '" + layer + "': the call argument " + e.getKey() + " is the tensor of layer '"
              + m.layer + "', not its input's own mask; explicit masks are not supported");
        }
      }
    }
  }

  /** {@code [layer name, node index, tensor index]} as Keras 2 writes a tensor among a call's keyword arguments. */
  private static boolean isKeras2Ref(JsonValue v) throws ImportException {
    if (!v.isArray()) return false;
    List<JsonValue> a = v.elements();
    return a.size() >= 3 && a.get(0).isString() && a.get(1).isNumber() && a.get(2).isNumber();
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

  // ---- inputs ----------------------------------------------------------------------------------------------------

  /** An input's batch shape ({@code -1} for {@code None}) and its Keras dtype. */
  private static final class InputSpec {
    final int[] shape;
    final String dtype;

    InputSpec(int[] shape, String dtype) {
      this.shape = shape;
      this.dtype = dtype;
    }

    boolean isString() {
      return dtype.equals("string");
    }

    /** Kiln's placeholder type: int32 and int64 token ids become INT32. */
    DType dtype() {
      return dtype.equals("float32") ? DType.FLOAT32 : DType.INT32;
    }
  }

  /**
   * A text layer's conversion: its options and vocabulary into {@code dev.kiln.text}, the string input it reads into
   * an INT32 placeholder of the layer's output shape. The layer takes a .keras save slot like any other layer.
   */
  private InputSpec textInput(ModelDef m, JsonValue l, String inputVar, InputSpec input, List<String> savePath,
      Map<String, Integer> saveCounters) throws ImportException {
    String cls = l.require("class_name").asString();
    String ln = layerName(l);
    String snake = snakeCase(cls);
    int n = saveCounters.merge(snake, 1, Integer::sum) - 1;
    StringBuilder asset = new StringBuilder("assets");
    for (String s : savePath) asset.append("/layers/").append(s);
    asset.append("/layers/").append(n == 0 ? snake : snake + "_" + n);
    byte[] vocabulary = loaded.assets.get(asset + "/vocabulary.txt");
    if (vocabulary == null) vocabulary = loaded.assets.get(asset + "/_lookup_layer/vocabulary.txt");
    String name = m.uniqueName(ln, "");
    String file = m.javaClass + "." + name + ".vocabulary.txt";
    TextLayers.Converted t = TextLayers.convert(ln, cls, l.require("config"), input.shape, vocabulary, file);
    m.textInputs.add(new ModelDef.TextInput(ln, cls, inputVar, name, t.preprocessor, t.setters, t.outputShape, file));
    return new InputSpec(t.outputShape, "int32");
  }

  private static InputSpec inputSpec(JsonValue c, String name) throws ImportException {
    String dtype = inputDtype(c, name);
    if (c.has("sparse") && c.get("sparse").asBoolean()) throw new ImportException("input '" + name + "': sparse inputs are not supported");
    if (c.has("ragged") && c.get("ragged").asBoolean()) throw new ImportException("input '" + name + "': ragged inputs are not supported");
    int[] shape;
    if (c.has("batch_shape")) {
      shape = batchShape(c.get("batch_shape"));
    } else if (c.has("batch_input_shape")) {
      shape = batchShape(c.get("batch_input_shape"));
    } else if (c.has("input_shape")) {
      int[] s = ModelReader.ints(c.get("input_shape"));
      shape = new int[s.length + 1];
      System.arraycopy(s, 0, shape, 1, s.length);
      shape = checkInputShape(shape, c.get("input_shape"));
    } else {
      throw new ImportException("input '" + name + "' has no shape");
    }
    return new InputSpec(shape, dtype);
  }

  /** float32; int32 or int64 (token ids, run as INT32); string (for a text layer). */
  private static String inputDtype(JsonValue c, String name) throws ImportException {
    JsonValue d = c.get("dtype");
    if (d.isAbsent()) return "float32";
    String dtype = d.isString() ? d.asString() : d.get("config").isObject() ? d.get("config").get("name").asString() : d.describe();
    switch (dtype) {
      case "float32": case "int32": case "string":
        return dtype;
      case "int64":
        return "int32";
      default:
        throw new ImportException("input '" + name + "': dtype '" + dtype + "' is not supported (float32; int32 or int64"
            + " token ids, run as INT32; string for a TextVectorization or StringLookup layer)");
    }
  }

  /** A Keras batch shape ({@code [null, 28, 28, 1]}) with -1 for the batch. */
  private static int[] batchShape(JsonValue v) throws ImportException {
    int[] shape = ModelReader.ints(v);
    if (shape.length == 0) throw new ImportException(v.where() + ": an input shape needs at least the batch dimension");
    shape[0] = -1;
    return checkInputShape(shape, v);
  }

  /** Dimensions -1 (unknown: axes 0 and 1 only) or positive, and one example of at most {@link ImportLimits#MAX_ACTIVATION_ELEMENTS} elements. */
  private static int[] checkInputShape(int[] shape, JsonValue v) throws ImportException {
    long n = 1;
    for (int i = 0; i < shape.length; i++) {
      int d = shape[i];
      if (d == 0 || d < -1) throw new ImportException(v.where() + ": input dimension " + d + " (expected a positive size or null)");
      if (d == -1 && i >= 2) {
        throw new ImportException(v.where() + ": input shape " + v.describe() + " has None at axis " + i + "; Kiln knows"
            + " only the batch (axis 0) and the time (axis 1) at run time, every other dimension must be a number");
      }
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
    List<Tensor> ws = loaded.weights.get(new LayerRef(innerScope, innerSave), spec.weights);
    for (int i = 0; i < ws.size(); i++) f.weights.put(spec.weights.get(i).kiln, ws.get(i));
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

package dev.kiln.importer;

import dev.kiln.Activation;
import dev.kiln.Padding;
import dev.kiln.importer.LayerSpec.Arg;
import dev.kiln.layers.Attention;
import dev.kiln.layers.MergeMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras layer configs to Kiln built-in layers. Options that do not change inference (initializers, regularizers,
 * constraints, {@code trainable}, dropout seeds and noise shapes) are ignored; options that do and that Kiln cannot
 * honour are refused with an {@link ImportException} naming the layer and the option.
 */
final class LayerConverter {
  private final String layer;
  private final String cls;
  private final JsonValue c;
  private final ModelReader.Format format;

  private LayerConverter(String layer, String cls, JsonValue config, ModelReader.Format format) {
    this.layer = layer;
    this.cls = cls;
    this.c = config;
    this.format = format;
  }

  static LayerSpec convert(String layer, String cls, JsonValue config, ModelReader.Format format) throws ImportException {
    return new LayerConverter(layer, cls, config, format).convert();
  }

  private ImportException refuse(String option, String why) {
    return new ImportException("layer '" + layer + "' (" + cls + "): " + option + " " + why);
  }

  private LayerSpec convert() throws ImportException {
    checkDtype(c, layer, cls);
    if (has("data_format")) {
      String df = c.get("data_format").asString();
      if (!df.equals("channels_last") && !df.equals("channelsLast")) {
        throw refuse("data_format '" + df + "'", "is not supported: Kiln layers are channels-last");
      }
    }
    switch (cls) {
      case "Dense": {
        LayerSpec s = new LayerSpec("Dense", Arg.of(intOr("units", -1)));
        activation(s);
        return bias(s, "kernel");
      }
      case "Activation": {
        Activation a = activation(c.get("activation"));
        return new LayerSpec("ActivationLayer", Arg.of(a));
      }
      case "ReLU": {
        LayerSpec s = new LayerSpec("ReLU");
        if (has("max_value")) s.set("maxValue", Arg.of(floatOr("max_value", 0)));
        float slope = floatOr("negative_slope", 0f);
        if (slope != 0f) s.set("negativeSlope", Arg.of(slope));
        float threshold = floatOr("threshold", 0f);
        if (threshold != 0f) throw refuse("threshold " + threshold, "is not supported (Kiln's ReLU supports threshold 0 only)");
        return s;
      }
      case "LeakyReLU": {
        float slope = has("negative_slope") ? floatOr("negative_slope", 0.3f) : floatOr("alpha", 0.3f);
        return new LayerSpec("ReLU").set("negativeSlope", Arg.of(slope));
      }
      case "Softmax": {
        int axis = has("axis") ? single("axis") : -1;
        return axis == -1 ? new LayerSpec("Softmax") : new LayerSpec("Softmax", Arg.of(axis));
      }
      case "Dropout": {
        LayerSpec s = new LayerSpec("Dropout", Arg.of(floatOr("rate", 0f)));
        s.takesTraining = true;
        return s;
      }
      case "Flatten":
        return new LayerSpec("Flatten");
      case "Reshape": {
        LayerSpec s = new LayerSpec("Reshape", Arg.ints(ints("target_shape")));
        s.varargsCtor = true;
        return s;
      }
      case "Permute": {
        LayerSpec s = new LayerSpec("Permute", Arg.ints(ints("dims")));
        s.varargsCtor = true;
        return s;
      }
      case "Add": case "Subtract": case "Multiply": case "Average": case "Maximum": case "Minimum":
        return new LayerSpec(cls);
      case "Concatenate": {
        int axis = intOr("axis", -1);
        return axis == -1 ? new LayerSpec("Concatenate") : new LayerSpec("Concatenate", Arg.of(axis));
      }
      case "Conv1D": {
        LayerSpec s = new LayerSpec("Conv1D", Arg.of(intOr("filters", -1)), Arg.of(pair("kernel_size", 1)[0]));
        int stride = pair("strides", 1)[0];
        if (stride != 1) s.set("strides", Arg.of(stride));
        String pad = str("padding", "valid");
        if (pad.equals("causal")) s.set("padding", Arg.of("causal"));
        else padding(s);
        int d = pair("dilation_rate", 1)[0];
        if (d != 1) s.set("dilationRate", Arg.of(d));
        groups(s);
        activation(s);
        return bias(s, "kernel");
      }
      case "Conv2D": {
        int[] k = pair("kernel_size", 2);
        LayerSpec s = k[0] == k[1] ? new LayerSpec("Conv2D", Arg.of(intOr("filters", -1)), Arg.of(k[0]))
            : new LayerSpec("Conv2D", Arg.of(intOr("filters", -1)), Arg.of(k[0]), Arg.of(k[1]));
        strides(s);
        padding(s);
        dilation(s);
        groups(s);
        activation(s);
        return bias(s, "kernel");
      }
      case "Conv2DTranspose": {
        int[] k = pair("kernel_size", 2);
        LayerSpec s = k[0] == k[1] ? new LayerSpec("Conv2DTranspose", Arg.of(intOr("filters", -1)), Arg.of(k[0]))
            : new LayerSpec("Conv2DTranspose", Arg.of(intOr("filters", -1)), Arg.of(k[0]), Arg.of(k[1]));
        strides(s);
        padding(s);
        int[] d = pair("dilation_rate", 2);
        if (d[0] != 1 || d[1] != 1) throw refuse("dilation_rate " + d[0] + "x" + d[1], "is not supported by Kiln's Conv2DTranspose");
        if (has("output_padding")) {
          int[] op = pair("output_padding", 2);
          s.set("outputPadding", op[0] == op[1] ? Arg.ints(op[0]) : Arg.ints(op));
        }
        activation(s);
        return bias(s, "kernel");
      }
      case "DepthwiseConv2D": {
        int[] k = pair("kernel_size", 2);
        LayerSpec s = k[0] == k[1] ? new LayerSpec("DepthwiseConv2D", Arg.of(k[0])) : new LayerSpec("DepthwiseConv2D", Arg.ints(k));
        strides(s);
        padding(s);
        int m = intOr("depth_multiplier", 1);
        if (m != 1) s.set("depthMultiplier", Arg.of(m));
        dilation(s);
        activation(s);
        return bias(s, "depthwise_kernel");
      }
      case "SeparableConv2D": {
        int[] k = pair("kernel_size", 2);
        LayerSpec s = k[0] == k[1] ? new LayerSpec("SeparableConv2D", Arg.of(intOr("filters", -1)), Arg.of(k[0]))
            : new LayerSpec("SeparableConv2D", Arg.of(intOr("filters", -1)), Arg.of(k[0]), Arg.of(k[1]));
        strides(s);
        padding(s);
        int m = intOr("depth_multiplier", 1);
        if (m != 1) s.set("depthMultiplier", Arg.of(m));
        dilation(s);
        activation(s);
        return bias(s, "depthwise_kernel", "pointwise_kernel");
      }
      case "MaxPooling1D": case "AveragePooling1D": case "MaxPool1D": case "AvgPool1D": {
        String k = cls.startsWith("Max") ? "MaxPooling1D" : "AveragePooling1D";
        int pool = pair("pool_size", 1)[0];
        LayerSpec s = new LayerSpec(k, Arg.of(pool));
        if (has("strides")) {
          int st = pair("strides", 1)[0];
          if (st != pool) s.set("strides", Arg.of(st));
        }
        padding(s);
        return s;
      }
      case "MaxPooling2D": case "AveragePooling2D": case "MaxPool2D": case "AvgPool2D": {
        String k = cls.startsWith("Max") ? "MaxPooling2D" : "AveragePooling2D";
        int[] pool = has("pool_size") ? pair("pool_size", 2) : new int[] {2, 2};
        LayerSpec s = pool[0] == pool[1] ? new LayerSpec(k, Arg.of(pool[0])) : new LayerSpec(k, Arg.ints(pool));
        if (has("strides")) {
          int[] st = pair("strides", 2);
          if (st[0] != pool[0] || st[1] != pool[1]) s.set("strides", st[0] == st[1] ? Arg.ints(st[0]) : Arg.ints(st));
        }
        padding(s);
        return s;
      }
      case "GlobalAveragePooling1D": case "GlobalMaxPooling1D": case "GlobalAveragePooling2D": case "GlobalMaxPooling2D":
      case "GlobalAvgPool1D": case "GlobalMaxPool1D": case "GlobalAvgPool2D": case "GlobalMaxPool2D": {
        String k = cls.replace("AvgPool", "AveragePooling").replace("MaxPool1D", "MaxPooling1D").replace("MaxPool2D", "MaxPooling2D");
        LayerSpec s = new LayerSpec(k);
        if (boolOr("keepdims", false)) s.set("keepDims", Arg.of(true));
        return s;
      }
      case "BatchNormalization": {
        LayerSpec s = new LayerSpec("BatchNormalization");
        int axis = has("axis") ? single("axis") : -1;
        if (axis != -1) s.set("axis", Arg.of(axis));
        float momentum = floatOr("momentum", 0.99f);
        if (momentum != 0.99f) s.set("momentum", Arg.of(momentum));
        float eps = floatOr("epsilon", 1e-3f);
        if (eps != 1e-3f) s.set("epsilon", Arg.of(eps));
        boolean center = boolOr("center", true);
        boolean scale = boolOr("scale", true);
        if (!center) s.set("center", Arg.of(false));
        if (!scale) s.set("scale", Arg.of(false));
        if (boolOr("renorm", false)) throw refuse("renorm", "is not supported");
        if (scale) s.weights("gamma");
        if (center) s.weights("beta");
        s.weights("moving_mean", "moving_variance");
        s.takesTraining = true;
        return s;
      }
      case "LayerNormalization": {
        LayerSpec s = new LayerSpec("LayerNormalization");
        int[] axis = has("axis") ? intsOrInt("axis") : new int[] {-1};
        if (!(axis.length == 1 && axis[0] == -1)) {
          s.set("axis", Arg.ints(axis));
          s.varargsSetter = "axis";
        }
        float eps = floatOr("epsilon", 1e-3f);
        if (eps != 1e-3f) s.set("epsilon", Arg.of(eps));
        boolean center = boolOr("center", true);
        boolean scale = boolOr("scale", true);
        if (!center) s.set("center", Arg.of(false));
        if (!scale) s.set("scale", Arg.of(false));
        if (boolOr("rms_scaling", false)) throw refuse("rms_scaling", "is not supported");
        if (scale) s.weights("gamma");
        if (center) s.weights("beta");
        return s;
      }
      case "ZeroPadding1D": {
        int[] p = pair("padding", 1);
        return p.length == 1 || p[0] == p[1] ? new LayerSpec("ZeroPadding1D", Arg.of(p[0])) : new LayerSpec("ZeroPadding1D", Arg.ints(p));
      }
      case "Cropping1D": {
        int[] p = pair("cropping", 1);
        return p.length == 1 || p[0] == p[1] ? new LayerSpec("Cropping1D", Arg.of(p[0])) : new LayerSpec("Cropping1D", Arg.ints(p));
      }
      case "ZeroPadding2D": case "Cropping2D": {
        int[] p = fourSides(cls.equals("ZeroPadding2D") ? "padding" : "cropping");
        if (p[0] == p[1] && p[2] == p[3]) {
          return p[0] == p[2] ? new LayerSpec(cls, Arg.of(p[0])) : new LayerSpec(cls, Arg.of(p[0]), Arg.of(p[2]));
        }
        return new LayerSpec(cls, Arg.ints(p));
      }
      case "UpSampling1D":
        return new LayerSpec("UpSampling1D", Arg.of(pair("size", 1)[0]));
      case "UpSampling2D": {
        int[] size = has("size") ? pair("size", 2) : new int[] {2, 2};
        LayerSpec s = size[0] == size[1] ? new LayerSpec("UpSampling2D", Arg.of(size[0])) : new LayerSpec("UpSampling2D", Arg.ints(size));
        String interp = str("interpolation", "nearest");
        if (!interp.equals("nearest") && !interp.equals("bilinear")) {
          throw refuse("interpolation '" + interp + "'", "is not supported (nearest or bilinear)");
        }
        if (interp.equals("bilinear") && format == ModelReader.Format.TFJS) {
          // TF.js resizes with align_corners=false, half_pixel_centers=false (TF1); Keras and Kiln use half-pixel centers.
          throw refuse("interpolation 'bilinear'", "is not supported for TF.js models (TF.js resizes without half-pixel centers, Kiln like Keras with them)");
        }
        if (interp.equals("bilinear")) s.set("interpolation", Arg.of("bilinear"));
        return s;
      }
      case "Embedding": {
        LayerSpec s = new LayerSpec("Embedding", Arg.of(intOr("input_dim", -1)), Arg.of(intOr("output_dim", -1)));
        if (boolOr("mask_zero", false)) s.set("maskZero", Arg.of(true));
        if (has("lora_rank")) throw refuse("lora_rank", "is not supported (merge the LoRA weights into the embeddings first)");
        return s.weights("embeddings");
      }
      case "Masking": {
        float value = floatOr("mask_value", 0f);
        return value == 0f ? new LayerSpec("Masking") : new LayerSpec("Masking", Arg.of(value));
      }
      case "SimpleRNN": case "LSTM": case "GRU":
        return recurrent(false);
      case "Bidirectional":
        return bidirectional();
      case "TimeDistributed":
        return timeDistributed();
      case "Attention":
        return attention();
      case "MultiHeadAttention":
        return multiHeadAttention();
      case "TextVectorization": case "StringLookup":
        throw refuse("(text preprocessing)", "is supported only when it reads a string input of the outermost model"
            + " directly (it then runs outside the session, as dev.kiln.text." + cls + ")");
      case "RNN":
        throw refuse("(a generic RNN around a cell)", "is not supported: custom cells are not; use SimpleRNN, LSTM or GRU");
      default:
        throw new ImportException("layer '" + layer + "': layer type " + cls + " is not supported by the Kiln importer");
    }
  }

  // ---- sequence layers ---------------------------------------------------------------------------------------------

  private static boolean isRecurrent(String cls) {
    return cls.equals("SimpleRNN") || cls.equals("LSTM") || cls.equals("GRU");
  }

  /** The states an RNN returns with {@code return_state}: h, and c for an LSTM. */
  private static int states(String cls) {
    return cls.equals("LSTM") ? 2 : 1;
  }

  /**
   * SimpleRNN, LSTM, GRU. Defaults are Keras': activation tanh, recurrent activation sigmoid (TF.js always writes its
   * own, hard sigmoid, which Kiln refuses), GRU {@code reset_after} true in Keras 3 and false when a Keras 2 or TF.js
   * config leaves it out (TF.js has only that form). {@code unroll} changes nothing: Kiln loops over time at run time.
   */
  private LayerSpec recurrent(boolean wrapped) throws ImportException {
    LayerSpec s = new LayerSpec(cls, Arg.of(intOr("units", -1)));
    Activation act = has("activation") ? activation(c.get("activation")) : Activation.TANH;
    if (act != Activation.TANH) s.set("activation", Arg.of(act));
    if (!cls.equals("SimpleRNN")) {
      if (!has("recurrent_activation") && format == ModelReader.Format.TFJS) {
        throw refuse("recurrent_activation (absent: TF.js' hard sigmoid)", "is not supported by Kiln (Keras 2 / TF.js"
            + " hard_sigmoid is 0.2x+0.5, Kiln's is relu6(x+3)/6)");
      }
      Activation rec = has("recurrent_activation") ? activation(c.get("recurrent_activation")) : Activation.SIGMOID;
      if (rec != Activation.SIGMOID) s.set("recurrentActivation", Arg.of(rec));
    }
    boolean useBias = boolOr("use_bias", true);
    if (!useBias) s.set("useBias", Arg.of(false));
    if (boolOr("return_sequences", false)) s.set("returnSequences", Arg.of(true));
    if (boolOr("return_state", false)) {
      s.set("returnState", Arg.of(true));
      s.outputs = 1 + states(cls);
    }
    if (boolOr("go_backwards", false)) s.set("goBackwards", Arg.of(true));
    if (boolOr("stateful", false)) throw refuse("stateful", "is not supported: a Kiln session keeps no state between calls");
    if (boolOr("time_major", false)) throw refuse("time_major", "is not supported (Kiln's sequences are [batch, time, ...])");
    if (!wrapped && boolOr("zero_output_for_mask", false)) {
      throw refuse("zero_output_for_mask", "is not supported outside Bidirectional (Kiln repeats the previous output at"
          + " masked steps, as Keras' default)");
    }
    if (cls.equals("GRU")) {
      boolean resetAfter = has("reset_after") ? boolOr("reset_after", true) : format == ModelReader.Format.KERAS3;
      if (!resetAfter) s.set("resetAfter", Arg.of(false));
    }
    s.cellWeights("kernel", "recurrent_kernel");
    if (useBias) s.cellWeights("bias");
    return s;
  }

  /** The wrapped layer of a Bidirectional or TimeDistributed: {@code {class_name, config}}. */
  private LayerConverter inner() throws ImportException {
    JsonValue inner = c.require("layer");
    String innerClass = inner.require("class_name").asString();
    JsonValue innerConfig = inner.require("config");
    String innerName = innerConfig.has("name") ? innerConfig.get("name").asString() : innerClass;
    return new LayerConverter(layer + "/" + innerName, innerClass, innerConfig, format);
  }

  private LayerSpec bidirectional() throws ImportException {
    LayerConverter inner = inner();
    if (!isRecurrent(inner.cls)) {
      throw refuse("layer " + inner.cls, "is not supported (Kiln's Bidirectional wraps SimpleRNN, LSTM or GRU)");
    }
    checkDtype(inner.c, inner.layer, inner.cls);
    if (inner.boolOr("go_backwards", false)) {
      throw refuse("layer with go_backwards", "is not supported (Keras makes the backward copy go backwards)");
    }
    LayerSpec wrapped = inner.recurrent(true);
    JsonValue mode = c.get("merge_mode");
    MergeMode merge = MergeMode.CONCAT;
    if (!mode.isMissing()) {
      if (mode.isAbsent()) throw refuse("merge_mode None", "is not supported (two separate outputs; use concat, sum, mul or ave)");
      switch (mode.asString()) {
        case "concat": merge = MergeMode.CONCAT; break;
        case "sum": merge = MergeMode.SUM; break;
        case "mul": merge = MergeMode.MUL; break;
        case "ave": merge = MergeMode.AVE; break;
        default: throw refuse("merge_mode '" + mode.asString() + "'", "is not supported (concat, sum, mul or ave)");
      }
    }
    if (has("backward_layer")) checkBackwardLayer(inner);
    LayerSpec s = new LayerSpec("Bidirectional", Arg.of(wrapped));
    if (merge != MergeMode.CONCAT) s.set("mergeMode", Arg.of(merge));
    for (LayerSpec.WeightRef w : wrapped.weights) s.weights.add(w.within("forward_layer", "forward_layer", "forward_*"));
    for (LayerSpec.WeightRef w : wrapped.weights) s.weights.add(w.within("backward_layer", "backward_layer", "backward_*"));
    if (wrapped.outputs > 1) s.outputs = 1 + 2 * states(inner.cls);
    return s;
  }

  /** Keras 3 writes the backward copy it made; one with other options than the forward layer's is refused. */
  private void checkBackwardLayer(LayerConverter forward) throws ImportException {
    JsonValue backward = c.get("backward_layer");
    String backwardClass = backward.require("class_name").asString();
    Map<String, Object> f = options(forward.c);
    Map<String, Object> b = options(backward.require("config"));
    if (!backwardClass.equals(forward.cls) || !f.equals(b)) {
      throw refuse("backward_layer", "is not supported unless it is the forward layer going backwards (Kiln's"
          + " Bidirectional makes that copy itself)");
    }
  }

  /** A wrapped layer's options, without those a Bidirectional's two copies differ in. */
  private static Map<String, Object> options(JsonValue config) throws ImportException {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : config.keys()) {
      if (!key.equals("name") && !key.equals("go_backwards")) out.put(key, dev.kiln.io.Json.write(config.get(key).raw()));
    }
    return out;
  }

  private LayerSpec timeDistributed() throws ImportException {
    LayerConverter inner = inner();
    if (inner.cls.equals("Sequential") || inner.cls.equals("Functional") || inner.cls.equals("Model")) {
      throw refuse("layer " + inner.cls, "is not supported (Kiln's TimeDistributed wraps a built-in layer)");
    }
    LayerSpec wrapped = inner.convert();
    if (wrapped.outputs > 1) throw refuse("layer with return_state", "is not supported (TimeDistributed returns one tensor)");
    LayerSpec s = new LayerSpec("TimeDistributed", Arg.of(wrapped));
    for (LayerSpec.WeightRef w : wrapped.weights) s.weights.add(w.within("layer", "layer", "", "*"));
    s.takesTraining = wrapped.takesTraining;
    return s;
  }

  private LayerSpec attention() throws ImportException {
    LayerSpec s = new LayerSpec("Attention");
    if (boolOr("use_scale", false)) {
      s.set("useScale", Arg.of(true));
      s.weights("scale");
    }
    String mode = str("score_mode", "dot");
    if (mode.equals("concat")) {
      s.set("scoreMode", Arg.of(Attention.ScoreMode.CONCAT));
      s.weights("concat_score_weight");
    } else if (!mode.equals("dot")) {
      throw refuse("score_mode '" + mode + "'", "is not supported (dot or concat)");
    }
    if (boolOr("causal", false)) s.set("useCausalMask", Arg.of(true)); // Keras 2's constructor argument
    return s;
  }

  private LayerSpec multiHeadAttention() throws ImportException {
    int keyDim = intOr("key_dim", -1);
    LayerSpec s = new LayerSpec("MultiHeadAttention", Arg.of(intOr("num_heads", -1)), Arg.of(keyDim));
    if (has("value_dim") && c.get("value_dim").asInt() != keyDim) s.set("valueDim", Arg.of(c.get("value_dim").asInt()));
    boolean useBias = boolOr("use_bias", true);
    if (!useBias) s.set("useBias", Arg.of(false));
    if (has("output_shape")) {
      s.set("outputShape", Arg.ints(intsOrInt("output_shape")));
      s.varargsSetter = "outputShape";
    }
    if (has("attention_axes")) {
      int[] axes = intsOrInt("attention_axes");
      if (!(axes.length == 1 && (axes[0] == 1 || axes[0] == -2))) {
        throw refuse("attention_axes " + c.get("attention_axes").describe(), "is not supported (Kiln attends over the"
            + " steps, axis 1 of [batch, steps, features])");
      }
    }
    // Keras 3 keeps the projections as EinsumDense sublayers _query_dense, ...; Keras 2 names them query/, ...
    String[][] parts = {{"query", "_query_dense"}, {"key", "_key_dense"}, {"value", "_value_dense"},
        {"attention_output", "_output_dense"}};
    for (String[] part : parts) {
      s.weights.add(new LayerSpec.WeightRef(part[0] + "/kernel", part[1], List.of(part[0] + "/kernel")));
      if (useBias) s.weights.add(new LayerSpec.WeightRef(part[0] + "/bias", part[1], List.of(part[0] + "/bias")));
    }
    return s;
  }

  static void checkDtype(JsonValue c, String layer, String cls) throws ImportException {
    JsonValue d = c.get("dtype");
    if (d.isAbsent()) return;
    String name;
    if (d.isString()) {
      name = d.asString();
    } else {
      JsonValue cfg = d.get("config");
      name = cfg.isObject() && cfg.has("name") ? cfg.get("name").asString() : d.describe();
    }
    if (!name.equals("float32")) {
      throw new ImportException("layer '" + layer + "' (" + cls + "): dtype '" + name + "' is not supported (Kiln computes in float32)");
    }
  }

  // ---- options -----------------------------------------------------------------------------------------------------

  private void activation(LayerSpec s) throws ImportException {
    Activation a = activation(c.get("activation"));
    if (a != Activation.LINEAR) s.set("activation", Arg.of(a));
  }

  private Activation activation(JsonValue e) throws ImportException {
    if (e.isAbsent()) return Activation.LINEAR;
    String name;
    if (e.isString()) {
      name = e.asString();
    } else {
      JsonValue cfg = e.get("config");
      name = cfg.isString() ? cfg.asString() : e.has("class_name") ? e.get("class_name").asString() : e.describe();
    }
    switch (name) {
      case "linear": case "None": return Activation.LINEAR;
      case "relu": return Activation.RELU;
      case "relu6": return Activation.RELU6;
      case "sigmoid": return Activation.SIGMOID;
      case "tanh": return Activation.TANH;
      case "softmax": return Activation.SOFTMAX;
      case "gelu": return Activation.GELU;
      case "gelu_new": return Activation.GELU_APPROXIMATE;
      case "silu": case "swish": return Activation.SILU;
      case "hard_silu": case "hard_swish": return Activation.HARD_SILU;
      case "elu": return Activation.ELU;
      case "softplus": return Activation.SOFTPLUS;
      case "softsign": return Activation.SOFTSIGN;
      case "exponential": return Activation.EXPONENTIAL;
      case "leaky_relu":
        if (format == ModelReader.Format.KERAS3) return Activation.LEAKY_RELU;
        break;
      case "hard_sigmoid":
        // Keras 3: relu6(x + 3) / 6, which is Kiln's; Keras 2 and TF.js: clip(0.2x + 0.5, 0, 1), which is not.
        if (format == ModelReader.Format.KERAS3) return Activation.HARD_SIGMOID;
        break;
      default:
        break;
    }
    throw refuse("activation '" + name + "'", "is not supported by Kiln"
        + (name.equalsIgnoreCase("hardSigmoid") || name.equals("hard_sigmoid") ? " (Keras 2 / TF.js hard_sigmoid is 0.2x+0.5, Kiln's is relu6(x+3)/6)" : ""));
  }

  private LayerSpec bias(LayerSpec s, String... kernels) throws ImportException {
    s.weights(kernels);
    if (!boolOr("use_bias", true)) s.set("useBias", Arg.of(false));
    else s.weights("bias");
    return s;
  }

  private void strides(LayerSpec s) throws ImportException {
    int[] st = has("strides") ? pair("strides", 2) : new int[] {1, 1};
    if (st[0] != 1 || st[1] != 1) s.set("strides", st[0] == st[1] ? Arg.ints(st[0]) : Arg.ints(st));
  }

  private void dilation(LayerSpec s) throws ImportException {
    int[] d = has("dilation_rate") ? pair("dilation_rate", 2) : new int[] {1, 1};
    if (d[0] != 1 || d[1] != 1) s.set("dilationRate", d[0] == d[1] ? Arg.ints(d[0]) : Arg.ints(d));
  }

  private void groups(LayerSpec s) throws ImportException {
    int g = intOr("groups", 1);
    if (g != 1) s.set("groups", Arg.of(g));
  }

  private void padding(LayerSpec s) throws ImportException {
    String p = str("padding", "valid");
    switch (p) {
      case "valid": return;
      case "same": s.set("padding", Arg.of(Padding.SAME)); return;
      default: throw refuse("padding '" + p + "'", "is not supported (valid or same" + (cls.equals("Conv1D") ? " or causal" : "") + ")");
    }
  }

  private boolean has(String key) throws ImportException {
    return c.has(key);
  }

  private int intOr(String key, int def) throws ImportException {
    return has(key) ? c.get(key).asInt() : def;
  }

  private float floatOr(String key, float def) throws ImportException {
    return has(key) ? c.get(key).asFloat() : def;
  }

  private boolean boolOr(String key, boolean def) throws ImportException {
    return has(key) ? c.get(key).asBoolean() : def;
  }

  private String str(String key, String def) throws ImportException {
    return has(key) ? c.get(key).asString() : def;
  }

  private int single(String key) throws ImportException {
    int[] v = intsOrInt(key);
    if (v.length != 1) throw refuse(key + " " + c.get(key).describe(), "is not supported (one axis only)");
    return v[0];
  }

  private int[] ints(String key) throws ImportException {
    if (!has(key)) throw refuse(key, "is missing from the config");
    return ModelReader.ints(c.get(key));
  }

  private int[] intsOrInt(String key) throws ImportException {
    JsonValue e = c.get(key);
    if (e.isArray()) return ModelReader.ints(e);
    return new int[] {e.asInt()};
  }

  /** An int or a list of n ints (an int is repeated). */
  private int[] pair(String key, int n) throws ImportException {
    if (!has(key)) {
      if (key.equals("kernel_size")) throw refuse(key, "is missing from the config");
      return repeat(1, n);
    }
    JsonValue e = c.get(key);
    if (e.isArray()) {
      int[] v = ModelReader.ints(e);
      if (n == 1 && v.length == 2) return v;
      if (v.length == 1 && n > 1) return repeat(v[0], n);
      if (v.length != n) throw refuse(key + " " + e.describe(), "has the wrong length");
      return v;
    }
    return repeat(e.asInt(), n);
  }

  private static int[] repeat(int v, int n) {
    int[] r = new int[n];
    java.util.Arrays.fill(r, v);
    return r;
  }

  /** {@code p}, {@code [h, w]} or {@code [[top, bottom], [left, right]]} to {@code top, bottom, left, right}. */
  private int[] fourSides(String key) throws ImportException {
    JsonValue e = c.get(key);
    if (e.isAbsent()) return cls.startsWith("Zero") ? new int[] {1, 1, 1, 1} : new int[] {0, 0, 0, 0};
    if (!e.isArray()) return repeat(e.asInt(), 4);
    List<JsonValue> a = e.elements();
    if (a.size() != 2) throw refuse(key + " " + e.describe(), "has the wrong form");
    int[] r = new int[4];
    for (int i = 0; i < 2; i++) {
      JsonValue x = a.get(i);
      if (x.isArray()) {
        List<JsonValue> p = x.elements();
        if (p.size() != 2) throw refuse(key + " " + e.describe(), "has the wrong form");
        r[2 * i] = p.get(0).asInt();
        r[2 * i + 1] = p.get(1).asInt();
      } else {
        r[2 * i] = r[2 * i + 1] = x.asInt();
      }
    }
    return r;
  }
}

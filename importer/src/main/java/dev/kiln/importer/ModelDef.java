package dev.kiln.importer;

import dev.kiln.DType;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** One Kiln model class to write: fields, placeholders, the @Call body as calls, the outputs; nested models inside. */
final class ModelDef {
  static final class Field {
    final String name;
    final String kerasName;
    final String kerasClass;
    final LayerSpec spec;
    final ModelDef nested;
    /** Weights under Kiln's local names ({@code kernel}), for a built-in layer. */
    final Map<String, Tensor> weights = new LinkedHashMap<>();
    /** The first call's {@code use_causal_mask} (a call argument in Keras, an option of the layer in Kiln). */
    Boolean causalCalls;

    Field(String name, String kerasName, String kerasClass, LayerSpec spec, ModelDef nested) {
      this.name = name;
      this.kerasName = kerasName;
      this.kerasClass = kerasClass;
      this.spec = spec;
      this.nested = nested;
    }

    boolean takesTraining() {
      return spec != null ? spec.takesTraining : nested.takesTraining();
    }

    String typeName() {
      return spec != null ? spec.className : nested.javaClass;
    }

    /** Tensors a call returns: more than one for a recurrent layer with {@code returnState}. */
    int outputs() {
      return spec != null ? spec.outputs : 1;
    }
  }

  static final class Input {
    final String name;
    final String kerasName;
    final int[] shape;
    /** FLOAT32, or INT32 for token ids (Keras int32 / int64 inputs, and the output of a text layer). */
    final DType dtype;

    Input(String name, String kerasName, int[] shape, DType dtype) {
      this.name = name;
      this.kerasName = kerasName;
      this.shape = shape;
      this.dtype = dtype;
    }
  }

  /** A tensor of the @Call body: a local (or parameter), or element {@code index} of a {@code Tensor[]} local. */
  static final class Value {
    final String var;
    final int index;

    Value(String var) {
      this(var, -1);
    }

    Value(String var, int index) {
      this.var = var;
      this.index = index;
    }
  }

  static final class CallNode {
    final Field field;
    final List<Value> inputs;
    final String output;
    /** 1: {@code output} is a {@code Tensor}; more: a {@code Tensor[]} from {@code applyAll} (an RNN's states). */
    final int outputs;

    CallNode(Field field, List<Value> inputs, String output, int outputs) {
      this.field = field;
      this.inputs = inputs;
      this.output = output;
      this.outputs = outputs;
    }

    Value value(int index) {
      return outputs == 1 ? new Value(output) : new Value(output, index);
    }
  }

  /**
   * A Keras {@code TextVectorization} or {@code StringLookup} layer that read a string input: Kiln runs it outside the
   * session ({@code dev.kiln.text}), so the input becomes INT32 token ids and the layer's vocabulary a file.
   */
  static final class TextInput {
    final String kerasName;
    final String kerasClass;
    /** The placeholder that takes the layer's output. */
    final String input;
    /** An identifier for the layer, in the vocabulary file's name and the documentation's code. */
    final String name;
    /** The vocabulary's file name beside the weights: {@code MyNet.textVectorization.vocabulary.txt}. */
    final String vocabularyFile;
    /** The configured {@code dev.kiln.text} object, vocabulary included. */
    final Object preprocessor;
    /** Its Keras options as the fluent setter calls that configure it: {@code .split(Split.CHARACTER)}. */
    final List<String> setters;
    /** The shape of what it gives: the placeholder's. */
    final int[] shape;

    TextInput(String kerasName, String kerasClass, String input, String name, Object preprocessor, List<String> setters,
        int[] shape, String vocabularyFile) {
      this.vocabularyFile = vocabularyFile;
      this.kerasName = kerasName;
      this.kerasClass = kerasClass;
      this.input = input;
      this.name = name;
      this.preprocessor = preprocessor;
      this.setters = setters;
      this.shape = shape;
    }
  }

  final String javaClass;
  final String kerasName;
  final String kerasClass;
  final List<Field> fields = new ArrayList<>();
  final List<Input> inputs = new ArrayList<>();
  final List<CallNode> calls = new ArrayList<>();
  final List<Value> outputs = new ArrayList<>();
  final List<ModelDef> nestedClasses = new ArrayList<>();
  final List<TextInput> textInputs = new ArrayList<>();
  private final Set<String> used = new HashSet<>();

  ModelDef(String javaClass, String kerasName, String kerasClass) {
    this.javaClass = javaClass;
    this.kerasName = kerasName;
    this.kerasClass = kerasClass;
    used.addAll(KEYWORDS);
    used.add(javaClass);
  }

  boolean takesTraining() {
    for (CallNode c : calls) if (c.field.takesTraining()) return true;
    return false;
  }

  /** A unique Java identifier in this class, from a Keras name: {@code dense_1} gives {@code dense1}. */
  String uniqueName(String keras, String suffix) {
    String base = lowerCamel(keras) + suffix;
    String n = base;
    for (int i = 2; used.contains(n); i++) n = base + i;
    used.add(n);
    return n;
  }

  static String lowerCamel(String s) {
    StringBuilder sb = new StringBuilder();
    boolean upper = false;
    for (char ch : s.toCharArray()) {
      if (Character.isLetterOrDigit(ch) && ch < 128) {
        if (sb.length() == 0) sb.append(Character.toLowerCase(ch));
        else sb.append(upper ? Character.toUpperCase(ch) : ch);
        upper = false;
      } else {
        upper = true;
      }
    }
    if (sb.length() == 0) sb.append("layer");
    if (Character.isDigit(sb.charAt(0))) sb.insert(0, "layer");
    return sb.toString();
  }

  static String upperCamel(String s) {
    String l = lowerCamel(s);
    return l.substring(0, 1).toUpperCase(Locale.ROOT) + l.substring(1);
  }

  static final Set<String> KEYWORDS = new HashSet<>(Arrays.asList(
      "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue", "default",
      "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto", "if", "implements", "import",
      "instanceof", "int", "interface", "long", "native", "new", "package", "private", "protected", "public", "return",
      "short", "static", "strictfp", "super", "switch", "synchronized", "this", "throw", "throws", "transient", "try",
      "void", "volatile", "while", "true", "false", "null", "var", "record", "yield", "sealed", "permits",
      "training", "call", "forward", "apply", "Tensor", "Ops", "Model", "Layer", "Shape", "Call"));
}

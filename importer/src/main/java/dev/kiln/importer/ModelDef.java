package dev.kiln.importer;

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
  }

  static final class Input {
    final String name;
    final String kerasName;
    final int[] shape;

    Input(String name, String kerasName, int[] shape) {
      this.name = name;
      this.kerasName = kerasName;
      this.shape = shape;
    }
  }

  static final class CallNode {
    final Field field;
    final List<String> inputs;
    final String output;

    CallNode(Field field, List<String> inputs, String output) {
      this.field = field;
      this.inputs = inputs;
      this.output = output;
    }
  }

  final String javaClass;
  final String kerasName;
  final String kerasClass;
  final List<Field> fields = new ArrayList<>();
  final List<Input> inputs = new ArrayList<>();
  final List<CallNode> calls = new ArrayList<>();
  final List<String> outputs = new ArrayList<>();
  final List<ModelDef> nestedClasses = new ArrayList<>();
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

package dev.kiln.importer;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import java.util.ArrayList;
import java.util.List;

/** One Kiln built-in layer as a constructor call and fluent setters, both as Java source and as values. */
final class LayerSpec {
  /** An argument: an Integer, Float, Boolean, String or enum constant, written as Java by {@link #code}. */
  static final class Arg {
    final Object value;

    private Arg(Object value) {
      this.value = value;
    }

    static Arg of(int v) {
      return new Arg(v);
    }

    static Arg of(float v) {
      return new Arg(v);
    }

    static Arg of(boolean v) {
      return new Arg(v);
    }

    static Arg of(String v) {
      return new Arg(v);
    }

    static Arg of(Enum<?> v) {
      return new Arg(v);
    }

    /** A layer as a constructor argument ({@code new Bidirectional(new GRU(32))}). */
    static Arg of(LayerSpec v) {
      return new Arg(v);
    }

    static Arg[] ints(int... v) {
      Arg[] a = new Arg[v.length];
      for (int i = 0; i < v.length; i++) a[i] = of(v[i]);
      return a;
    }

    /** The value as a Java expression: strings escaped, floats as float literals or {@code Float} constants. */
    CodeBlock code() {
      if (value instanceof String) return CodeBlock.of("$S", value);
      if (value instanceof LayerSpec) return ((LayerSpec) value).code();
      if (value instanceof Enum) {
        Enum<?> e = (Enum<?>) value;
        return CodeBlock.of("$T.$N", e.getDeclaringClass(), e.name());
      }
      if (value instanceof Float) {
        float f = (Float) value;
        if (Float.isNaN(f)) return CodeBlock.of("$T.NaN", Float.class);
        if (Float.isInfinite(f)) return CodeBlock.of(f > 0 ? "$T.POSITIVE_INFINITY" : "$T.NEGATIVE_INFINITY", Float.class);
        return CodeBlock.of("$Lf", Float.toString(f));
      }
      return CodeBlock.of("$L", value);
    }
  }

  static final class Setter {
    final String name;
    final Arg[] args;

    Setter(String name, Arg... args) {
      this.name = name;
      this.args = args;
    }
  }

  /**
   * One weight of a layer, in Keras' order, and where each format keeps it: Kiln's name under the layer
   * ({@code forward_layer/kernel}), the group under the layer's {@code .keras} save path whose {@code vars} hold it
   * ({@code forward_layer/cell}; empty for the layer's own variables), and the names it may have under the layer in
   * TF.js and Keras 2 files, {@code *} standing for any part of one segment ({@code forward_*}{@code /*cell*}{@code
   * /kernel}: Keras 2 scopes an RNN's weights by its cell, TF.js and Keras 2 a Bidirectional's by {@code forward_} and
   * the wrapped layer's name).
   */
  static final class WeightRef {
    final String kiln;
    final String keras3Group;
    final List<String> names;

    WeightRef(String kiln, String keras3Group, List<String> names) {
      this.kiln = kiln;
      this.keras3Group = keras3Group;
      this.names = names;
    }

    /** The same weight held by a wrapper's sublayer {@code segment}, stored under {@code keras3Segment}. */
    WeightRef within(String segment, String keras3Segment, String... namePrefixes) {
      List<String> n = new ArrayList<>();
      for (String prefix : namePrefixes) for (String name : names) n.add(prefix.isEmpty() ? name : prefix + "/" + name);
      return new WeightRef(segment + "/" + kiln, keras3Group.isEmpty() ? keras3Segment : keras3Segment + "/" + keras3Group, n);
    }
  }

  final String className;
  final Arg[] ctor;
  final List<Setter> setters = new ArrayList<>();
  /** The layer's weights in Keras order. */
  final List<WeightRef> weights = new ArrayList<>();
  /** Calls take the {@code training} flag (Dropout, BatchNormalization). */
  boolean takesTraining;
  /** How many tensors a call returns: more than one for a recurrent layer with {@code returnState} ({@code applyAll}). */
  int outputs = 1;
  /** A constructor or setter taking {@code int...}: the args are one varargs list. */
  boolean varargsCtor;
  String varargsSetter;

  LayerSpec(String className, Arg... ctor) {
    this.className = className;
    this.ctor = ctor;
  }

  LayerSpec set(String name, Arg... args) {
    setters.add(new Setter(name, args));
    return this;
  }

  boolean has(String setter) {
    for (Setter s : setters) if (s.name.equals(setter)) return true;
    return false;
  }

  /** The layer's own weights, named alike everywhere. */
  LayerSpec weights(String... names) {
    for (String n : names) weights.add(new WeightRef(n, "", List.of(n)));
    return this;
  }

  /** Weights of a recurrent layer's cell: Keras 3 stores them under {@code cell}, Keras 2 names them {@code <cell>/...}. */
  LayerSpec cellWeights(String... names) {
    for (String n : names) weights.add(new WeightRef(n, "cell", List.of(n, "*cell*/" + n)));
    return this;
  }

  List<String> weightNames() {
    List<String> out = new ArrayList<>();
    for (WeightRef w : weights) out.add(w.kiln);
    return out;
  }

  /** {@code new Dense(10).activation(Activation.RELU)}. */
  CodeBlock code() {
    CodeBlock.Builder b = CodeBlock.builder().add("new $T(", ClassName.get("dev.kiln.layers", className));
    join(b, ctor);
    b.add(")");
    for (Setter s : setters) {
      b.add(".$N(", s.name);
      join(b, s.args);
      b.add(")");
    }
    return b.build();
  }

  private static void join(CodeBlock.Builder b, Arg[] args) {
    for (int i = 0; i < args.length; i++) b.add(i == 0 ? "$L" : ", $L", args[i].code());
  }
}

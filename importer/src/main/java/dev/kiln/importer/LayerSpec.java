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

    static Arg[] ints(int... v) {
      Arg[] a = new Arg[v.length];
      for (int i = 0; i < v.length; i++) a[i] = of(v[i]);
      return a;
    }

    /** The value as a Java expression: strings escaped, floats as float literals or {@code Float} constants. */
    CodeBlock code() {
      if (value instanceof String) return CodeBlock.of("$S", value);
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

  final String className;
  final Arg[] ctor;
  final List<Setter> setters = new ArrayList<>();
  /** Keras weight names in Keras order (also Kiln's names). */
  final List<String> weightNames = new ArrayList<>();
  /** Calls take the {@code training} flag (Dropout, BatchNormalization). */
  boolean takesTraining;
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

  LayerSpec weights(String... names) {
    for (String n : names) weightNames.add(n);
    return this;
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

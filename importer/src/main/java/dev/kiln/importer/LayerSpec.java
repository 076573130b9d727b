package dev.kiln.importer;

import java.util.ArrayList;
import java.util.List;

/** One Kiln built-in layer as a constructor call and fluent setters, both as Java source and as values. */
final class LayerSpec {
  /** An argument: its Java source text and its value (Integer, Float, Boolean, String, int[], or an enum). */
  static final class Arg {
    final String source;
    final Object value;

    Arg(String source, Object value) {
      this.source = source;
      this.value = value;
    }

    static Arg of(int v) {
      return new Arg(Integer.toString(v), v);
    }

    static Arg of(float v) {
      String s = Float.toString(v);
      return new Arg(s + "f", v);
    }

    static Arg of(boolean v) {
      return new Arg(Boolean.toString(v), v);
    }

    static Arg of(String v) {
      return new Arg("\"" + v + "\"", v);
    }

    static Arg of(Enum<?> v) {
      return new Arg(v.getDeclaringClass().getSimpleName() + "." + v.name(), v);
    }

    static Arg[] ints(int... v) {
      Arg[] a = new Arg[v.length];
      for (int i = 0; i < v.length; i++) a[i] = of(v[i]);
      return a;
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

  String source() {
    StringBuilder sb = new StringBuilder("new ").append(className).append('(');
    join(sb, ctor);
    sb.append(')');
    for (Setter s : setters) {
      sb.append('.').append(s.name).append('(');
      join(sb, s.args);
      sb.append(')');
    }
    return sb.toString();
  }

  private static void join(StringBuilder sb, Arg[] args) {
    for (int i = 0; i < args.length; i++) sb.append(i == 0 ? "" : ", ").append(args[i].source);
  }
}

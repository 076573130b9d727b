package dev.kiln.processor.frontend;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Types;

/**
 * Runs Kiln runtime code (built-in layers, {@code Ops}, {@code Initializers}, shape accessors) inside the
 * compiler. The runtime is on the processor's own class path, so a built-in layer is the same object at compile
 * time and at run time: its {@code build} computes the weight shapes and its {@code call}, given symbolic
 * tensors, records graph nodes. This is the one place where the processor uses reflection; generated code never
 * does.
 */
final class RuntimeBridge {
  /** Thrown when runtime code rejects its arguments; the message is the runtime's own. */
  static final class RuntimeFailure extends Exception {
    RuntimeFailure(Throwable cause) {
      super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
    }
  }

  private final Types types;
  private final ClassLoader loader = RuntimeBridge.class.getClassLoader();

  RuntimeBridge(Types types) {
    this.types = types;
  }

  /** True for classes of the Kiln runtime and of java.lang that the processor can run. */
  boolean isRuntimeClass(TypeElement type) {
    String name = type.getQualifiedName().toString();
    return name.startsWith("dev.kiln.") && !name.startsWith("dev.kiln.processor.") && load(binaryName(type)) != null;
  }

  /** Pure functions of java.lang.Math that a compile-time computation may call. */
  private static final java.util.Set<String> PURE_MATH = java.util.Set.of("max", "min", "abs", "floorDiv", "floorMod",
      "round", "ceil", "floor", "sqrt", "pow", "exp", "log", "addExact", "multiplyExact", "toIntExact");

  static boolean isJavaMath(ExecutableElement method) {
    TypeElement type = (TypeElement) method.getEnclosingElement();
    return type.getQualifiedName().contentEquals("java.lang.Math") && PURE_MATH.contains(method.getSimpleName().toString());
  }

  Object construct(ExecutableElement ctor, List<Object> args) throws RuntimeFailure {
    Class<?> owner = classOf(((TypeElement) ctor.getEnclosingElement()).asType());
    Class<?>[] params = paramClasses(ctor);
    try {
      Constructor<?> c = owner.getConstructor(params);
      return c.newInstance(toJavaArgs(args, params));
    } catch (InvocationTargetException e) {
      throw new RuntimeFailure(e.getCause());
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      throw new RuntimeFailure(e);
    }
  }

  Object invoke(ExecutableElement method, Object receiver, List<Object> args) throws RuntimeFailure {
    Class<?> owner = classOf(((TypeElement) method.getEnclosingElement()).asType());
    Class<?>[] params = paramClasses(method);
    try {
      Method m = owner.getMethod(method.getSimpleName().toString(), params);
      return fromJava(m.invoke(receiver, toJavaArgs(args, params)));
    } catch (InvocationTargetException e) {
      throw new RuntimeFailure(e.getCause());
    } catch (ReflectiveOperationException | IllegalArgumentException e) {
      throw new RuntimeFailure(e);
    }
  }

  /** A static field of a runtime class, such as an enum constant {@code Activation.RELU}. */
  Object staticField(VariableElement field) throws RuntimeFailure {
    Class<?> owner = classOf(((TypeElement) field.getEnclosingElement()).asType());
    try {
      return fromJava(owner.getField(field.getSimpleName().toString()).get(null));
    } catch (ReflectiveOperationException e) {
      throw new RuntimeFailure(e);
    }
  }

  /** Java arrays returned by runtime code ({@code int[] shape()}) become interpreter arrays. */
  Object fromJava(Object value) {
    if (value == null) return Special.NULL;
    if (value.getClass().isArray()) {
      int n = Array.getLength(value);
      Object[] elems = new Object[n];
      for (int i = 0; i < n; i++) elems[i] = fromJava(Array.get(value, i));
      return new ArrayValue(null, elems);
    }
    return value;
  }

  private Object[] toJavaArgs(List<Object> args, Class<?>[] params) {
    Object[] out = new Object[args.size()];
    for (int i = 0; i < out.length; i++) out[i] = toJava(args.get(i), params[i]);
    return out;
  }

  /** Converts an interpreter value to what a runtime parameter of type {@code target} takes. */
  Object toJava(Object value, Class<?> target) {
    if (value == Special.NULL) return null;
    if (value instanceof RunTimeDimension) return ((RunTimeDimension) value).toRuntimeValue();
    if (value instanceof ArrayValue && target.isArray()) {
      Object[] elems = ((ArrayValue) value).elements;
      Class<?> comp = target.getComponentType();
      Object arr = Array.newInstance(comp, elems.length);
      for (int i = 0; i < elems.length; i++) Array.set(arr, i, convertScalar(toJava(elems[i], comp), comp));
      return arr;
    }
    return convertScalar(value, target);
  }

  private static Object convertScalar(Object v, Class<?> target) {
    if (!(v instanceof Number) && !(v instanceof Character)) return v;
    double d = v instanceof Character ? (Character) v : ((Number) v).doubleValue();
    if (target == int.class || target == Integer.class) return v instanceof Character ? (int) (Character) v : ((Number) v).intValue();
    if (target == long.class || target == Long.class) return v instanceof Character ? (long) (Character) v : ((Number) v).longValue();
    if (target == float.class || target == Float.class) return v instanceof Character ? (float) d : ((Number) v).floatValue();
    if (target == double.class || target == Double.class) return d;
    return v;
  }

  private Class<?>[] paramClasses(ExecutableElement e) {
    List<? extends VariableElement> ps = e.getParameters();
    Class<?>[] out = new Class<?>[ps.size()];
    for (int i = 0; i < out.length; i++) out[i] = classOf(ps.get(i).asType());
    return out;
  }

  Class<?> classOf(TypeMirror type) {
    TypeMirror t = types.erasure(type);
    switch (t.getKind()) {
      case INT: return int.class;
      case LONG: return long.class;
      case FLOAT: return float.class;
      case DOUBLE: return double.class;
      case BOOLEAN: return boolean.class;
      case SHORT: return short.class;
      case BYTE: return byte.class;
      case CHAR: return char.class;
      case ARRAY:
        return Array.newInstance(classOf(((ArrayType) t).getComponentType()), 0).getClass();
      case DECLARED: {
        TypeElement el = (TypeElement) ((DeclaredType) t).asElement();
        Class<?> c = load(binaryName(el));
        if (c == null) throw new IllegalStateException("class " + el.getQualifiedName() + " is not on the processor's class path");
        return c;
      }
      default:
        throw new IllegalStateException("no class for type " + type);
    }
  }

  private static String binaryName(TypeElement el) {
    Element enclosing = el.getEnclosingElement();
    if (enclosing.getKind().isClass() || enclosing.getKind().isInterface() || enclosing.getKind() == ElementKind.ENUM) {
      return binaryName((TypeElement) enclosing) + "$" + el.getSimpleName();
    }
    return el.getQualifiedName().toString();
  }

  private Class<?> load(String name) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  static boolean isKind(TypeMirror t, TypeKind k) {
    return t.getKind() == k;
  }
}

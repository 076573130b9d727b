package dev.kiln.processor.testing;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import dev.kiln.DType;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.processor.KilnProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

/**
 * Test support: compiles model sources with the Kiln processor in memory and loads the user classes and the
 * generated sessions, so a test can run the eager model and the compiled session side by side. (Tests may use
 * reflection; the runtime and generated code may not.)
 */
public final class CompiledModels extends ClassLoader {
  private final Map<String, byte[]> classes = new HashMap<>();
  public final Compilation compilation;

  private CompiledModels(Compilation compilation) throws IOException {
    super(CompiledModels.class.getClassLoader());
    this.compilation = compilation;
    for (JavaFileObject f : compilation.generatedFiles()) {
      if (f.getKind() != JavaFileObject.Kind.CLASS) continue;
      String path = f.toUri().getPath();
      int start = path.indexOf("/CLASS_OUTPUT/");
      String name = path.substring(start + "/CLASS_OUTPUT/".length(), path.length() - ".class".length()).replace('/', '.');
      try (InputStream in = f.openInputStream()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        classes.put(name, out.toByteArray());
      }
    }
  }

  /** Compiles the sources; fails with javac's diagnostics when the compilation fails. */
  public static CompiledModels compile(JavaFileObject... sources) throws IOException {
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(sources);
    if (c.status() != Compilation.Status.SUCCESS) {
      StringBuilder sb = new StringBuilder("compilation failed:\n");
      for (Diagnostic<? extends JavaFileObject> d : c.diagnostics()) sb.append(d).append('\n');
      throw new AssertionError(sb.toString());
    }
    return new CompiledModels(c);
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] b = classes.get(name);
    if (b == null) throw new ClassNotFoundException(name);
    return defineClass(name, b, 0, b.length);
  }

  public Class<?> load(String name) {
    try {
      return loadClass(name);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  /** Invokes a public static method by name (first match on name and arity). */
  public static Object callStatic(Class<?> c, String name, Object... args) {
    return call(c, null, name, args);
  }

  /** Invokes a method (any visibility) by name and arity. */
  public static Object call(Class<?> c, Object target, String name, Object... args) {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      for (Method m : k.getDeclaredMethods()) {
        if (m.getName().equals(name) && m.getParameterCount() == args.length && compatible(m.getParameterTypes(), args)) {
          try {
            m.setAccessible(true);
            return m.invoke(target, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) throw (RuntimeException) cause;
            throw new AssertionError(cause);
          } catch (IllegalAccessException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    throw new AssertionError("no method " + name + " with " + args.length + " arguments in " + c);
  }

  private static boolean compatible(Class<?>[] params, Object[] args) {
    for (int i = 0; i < params.length; i++) {
      if (args[i] == null) continue;
      Class<?> p = params[i];
      if (p == boolean.class) p = Boolean.class;
      if (p == long.class) p = Long.class;
      if (p == int.class) p = Integer.class;
      if (!p.isInstance(args[i])) return false;
    }
    return true;
  }

  public Object newInstance(String className) {
    try {
      var ctor = load(className).getDeclaredConstructor();
      ctor.setAccessible(true);
      return ctor.newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Random weights for every variable of a graph (biases too, so they matter), from a seed. */
  public static Weights randomWeights(GraphDef graph, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (NodeDef v : graph.variables()) {
      int[] shape = v.outputShape(0);
      int n = dev.kiln.Shapes.size(shape);
      float[] data = new float[n];
      float scale = (float) (1.0 / Math.sqrt(Math.max(1, shape.length >= 2 ? shape[0] : 4)));
      boolean positive = v.name().endsWith("variance");
      for (int i = 0; i < n; i++) {
        float x = (float) (r.nextGaussian() * scale);
        data[i] = positive ? 0.5f + Math.abs(x) : x;
      }
      w.put(v.name(), Tensor.of(data, shape));
    }
    return Weights.of(w);
  }

  /** A random float tensor for a static shape, with {@code -1} replaced by {@code batch}. */
  public static Tensor randomInput(int[] staticShape, int batch, Random r) {
    int[] shape = staticShape.clone();
    for (int i = 0; i < shape.length; i++) if (shape[i] == -1) shape[i] = batch;
    float[] data = new float[dev.kiln.Shapes.size(shape)];
    for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
    return Tensor.of(data, shape);
  }

  /** max |a - b| / max(1e-30, max |b|): the error relative to the reference's scale. */
  public static double relativeError(Tensor a, Tensor b) {
    if (!java.util.Arrays.equals(a.shape(), b.shape())) {
      throw new AssertionError("shapes differ: " + java.util.Arrays.toString(a.shape()) + " vs " + java.util.Arrays.toString(b.shape()));
    }
    if (a.dtype() != DType.FLOAT32) {
      return java.util.Arrays.equals(a.toIntArray(), b.toIntArray()) ? 0 : 1;
    }
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    double maxDiff = 0;
    double scale = 0;
    for (int i = 0; i < x.length; i++) {
      if (Float.isNaN(x[i]) != Float.isNaN(y[i])) return Double.POSITIVE_INFINITY;
      if (Float.isNaN(x[i])) continue;
      maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(y[i]));
    }
    return maxDiff / Math.max(scale, 1e-30);
  }
}

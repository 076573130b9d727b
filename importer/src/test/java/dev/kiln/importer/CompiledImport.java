package dev.kiln.importer;

import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.processor.KilnProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

/**
 * Test support: compiles an imported model's source (as written to disk) with the Kiln processor in memory, then
 * runs the generated session and the eager model with the written weights. Tests may use reflection.
 */
final class CompiledImport extends ClassLoader {
  private final Map<String, byte[]> classes = new HashMap<>();
  private final String className;

  private CompiledImport(Compilation c, String className) throws IOException {
    super(CompiledImport.class.getClassLoader());
    this.className = className;
    for (JavaFileObject f : c.generatedFiles()) {
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

  /** Compiles {@code dir/pkg/Cls.java}; fails with javac's diagnostics and the source. */
  static CompiledImport compile(Path dir, String pkg, String cls) throws IOException {
    return compile(dir, pkg, cls, true);
  }

  /** Compiles with the Kiln processor, or (processor false) as plain Java: the eager model only. */
  static CompiledImport compile(Path dir, String pkg, String cls, boolean processor) throws IOException {
    Path src = dir.resolve(pkg.replace('.', '/')).resolve(cls + ".java");
    String text = new String(Files.readAllBytes(src), StandardCharsets.UTF_8);
    Compilation c = (processor ? javac().withProcessors(new KilnProcessor()) : javac().withOptions("-proc:none"))
        .compile(JavaFileObjects.forSourceString(pkg + "." + cls, text));
    if (c.status() != Compilation.Status.SUCCESS) {
      StringBuilder sb = new StringBuilder("compilation failed:\n");
      for (Diagnostic<? extends JavaFileObject> d : c.diagnostics()) sb.append(d).append('\n');
      throw new AssertionError(sb.append(text).toString());
    }
    return new CompiledImport(c, pkg + "." + cls);
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] b = classes.get(name);
    if (b == null) throw new ClassNotFoundException(name);
    return defineClass(name, b, 0, b.length);
  }

  private Class<?> load(String name) {
    try {
      return loadClass(name);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  private Class<?> session() {
    int dot = className.lastIndexOf('.');
    return load(className.substring(0, dot + 1) + "Kiln" + className.substring(dot + 1));
  }

  /** The generated session's outputs for the inputs. */
  List<Tensor> runSession(Weights w, Tensor... inputs) throws Exception {
    Class<?> s = session();
    Object session = s.getMethod("open", Weights.class).invoke(null, w);
    try {
      Method call = null;
      for (Method m : s.getMethods()) if (m.getName().equals("call") && m.getParameterCount() == inputs.length) call = m;
      if (call == null) throw new AssertionError("no call(" + inputs.length + " tensors) on " + s);
      return outputs(call.invoke(session, (Object[]) inputs));
    } finally {
      ((AutoCloseable) session).close();
    }
  }

  /** The eager model's outputs (no processor involved at run time), with the weights loaded by the session class. */
  List<Tensor> runEager(Weights w, Tensor... inputs) throws Exception {
    Class<?> model = load(className);
    var ctor = model.getDeclaredConstructor();
    ctor.setAccessible(true);
    Object m = ctor.newInstance();
    for (Method lm : session().getMethods()) {
      if (lm.getName().equals("loadInto") && Modifier.isStatic(lm.getModifiers())) lm.invoke(null, m, w);
    }
    for (Method cm : model.getDeclaredMethods()) {
      // @Call has CLASS retention: find the method by name and parameters.
      if (!(cm.getName().equals("call") || cm.getName().equals("forward")) || cm.isSynthetic()) continue;
      int n = cm.getParameterCount();
      if (n != inputs.length && !(n == inputs.length + 1 && cm.getParameterTypes()[n - 1] == boolean.class)) continue;
      Object[] args = new Object[cm.getParameterCount()];
      for (int i = 0; i < inputs.length; i++) args[i] = inputs[i];
      if (args.length > inputs.length) args[inputs.length] = false;
      cm.setAccessible(true);
      return outputs(cm.invoke(m, args));
    }
    throw new AssertionError("no @Call method on " + model);
  }

  /** The eager model with weights given to every layer by reflection (no generated session needed). */
  List<Tensor> runEagerWithoutSession(Weights w, Tensor... inputs) throws Exception {
    Class<?> model = load(className);
    var ctor = model.getDeclaredConstructor();
    ctor.setAccessible(true);
    Object m = ctor.newInstance();
    loadWeights(m, "", w);
    return callModel(model, m, inputs);
  }

  private static void loadWeights(Object layer, String scope, Weights w) throws IllegalAccessException {
    for (java.lang.reflect.Field f : layer.getClass().getDeclaredFields()) {
      if (!dev.kiln.AbstractLayer.class.isAssignableFrom(f.getType())) continue;
      f.setAccessible(true);
      Object child = f.get(layer);
      if (child == null) continue;
      String path = scope.isEmpty() ? f.getName() : scope + "/" + f.getName();
      if (child instanceof dev.kiln.Model) loadWeights(child, path, w);
      else ((dev.kiln.AbstractLayer) child).loadWeights(path, w);
    }
  }

  private static List<Tensor> callModel(Class<?> model, Object m, Tensor[] inputs) throws Exception {
    for (Method cm : model.getDeclaredMethods()) {
      if (!(cm.getName().equals("call") || cm.getName().equals("forward")) || cm.isSynthetic()) continue;
      int n = cm.getParameterCount();
      if (n != inputs.length && !(n == inputs.length + 1 && cm.getParameterTypes()[n - 1] == boolean.class)) continue;
      Object[] args = new Object[n];
      for (int i = 0; i < inputs.length; i++) args[i] = inputs[i];
      if (n > inputs.length) args[inputs.length] = false;
      cm.setAccessible(true);
      return outputs(cm.invoke(m, args));
    }
    throw new AssertionError("no @Call method on " + model);
  }

  private static List<Tensor> outputs(Object r) {
    List<Tensor> out = new ArrayList<>();
    if (r instanceof Tensor[]) for (Tensor t : (Tensor[]) r) out.add(t);
    else if (r instanceof List) for (Object o : (List<?>) r) out.add((Tensor) o);
    else out.add((Tensor) r);
    return out;
  }
}

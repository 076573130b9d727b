package dev.kiln.importer;

import static com.google.testing.compile.Compiler.javac;
import static dev.kiln.importer.KerasFileWriter.list;
import static dev.kiln.importer.KerasFileWriter.map;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import com.sun.source.tree.AnnotationTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreeScanner;
import dev.kiln.io.Json;
import dev.kiln.processor.KilnProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;

/**
 * Test support for hostile model files: fixture copies edited as JSON trees, the command line run as a user
 * would, the written source checked to hold nothing but model code, the files under a folder listed (to show that
 * nothing was written outside {@code --out}), and many written sources compiled at once with the Kiln processor.
 */
final class ImportHarness {
  private ImportHarness() {}

  /** The exit status and what the command line printed. */
  record Outcome(int status, String out, String err) {}

  static Outcome run(Path model, String pkg, String cls, Path out) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int status = Main.run(new String[] {model.toString(), "--package", pkg, "--class", cls, "--out", out.toString()},
        new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
    return new Outcome(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  /** Copies the fixture's files (not links) into {@code dir}. */
  static Path copyFixture(String name, Path dir) throws IOException {
    Files.createDirectories(dir);
    try (Stream<Path> s = Files.list(FixtureImportTest.FIXTURES.resolve(name))) {
      for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, dir.resolve(p.getFileName()));
    }
    return dir;
  }

  static Object readJson(Path p) throws IOException {
    return Json.parse(Files.readString(p));
  }

  static void writeJson(Path p, Object tree) throws IOException {
    Files.writeString(p, Json.write(tree));
  }

  /**
   * Renames a layer (or model, or input) everywhere in a model.json tree: strings equal to {@code from} (its name
   * and the references to it) and weight names starting with {@code from/}.
   */
  static Object rename(Object tree, String from, String to) {
    if (tree instanceof String s) {
      if (s.equals(from)) return to;
      if (s.startsWith(from + "/")) return to + s.substring(from.length());
      return s;
    }
    if (tree instanceof Map<?, ?> m) {
      for (Map.Entry<String, Object> e : map(m).entrySet()) e.setValue(rename(e.getValue(), from, to));
    } else if (tree instanceof List<?> l) {
      List<Object> list = list(l);
      for (int i = 0; i < list.size(); i++) list.set(i, rename(list.get(i), from, to));
    }
    return tree;
  }

  /** Every regular file under {@code root} with its size and modification time, except under {@code skip}. */
  static Map<String, String> listing(Path root, Path... skip) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        boolean skipped = false;
        for (Path k : skip) skipped |= p.startsWith(k);
        if (skipped || !Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
        out.put(root.relativize(p).toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return out;
  }

  // ---- the written source holds model code only -----------------------------------------------------------

  /** Setters the importer writes (LayerConverter), and {@code apply}. */
  private static final Set<String> CALLS = Set.of("apply", "applyAll", "activation", "padding", "strides", "dilationRate",
      "groups", "useBias", "depthMultiplier", "outputPadding", "maxValue", "negativeSlope", "axis", "momentum", "epsilon",
      "center", "scale", "keepDims", "interpolation", "maskZero", "recurrentActivation", "returnSequences", "returnState",
      "goBackwards", "resetAfter", "mergeMode", "useScale", "scoreMode", "useCausalMask", "valueDim", "outputShape");
  private static final Set<String> STRINGS = Set.of("causal", "bilinear");

  /**
   * Parses {@code source} with javac and returns what in it is not model code the importer writes (empty if
   * nothing): imports other than Kiln's, more than one top-level class, initializer blocks, methods other than the
   * {@code @Call} method, fields without {@code @Layer}, statements other than {@code Tensor t = f.apply(...)} and
   * {@code return}, calls other than {@code apply} and layer setters, string literals other than option values,
   * lambdas. Javac decodes unicode escapes before parsing, so an escape in a name cannot hide code from this.
   */
  static List<String> notModelCode(String source) throws IOException {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    JavacTask task = (JavacTask) compiler.getTask(new StringWriter(), null, d -> {}, List.of("-proc:none"), null,
        List.of(JavaFileObjects.forSourceString("Model", source)));
    List<String> problems = new ArrayList<>();
    for (CompilationUnitTree unit : task.parse()) {
      for (ImportTree i : unit.getImports()) {
        String name = i.getQualifiedIdentifier().toString();
        if (i.isStatic() || !(name.startsWith("dev.kiln."))) problems.add("import " + name);
      }
      if (unit.getTypeDecls().size() != 1) problems.add(unit.getTypeDecls().size() + " top-level types");
      unit.accept(new TreeScanner<Void, Void>() {
        private int depth;

        @Override
        public Void visitClass(ClassTree t, Void v) {
          for (Tree m : t.getMembers()) {
            if (m instanceof BlockTree) problems.add("an initializer block in " + t.getSimpleName());
            else if (m instanceof MethodTree mt && !(mt.getName().contentEquals("call") || mt.getName().contentEquals("forward"))) {
              problems.add("method " + mt.getName());
            } else if (m instanceof VariableTree vt && vt.getModifiers().getAnnotations().stream()
                .noneMatch(a -> simple(a.getAnnotationType()).equals("Layer"))) {
              problems.add("field without @Layer: " + vt.getName());
            }
          }
          return super.visitClass(t, v);
        }

        @Override
        public Void visitMethod(MethodTree t, Void v) {
          for (Tree s : t.getBody().getStatements()) {
            if (!(s instanceof VariableTree) && s.getKind() != Tree.Kind.RETURN) problems.add("statement " + s);
          }
          return super.visitMethod(t, v);
        }

        @Override
        public Void visitBlock(BlockTree t, Void v) {
          if (++depth > 1) problems.add("a nested block");
          super.visitBlock(t, v);
          depth--;
          return null;
        }

        @Override
        public Void visitMethodInvocation(MethodInvocationTree t, Void v) {
          String name = t.getMethodSelect().toString().replaceAll(".*\\.", "");
          if (!CALLS.contains(name)) problems.add("call " + t);
          return super.visitMethodInvocation(t, v);
        }

        @Override
        public Void visitNewClass(NewClassTree t, Void v) {
          if (t.getClassBody() != null) problems.add("an anonymous class");
          return super.visitNewClass(t, v);
        }

        @Override
        public Void visitLiteral(LiteralTree t, Void v) {
          if (t.getKind() == Tree.Kind.STRING_LITERAL && !STRINGS.contains(t.getValue())) problems.add("string " + t);
          return super.visitLiteral(t, v);
        }

        @Override
        public Void visitLambdaExpression(LambdaExpressionTree t, Void v) {
          problems.add("a lambda");
          return null;
        }

        @Override
        public Void visitExpressionStatement(ExpressionStatementTree t, Void v) {
          problems.add("expression statement " + t);
          return super.visitExpressionStatement(t, v);
        }

        @Override
        public Void visitAnnotation(AnnotationTree t, Void v) {
          String type = simple(t.getAnnotationType());
          if (!Set.of("Layer", "Call", "Shape", "Override").contains(type)) problems.add("annotation @" + type);
          return super.visitAnnotation(t, v);
        }
      }, null);
    }
    return problems;
  }

  private static String simple(Tree type) {
    return type.toString().replaceAll(".*\\.", "");
  }

  /**
   * Compiles the sources (qualified name to text) together with the Kiln processor; returns the errors by the
   * qualified name of the file they are in (empty when everything compiles).
   */
  static Map<String, List<String>> compile(Map<String, String> sources) {
    List<JavaFileObject> files = new ArrayList<>();
    for (Map.Entry<String, String> e : sources.entrySet()) files.add(JavaFileObjects.forSourceString(e.getKey(), e.getValue()));
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(files);
    Map<String, List<String>> errors = new TreeMap<>();
    for (Diagnostic<? extends JavaFileObject> d : c.errors()) {
      String file = d.getSource() == null ? "(no file)" : d.getSource().toUri().getPath().replaceFirst("^/", "")
          .replaceFirst("\\.java$", "").replace('/', '.');
      errors.computeIfAbsent(file, k -> new ArrayList<>()).add(d.toString());
    }
    return errors;
  }
}

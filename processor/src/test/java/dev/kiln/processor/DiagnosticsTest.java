package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.util.ArrayList;
import java.util.List;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * How errors are reported across a compilation: several messages for one mistake, every mistake of a class in one
 * compile, a bad class next to good ones, a mistake in a layer that two models share, and javac's own errors.
 * Single mistakes and their messages are the corpus of {@link MistakeCorpusTest}.
 */
class DiagnosticsTest {
  private static final String[] HEADER = {"package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;"};

  /** A model class named {@code M} with the given body lines. */
  private static String[] model(String... body) {
    List<String> lines = new ArrayList<>(List.of(HEADER));
    lines.add("public final class M extends Model {");
    lines.addAll(List.of(body));
    lines.add("}");
    return lines.toArray(new String[0]);
  }

  private static int markedLine(String[] lines) {
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains("// <-")) return i + 1;
    }
    throw new AssertionError("no // <- marker");
  }

  private static void assertNoCrash(Compilation c) {
    for (Diagnostic<? extends JavaFileObject> d : c.diagnostics()) {
      assertThat(d.getMessage(null)).doesNotContain("internal error");
    }
  }

  @Test
  void denseMessageNamesBothShapes() {
    String[] lines = model("  @Layer final Dense d = new Dense(3);",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {",
        "    Tensor a = d.apply(x);",
        "    Tensor b = d.apply(y); // <-",
        "    return Ops.add(a, b);",
        "  }");
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.M", lines);
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).hadErrorContaining("[batch, 5]").inFile(src).onLine(markedLine(lines));
    assertThat(c).hadErrorContaining("[4, 3]").inFile(src).onLine(markedLine(lines));
  }

  @Test
  void everyErrorOfAClassIsReported() {
    String[] lines = model("  @Layer final Dense d = new Dense(4);",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {",
        "    Tensor a = Ops.add(x, y);",
        "    Tensor b = a;",
        "    System.out.println(b);",
        "    return d.apply(x);",
        "  }");
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.M", lines);
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).hadErrorContaining("Add: shapes").inFile(src).onLine(7);
    assertThat(c).hadErrorContaining("PrintStream.println()").inFile(src).onLine(9);
    // b depends on the failed a: no cascade of follow-up errors.
    assertThat(c).hadErrorCount(2);
  }

  @Test
  void aBadClassDoesNotStopGenerationForGoodOnes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    JavaFileObject bad = JavaFileObjects.forSourceLines("com.example.M", model(
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
        "    while (true) { }",
        "  }"));
    JavaFileObject good = JavaFileObjects.forSourceLines("com.example.Good",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class Good extends Model {",
        "  @Layer final Dense d = new Dense(2);",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) { return d.apply(x); }",
        "}");
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(bad, good);
    assertThat(c).hadErrorContaining("while loop").inFile(bad).onLine(6);
    assertThat(c).hadErrorCount(1);
    assertNoCrash(c);
    java.util.List<String> generated = generatedSessions(dir, bad, good);
    assertThat(generated).contains("KilnGood.java");
    assertThat(generated).doesNotContain("KilnM.java");
  }

  @Test
  void aMistakeInASharedLayerIsReportedOnceAndStopsBothModels(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    String[] layer = {"package com.example;", "import dev.kiln.*;",
        "public final class Shared extends AbstractLayer {",
        "  @Call @Override protected Tensor call(Tensor x) {",
        "    while (x.rank() > 5) { x = Ops.relu(x); } // <-",
        "    return x;",
        "  }",
        "}"};
    JavaFileObject shared = JavaFileObjects.forSourceLines("com.example.Shared", layer);
    JavaFileObject a = user("A", "  @Layer final Shared s = new Shared();",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) { return s.apply(x); }");
    JavaFileObject b = user("B", "  @Layer final Shared s = new Shared();",
        "  @Call public Tensor call(@Shape({-1, 8}) Tensor x) { return s.apply(x); }");
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(shared, a, b);
    assertThat(c).hadErrorContaining("Kiln: a while loop").inFile(shared).onLine(markedLine(layer));
    assertThat(c).hadErrorCount(1);
    java.util.List<String> generated = generatedSessions(dir, shared, a, b);
    assertThat(generated).doesNotContain("KilnA.java");
    assertThat(generated).doesNotContain("KilnB.java");
  }

  @Test
  void javacReportsTheNamesItCannotResolve() {
    String[] lines = model("  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
        "    return Ops.reluu(x); // <-",
        "  }");
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.M", lines);
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    // javac's own message names the missing method; a Kiln error would hide it (javac stops after processor errors).
    assertThat(c).hadErrorContaining("cannot find symbol").inFile(src).onLine(markedLine(lines));
    for (Diagnostic<? extends JavaFileObject> d : c.errors()) assertThat(d.getMessage(null)).doesNotContain("Kiln");
  }

  @Test
  void everyMistakeInTheDeclarationsOfAClassIsReported() {
    String[] lines = model("  @Layer final java.util.List<Dense> a = null;",
        "  @Layer final String b = \"dense\";",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) { return x; }");
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.M", lines);
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).hadErrorContaining("@Layer field 'a' has type").inFile(src).onLine(5);
    assertThat(c).hadErrorContaining("@Layer field 'b' has type java.lang.String").inFile(src).onLine(6);
    assertThat(c).hadErrorCount(2);
  }

  @Test
  void helpersThatCallEachOtherManyTimesOverStopAtABudget() {
    List<String> body = new ArrayList<>(List.of("  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
        "    return Ops.multiply(x, h7());",
        "  }",
        "  private int h0() {",
        "    return 1; // <-",
        "  }"));
    for (int level = 1; level <= 7; level++) {
      String call = "h" + (level - 1) + "()";
      body.add("  private int h" + level + "() { return " + String.join(" + ", java.util.Collections.nCopies(10, call)) + "; }");
    }
    String[] lines = model(body.toArray(new String[0]));
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.M", lines);
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).hadErrorContaining("Kiln: reading the model runs more than 1,000,000 statements at compile time")
        .inFile(src).onLine(markedLine(lines));
    assertThat(c).hadErrorCount(1);
  }

  private static JavaFileObject user(String name, String... body) {
    List<String> lines = new ArrayList<>(List.of(HEADER));
    lines.add("public final class " + name + " extends Model {");
    lines.addAll(List.of(body));
    lines.add("}");
    return JavaFileObjects.forSourceLines("com.example." + name, lines.toArray(new String[0]));
  }

  /** compile-testing hides generated files of a failed compilation: runs javac into a directory to list them. */
  private static java.util.List<String> generatedSessions(java.nio.file.Path dir, JavaFileObject... sources)
      throws java.io.IOException {
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    java.nio.file.Path gen = java.nio.file.Files.createDirectories(dir.resolve("gen"));
    java.nio.file.Path classes = java.nio.file.Files.createDirectories(dir.resolve("classes"));
    javax.tools.JavaCompiler.CompilationTask task = javac.getTask(null, null, d -> { }, List.of("-d", classes.toString(),
        "-s", gen.toString(), "-classpath", System.getProperty("java.class.path")), null, List.of(sources));
    task.setProcessors(List.of(new KilnProcessor()));
    task.call();
    java.nio.file.Path pkg = gen.resolve("com/example");
    if (!java.nio.file.Files.isDirectory(pkg)) return List.of();
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(pkg)) {
      return files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toList());
    }
  }
}

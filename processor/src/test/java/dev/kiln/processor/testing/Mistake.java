package dev.kiln.processor.testing;

import static com.google.common.truth.Truth.assertWithMessage;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.processor.KilnProcessor;
import java.util.ArrayList;
import java.util.List;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;

/**
 * One user mistake for the diagnostics corpus: the sources a user might write, the error Kiln must give, and where.
 * The line the error must point at carries the marker {@code // <-} (in whichever source it is).
 *
 * <pre>{@code
 * Mistake.inModel("a while loop", "Kiln: a while loop", """
 *     @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
 *       while (x.rank() > 5) { x = Ops.relu(x); } // <-
 *       return x;
 *     }
 *     """)
 * }</pre>
 */
public final class Mistake {
  /** Imports of every corpus source: what the README tells users to write. */
  public static final String HEADER = "package com.example;\nimport dev.kiln.*;\nimport dev.kiln.layers.*;\n";
  private static final String MARKER = "// <-";

  private final String name;
  private final String message;
  private final List<String> classNames = new ArrayList<>();
  private final List<String> sources = new ArrayList<>();
  private int errors = 1;

  private Mistake(String name, String message) {
    this.name = name;
    this.message = message;
  }

  /** A mistake in the body of {@code public final class M extends Model} (package {@code com.example}). */
  public static Mistake inModel(String name, String message, String body) {
    return inFiles(name, message).file("M", HEADER + "public final class M extends Model {\n" + body + "}\n");
  }

  /** A mistake shown by whole source files, added with {@link #file}. */
  public static Mistake inFiles(String name, String message) {
    return new Mistake(name, message);
  }

  /** Adds the source of class {@code com.example.simpleName}. */
  public Mistake file(String simpleName, String source) {
    classNames.add("com.example." + simpleName);
    sources.add(source);
    return this;
  }

  /** A layer or model class in package {@code com.example}, with the corpus imports. */
  public Mistake withClass(String simpleName, String declaration) {
    return file(simpleName, HEADER + declaration);
  }

  /** The mistake is reported this many times in all (default one: no follow-up errors). */
  public Mistake errors(int count) {
    this.errors = count;
    return this;
  }

  /** Compiles the sources with the processor and checks the error, its place, the error count and no crash. */
  public void check() {
    List<JavaFileObject> files = new ArrayList<>();
    JavaFileObject marked = null;
    int line = -1;
    for (int i = 0; i < sources.size(); i++) {
      JavaFileObject f = JavaFileObjects.forSourceString(classNames.get(i), sources.get(i));
      files.add(f);
      String[] lines = sources.get(i).split("\n", -1);
      for (int l = 0; l < lines.length; l++) {
        if (!lines[l].contains(MARKER)) continue;
        assertWithMessage("%s: more than one %s marker", name, MARKER).that(marked).isNull();
        marked = f;
        line = l + 1;
      }
    }
    assertWithMessage("%s: no %s marker", name, MARKER).that(marked).isNotNull();
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(files);
    assertThat(c).hadErrorContaining(message).inFile(marked).onLine(line);
    for (Diagnostic<? extends JavaFileObject> d : c.diagnostics()) {
      assertWithMessage("%s: no processor crash", name).that(d.getMessage(null)).doesNotContain("internal error");
    }
    assertWithMessage("%s: errors\n%s", name, c.diagnostics()).that(c.errors()).hasSize(errors);
  }

  @Override
  public String toString() {
    return name;
  }
}

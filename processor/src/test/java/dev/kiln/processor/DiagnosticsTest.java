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
 * User mistakes give one clear error at the offending line (never a processor crash). Each source marks the line
 * the error must point at with {@code // <-}.
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

  private static void assertError(String message, String... lines) {
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.M", lines);
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).failed();
    assertThat(c).hadErrorContaining(message).inFile(src).onLine(markedLine(lines));
    assertNoCrash(c);
  }

  private static void assertNoCrash(Compilation c) {
    for (Diagnostic<? extends JavaFileObject> d : c.diagnostics()) {
      assertThat(d.getMessage(null)).doesNotContain("internal error");
    }
  }

  @Test
  void whileLoop() {
    assertError("Kiln: a while loop (use a for loop with a compile-time bound) is not supported in @Call",
        model("  @Layer final Dense d = new Dense(4);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    while (x.rank() > 5) { x = d.apply(x); } // <-",
            "    return d.apply(x);",
            "  }"));
  }

  @Test
  void tryStatement() {
    assertError("Kiln: a try statement is not supported in @Call",
        model("  @Layer final Dense d = new Dense(4);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    try { x = d.apply(x); } finally { } // <-",
            "    return x;",
            "  }"));
  }

  @Test
  void lambda() {
    assertError("Kiln: a lambda expression is not supported in @Call",
        model("  @Layer final Dense d = new Dense(4);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    Runnable r = () -> {}; // <-",
            "    return d.apply(x);",
            "  }"));
  }

  @Test
  void layerArgumentNotKnownAtCompileTime() {
    assertError("Kiln: the call System.getProperty() is not supported in a layer constructor (its value would not be known at compile time)",
        model("  @Layer final Dense d = new Dense(Integer.parseInt(System.getProperty(\"units\"))); // <-",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return d.apply(x);",
            "  }"));
  }

  @Test
  void nonFinalStaticLayerArgument() {
    assertError("Kiln: the value of UNITS is not known at compile time: a static field must be final",
        model("  static int UNITS = 3;",
            "  @Layer final Dense d = new Dense(UNITS); // <-",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return d.apply(x);",
            "  }"));
  }

  @Test
  void denseKernelDoesNotFitItsInput() {
    assertError("Kiln: d (Dense): MatMul",
        model("  @Layer final Dense d = new Dense(3);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {",
            "    Tensor a = d.apply(x);",
            "    Tensor b = d.apply(y); // <-",
            "    return Ops.add(a, b);",
            "  }"));
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
  void addShapesDoNotBroadcast() {
    assertError("Add: shapes [batch, 4] and [batch, 5] cannot be broadcast",
        model("  @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {",
            "    return Ops.add(x, y); // <-",
            "  }"));
  }

  @Test
  void addLayerShapesDoNotBroadcast() {
    assertError("Kiln: merge (Add)",
        model("  @Layer final Add merge = new Add();",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {",
            "    return merge.apply(x, y); // <-",
            "  }"));
  }

  @Test
  void concatenateShapesDoNotFit() {
    assertError("Kiln: cat (Concatenate)",
        model("  @Layer final Concatenate cat = new Concatenate(-1);",
            "  @Call public Tensor call(@Shape({-1, 4, 2}) Tensor x, @Shape({-1, 5, 3}) Tensor y) {",
            "    Tensor z = cat.apply(x, y); // <-",
            "    return z;",
            "  }"));
  }

  @Test
  void reshapeSizeDoesNotFit() {
    assertError("Kiln: Ops.reshape: Reshape: cannot reshape [batch, 4] (4*batch elements) to [-1, 7]: 4*batch is not a multiple of 7 for every value of batch",
        model("  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return Ops.reshape(x, -1, 7); // <-",
            "  }"));
  }

  @Test
  void reshapeLayerSizeDoesNotFit() {
    assertError("Kiln: r (Reshape): Reshape: cannot reshape [batch, 4] (4*batch elements) to [-1, 3, 3]",
        model("  @Layer final Reshape r = new Reshape(3, 3);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return r.apply(x); // <-",
            "  }"));
  }

  @Test
  void missingShapeOnOneParameter() {
    assertError("Kiln: parameter 'y' of @Call method call needs @Shape",
        model("  @Call public Tensor call(@Shape({-1, 4}) Tensor x,",
            "      Tensor y) { // <-",
            "    return Ops.add(x, y);",
            "  }"));
  }

  @Test
  void callToSomethingThatIsNotALayerOrOp() {
    assertError("Kiln: the call PrintStream.println() is not supported in @Call",
        model("  @Layer final Dense d = new Dense(4);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    System.out.println(x); // <-",
            "    return d.apply(x);",
            "  }"));
  }

  @Test
  void wrongCallOverload() {
    String[] layer = {"package com.example;", "import dev.kiln.*;",
        "public final class One extends AbstractLayer {",
        "  @Call @Override protected Tensor call(Tensor x) { return Ops.relu(x); }",
        "}"};
    String[] lines = model("  @Layer final One one = new One();",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 4}) Tensor y) {",
        "    return one.apply(x, y); // <-",
        "  }");
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.M", lines);
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src, JavaFileObjects.forSourceLines("com.example.One", layer));
    assertThat(c).hadErrorContaining("Kiln: One has no @Call method that takes 2 tensor(s)").inFile(src).onLine(markedLine(lines));
    assertNoCrash(c);
  }

  @Test
  void recursion() {
    assertError("Kiln: recursive call to twice() is not supported in @Call",
        model("  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return twice(x, 3);",
            "  }",
            "  private Tensor twice(Tensor x, int n) {",
            "    return n == 0 ? x : twice(Ops.relu(x), n - 1); // <-",
            "  }"));
  }

  @Test
  void applyingANullLayer() {
    assertError("Kiln: layer 'extra' is null here and cannot be applied",
        model("  @Layer final Dense extra = null;",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return extra.apply(x); // <-",
            "  }"));
  }

  @Test
  void readingTensorValues() {
    assertError("Kiln: Tensor.toFloatArray() is not supported in @Call: at compile time tensors have shapes but no values",
        model("  @Layer final Dense d = new Dense(4);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    if (x.toFloatArray()[0] > 0) { // <-",
            "      x = d.apply(x);",
            "    }",
            "    return x;",
            "  }"));
  }

  @Test
  void creatingALayerInsideCall() {
    assertError("Kiln: creating a layer inside @Call is not supported: declare it as a @Layer field",
        model("  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return new Dense(3).apply(x); // <-",
            "  }"));
  }

  @Test
  void assigningAFieldInCall() {
    assertError("Kiln: assigning to the field last is not supported in @Call",
        model("  Tensor last;",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    last = Ops.relu(x); // <-",
            "    return x;",
            "  }"));
  }

  @Test
  void privateLayerField() {
    assertError("Kiln: @Layer field 'd' must not be private",
        model("  @Layer private final Dense d = new Dense(4); // <-",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return d.apply(x);",
            "  }"));
  }

  @Test
  void arrayIndexOutOfBounds() {
    assertError("Kiln: index 2 is out of bounds for an array of length 2",
        model("  @Layer final Dense[] ds = {new Dense(4), new Dense(4)};",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    return ds[2].apply(x); // <-",
            "  }"));
  }

  @Test
  void weightWithUnknownDimension() {
    String[] layer = {"package com.example;", "import dev.kiln.*;",
        "public final class PerExample extends AbstractLayer {",
        "  private Tensor w;",
        "  @Override protected void build(TensorShape s) {",
        "    w = addWeight(\"w\", Initializers.ones(), s.dim(0), s.dim(1)); // <-",
        "  }",
        "  @Call @Override protected Tensor call(Tensor x) { return Ops.multiply(x, w); }",
        "}"};
    String[] lines = model("  @Layer final PerExample p = new PerExample();",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
        "    return p.apply(x);",
        "  }");
    JavaFileObject layerSrc = JavaFileObjects.forSourceLines("com.example.PerExample", layer);
    Compilation c = javac().withProcessors(new KilnProcessor())
        .compile(JavaFileObjects.forSourceLines("com.example.M", lines), layerSrc);
    assertThat(c).hadErrorContaining("weight p/w has shape [-1, 4]: every dimension of a weight must be known at compile time")
        .inFile(layerSrc).onLine(markedLine(layer));
    assertNoCrash(c);
  }

  @Test
  void conditionNotKnownAtCompileTime() {
    assertError("Kiln: the call Math.random() is not supported",
        model("  @Layer final Dense d = new Dense(4);",
            "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
            "    if (Math.random() > 0.5) { // <-",
            "      x = d.apply(x);",
            "    }",
            "    return x;",
            "  }"));
  }

  @Test
  void validKernelLargerThanItsInput() {
    assertError("Kiln: c (Conv2D): Conv2D: VALID height kernel 5 is larger than the input height 3 of [batch, 3, 3, 2]",
        model("  @Layer final Conv2D c = new Conv2D(4, 5);",
            "  @Call public Tensor call(@Shape({-1, 3, 3, 2}) Tensor x) {",
            "    return c.apply(x); // <-",
            "  }"));
  }

  @Test
  void convolutionChannelsDoNotMatchItsKernel() {
    assertError("Kiln: c (Conv2D): Conv2D: input [batch, 8, 8, 3] has 3 channels but kernel [3, 3, 2, 4] expects 2",
        model("  @Layer final Conv2D c = new Conv2D(4, 3).padding(Padding.SAME);",
            "  @Call public Tensor call(@Shape({-1, 8, 8, 2}) Tensor x, @Shape({-1, 8, 8, 3}) Tensor y) {",
            "    Tensor a = c.apply(x);",
            "    Tensor b = c.apply(y); // <-",
            "    return Ops.add(a, b);",
            "  }"));
  }

  @Test
  void nonPositiveStride() {
    assertError("Kiln: Conv2D.strides: Conv2D: stride must be positive, got 0",
        model("  @Layer final Conv2D c = new Conv2D(4, 3).strides(0); // <-",
            "  @Call public Tensor call(@Shape({-1, 8, 8, 2}) Tensor x) {",
            "    return c.apply(x);",
            "  }"));
  }

  @Test
  void groupsThatDoNotDivideChannels() {
    assertError("Kiln: c (Conv2D): Conv2D: groups 2 must divide the 3 input channels of [-1, 8, 8, 3] and the 4 filters",
        model("  @Layer final Conv2D c = new Conv2D(4, 3).groups(2);",
            "  @Call public Tensor call(@Shape({-1, 8, 8, 3}) Tensor x) {",
            "    return c.apply(x); // <-",
            "  }"));
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
    // compile-testing hides generated files of a failed compilation: run javac into a directory to see them.
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    java.nio.file.Path gen = java.nio.file.Files.createDirectories(dir.resolve("gen"));
    java.nio.file.Path classes = java.nio.file.Files.createDirectories(dir.resolve("classes"));
    javax.tools.JavaCompiler.CompilationTask task = javac.getTask(null, null, d -> { }, List.of("-d", classes.toString(),
        "-s", gen.toString(), "-classpath", System.getProperty("java.class.path")), null, List.of(bad, good));
    task.setProcessors(List.of(new KilnProcessor()));
    task.call();
    assertThat(java.nio.file.Files.exists(gen.resolve("com/example/KilnGood.java"))).isTrue();
    assertThat(java.nio.file.Files.exists(gen.resolve("com/example/KilnM.java"))).isFalse();
  }
}

package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/** What the generated session looks like, and how the processor copes with wrapped processing environments. */
class GeneratedCodeTest {
  static final JavaFileObject MLP = JavaFileObjects.forSourceLines("com.example.Mlp",
      "package com.example;",
      "import dev.kiln.*;",
      "import dev.kiln.layers.*;",
      "public final class Mlp extends Model {",
      "  @Layer final Dense hidden = new Dense(128).activation(Activation.RELU);",
      "  @Layer final Dropout dropout = new Dropout(0.2f);",
      "  @Layer final Dense out = new Dense(10).activation(Activation.SOFTMAX);",
      "  @Call",
      "  public Tensor call(@Shape({-1, 784}) Tensor x, boolean training) {",
      "    Tensor h = hidden.apply(x);",
      "    h = dropout.apply(h, training);",
      "    return out.apply(h);",
      "  }",
      "}");

  static String generated(Compilation c, String name) throws Exception {
    return c.generatedSourceFile(name).orElseThrow().getCharContent(true).toString();
  }

  /** The generated session's fused fast path: the compute method, up to its closing brace. */
  static String computeMethod(String code) {
    int start = code.indexOf("  private void compute(");
    return code.substring(start, code.indexOf("\n  }\n", start) + 4);
  }

  @Test
  void denseLayersBecomeOneFusedKernelCallEachWithTheirSourceLine() throws Exception {
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(MLP);
    assertThat(c).succeeded();
    String code = generated(c, "com.example.KilnMlp");
    String compute = computeMethod(code);
    assertThat(compute).contains("// Mlp.java:10  Tensor h = hidden.apply(x)");
    assertThat(compute).contains("// Mlp.java:12  return out.apply(h);");
    assertThat(compute).contains("kernels.dense(x, batch, 784, hiddenKernelPacked, 128, hiddenBias, Activation.RELU, ws.f0);");
    assertThat(compute).contains("kernels.dense(ws.f0, batch, 128, outKernelPacked, 10, outBias, Activation.SOFTMAX, out0);");
    // No interpreter, no per-op dispatch and no allocation on the fast path.
    assertThat(compute).doesNotContain("OpKernels");
    assertThat(compute).doesNotContain("new ");
    // The logical graph keeps every Keras-level op.
    assertThat(code).contains(".node(\"hidden/MatMul\", \"MatMul\"");
    assertThat(code).contains(".node(\"hidden/BiasAdd\", \"BiasAdd\"");
    assertThat(code).contains(".node(\"hidden/Relu\", \"Relu\"");
    assertThat(code).contains("public static void loadInto(Mlp model, Weights weights)");
    assertThat(code).contains("public void callInto(Tensor x, Tensor output)");
    assertThat(code).doesNotContain("java.lang.reflect");
  }

  /**
   * Zero padding, a convolution, its BatchNorm, a residual add and the activation become one kernel call; the
   * BatchNorm is folded into the weights when the session opens.
   */
  @Test
  void convolutionBlockIsOneFusedCall() throws Exception {
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.Res",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class Res extends Model {",
        "  @Layer final ZeroPadding2D pad = new ZeroPadding2D(1);",
        "  @Layer final Conv2D conv = new Conv2D(8, 3).useBias(false);",
        "  @Layer final BatchNormalization bn = new BatchNormalization();",
        "  @Call public Tensor call(@Shape({-1, 16, 16, 8}) Tensor x) {",
        "    Tensor y = bn.apply(conv.apply(pad.apply(x)));",
        "    return Ops.relu(Ops.add(x, y));",
        "  }",
        "}");
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).succeeded();
    String code = generated(c, "com.example.KilnRes");
    String compute = computeMethod(code);
    assertThat(compute).contains("// pad/Pad + conv/Conv2D + bn/BatchNorm + Add + Relu");
    assertThat(compute).contains(
        "CONV.conv2d(kernels, x, batch, convKernelPacked, convBiasFolded, x, Activation.RELU, out0);");
    // the geometry is a constant with named parts; the zero padding is the convolution's own
    assertThat(code).contains(
        "CONV = ConvSpec.input(16, 16, 8).kernel(3, 3).filters(8).padding(1, 1).output(16, 16);");
    assertThat(code).contains("// bn/BatchNorm folded into conv/kernel");
  }

  /**
   * A convolution whose result only feeds a max pooling becomes one call with the pooling, named with both source
   * lines; the convolution's result gets an arena slot of its own for the call (the default kernels write it there).
   * A convolution whose result is also read elsewhere keeps separate calls.
   */
  @Test
  void convolutionThenMaxPoolingIsOneCall() throws Exception {
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.Pooled",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class Pooled extends Model {",
        "  @Layer final Conv2D conv = new Conv2D(16, 3).activation(Activation.RELU);",
        "  @Layer final MaxPooling2D pool = new MaxPooling2D(2);",
        "  @Layer final Conv2D conv2 = new Conv2D(8, 3, 3).padding(Padding.SAME);",
        "  @Layer final MaxPooling2D pool2 = new MaxPooling2D(2);",
        "  @Call public Tensor call(@Shape({-1, 12, 12, 3}) Tensor x) {",
        "    Tensor y = conv.apply(x);",
        "    Tensor p = pool.apply(y);",
        "    Tensor z = conv2.apply(p);",
        "    return Ops.add(pool2.apply(z), pool2.apply(Ops.relu(z)));",
        "  }",
        "}");
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).succeeded();
    String code = generated(c, "com.example.KilnPooled");
    String compute = computeMethod(code);
    assertThat(compute).contains("// conv/Conv2D + conv/BiasAdd + conv/Relu + pool/MaxPool");
    assertThat(compute).contains("// and Pooled.java:11  Tensor p = pool.apply(y)\n");
    assertThat(compute).containsMatch(
        "CONV\\.conv2dMaxPool\\(kernels, x, batch, convKernelPacked, convBias, null, Activation\\.RELU,"
            + "\\s+ws\\.f\\d+, POOL, ws\\.f\\d+\\);");
    assertThat(code).contains("CONV = ConvSpec.input(12, 12, 3).kernel(3, 3).filters(16).output(10, 10);");
    assertThat(code).contains("POOL = PoolSpec.input(10, 10, 16).window(2, 2).strides(2, 2).output(5, 5);");
    // conv2's result is read by two poolings (through the relu too): no fusion
    assertThat(compute).contains("CONV2.conv2d(kernels");
    assertThat(compute).contains(".maxPool2d(kernels");
  }

  /** A deep model's graph table is split over several methods (the JVM limits a method to 64 KB). */
  @Test
  void largeGraphTableIsSplit() throws Exception {
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.Deep",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class Deep extends Model {",
        "  @Layer final Dense[] layers = new Dense[120];",
        "  public Deep() { for (int i = 0; i < layers.length; i++) layers[i] = new Dense(4).activation(Activation.TANH); }",
        "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
        "    for (Dense d : layers) x = d.apply(x);",
        "    return x;",
        "  }",
        "}");
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).succeeded();
    String code = generated(c, "com.example.KilnDeep");
    assertThat(code).contains("private static void addNodes0(GraphDef.Builder b)");
    assertThat(code).contains("private static void addNodes7(GraphDef.Builder b)");
  }

  @Test
  void nestedClassGivesUnderscoredSessionName() {
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.Outer",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class Outer {",
        "  public static final class Inner extends Model {",
        "    @Layer final Dense d = new Dense(2);",
        "    @Call public Tensor call(@Shape({1, 2, 3}) Tensor x) { return d.apply(x); }",
        "  }",
        "}");
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    assertThat(c).succeeded();
    assertThat(c).generatedSourceFile("com.example.KilnOuter_Inner");
  }

  /** Gradle and IntelliJ hand processors a wrapper around javac's environment; Kiln finds javac's inside it. */
  @Test
  void unwrapsAWrappedProcessingEnvironment() {
    Compilation c = javac().withProcessors(new Wrapping(true)).compile(MLP);
    assertThat(c).succeeded();
    assertThat(c).generatedSourceFile("com.example.KilnMlp");
  }

  /** Where no Trees API can be had (Eclipse compiler, kapt), one clear error and no crash. */
  @Test
  void withoutTreesOneClearError() {
    Compilation c = javac().withProcessors(new Wrapping(false)).compile(MLP);
    assertThat(c).failed();
    assertThat(c).hadErrorCount(1);
    assertThat(c).hadErrorContaining("Kiln: this compiler does not offer the javac Trees API");
  }

  /** Hands KilnProcessor a proxy of the real environment, reachable through a field only when {@code findable}. */
  static final class Wrapping extends AbstractProcessor {
    private final boolean findable;
    private final KilnProcessor kiln = new KilnProcessor();

    Wrapping(boolean findable) {
      this.findable = findable;
    }

    static final class Findable implements InvocationHandler {
      final ProcessingEnvironment delegate;

      Findable(ProcessingEnvironment delegate) {
        this.delegate = delegate;
      }

      @Override
      public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) throws Throwable {
        return m.invoke(delegate, args);
      }
    }

    static final class Hidden implements InvocationHandler {
      private final Object[] box;

      Hidden(ProcessingEnvironment env) {
        this.box = new Object[] {env};
      }

      @Override
      public Object invoke(Object proxy, java.lang.reflect.Method m, Object[] args) throws Throwable {
        return m.invoke(box[0], args);
      }
    }

    @Override
    public synchronized void init(ProcessingEnvironment env) {
      super.init(env);
      InvocationHandler h = findable ? new Findable(env) : new Hidden(env);
      kiln.init((ProcessingEnvironment) Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {ProcessingEnvironment.class}, h));
    }

    @Override
    public Set<String> getSupportedAnnotationTypes() {
      return kiln.getSupportedAnnotationTypes();
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
      return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
      return kiln.process(annotations, round);
    }
  }
}

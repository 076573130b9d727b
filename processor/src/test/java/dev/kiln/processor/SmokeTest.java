package dev.kiln.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void mlp() throws Exception {
    JavaFileObject src = JavaFileObjects.forSourceLines("com.example.Mlp",
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
    Compilation c = javac().withProcessors(new KilnProcessor()).compile(src);
    for (var d : c.diagnostics()) System.out.println(d);
    for (JavaFileObject f : c.generatedSourceFiles()) System.out.println(f.getCharContent(true));
    assertThat(c).succeeded();
  }
}

package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;

import com.google.testing.compile.JavaFileObjects;
import dev.kiln.processor.testing.CompiledModels;
import org.junit.jupiter.api.Test;

/**
 * A model of about ten thousand unrolled steps stays within the class-file limits: its compute code is split over
 * methods (64 KB each) and its graph is written as text (a class holds 65,535 constants, which a table of rows of
 * code overflowed: "too many constants"). It computes what the eager model does.
 */
class LargeModelTest {
  private static final String SOURCE = String.join("\n",
      "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
      "public final class Long extends Model {",
      "  @Layer final Dense[] d = new Dense[600];",
      "  public Long() { for (int i = 0; i < d.length; i++) d[i] = new Dense(4).activation(Activation.TANH); }",
      "  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {",
      "    for (int i = 0; i < 3000; i++) x = Ops.sigmoid(Ops.add(x, x));",
      "    for (Dense l : d) x = l.apply(x);",
      "    return x;",
      "  }",
      "}");

  @Test
  void tenThousandStepsCompileAndMatchTheEagerModel() throws Exception {
    CompiledModels models = CompiledModels.compile(JavaFileObjects.forSourceString("com.example.Long", SOURCE));
    String code = models.compilation.generatedSourceFile("com.example.KilnLong").orElseThrow().getCharContent(true)
        .toString();
    assertThat(code).contains("return GraphText.read(");
    assertThat(code).contains("private void compute7(");
    models.assertCompiledEqualsEager("Long", new int[] {-1, 4}, 1, 3, 1e-5, SOURCE);
  }
}

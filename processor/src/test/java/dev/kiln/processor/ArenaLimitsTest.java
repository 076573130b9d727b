package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.processor.testing.CompiledModels.call;
import static dev.kiln.processor.testing.CompiledModels.callStatic;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.testing.compile.JavaFileObjects;
import dev.kiln.Session;
import dev.kiln.Tensor;
import dev.kiln.processor.testing.CompiledModels;
import org.junit.jupiter.api.Test;

/**
 * A batch whose buffers cannot exist is refused before anything is allocated, with an exception naming the input,
 * the batch and the size (issue 16: {@code Dense(65536)} at batch 32,768 overflowed an int in the GEMM, and huge
 * batches ran out of memory in the workspace); the session then still works.
 */
class ArenaLimitsTest {
  @Test
  void batchesWhoseBuffersCannotExistAreRefused() throws Exception {
    CompiledModels models = CompiledModels.compile(JavaFileObjects.forSourceLines("com.example.Wide",
        "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
        "public final class Wide extends Model {",
        "  @Layer final Dense d = new Dense(65536).activation(Activation.RELU);",
        "  @Call public Tensor call(@Shape({-1, 2}) Tensor x) { return d.apply(x); }",
        "}"));
    Class<?> session = models.load("com.example.KilnWide");
    try (Session s = (Session) callStatic(session, "initialized", 1L)) {
      // 32768 x 65536 floats: more than a Java array holds
      IllegalArgumentException e = refused(session, s, 32768);
      assertThat(e).hasMessageThat().contains("batch 32768 (axis 0 of x)");
      assertThat(e).hasMessageThat().contains("more than a Java array can hold");
      // just below the array limit but past this JVM's heap (or past the array limit, on a heap of 8 GB or more)
      int batch = (int) Math.min(32767, Runtime.getRuntime().maxMemory() / 4 / 65536 + 1);
      e = refused(session, s, batch);
      assertThat(e).hasMessageThat().contains("batch " + batch + " (axis 0 of x)");
      Tensor y = (Tensor) call(session, s, "call", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
      assertThat(y.shape()).isEqualTo(new int[] {2, 65536});
    }
  }

  private static IllegalArgumentException refused(Class<?> session, Session s, int batch) {
    Tensor x = Tensor.zeros(batch, 2);
    return assertThrows(IllegalArgumentException.class, () -> call(session, s, "call", x));
  }
}

package dev.kiln.processor.codegen;

import static com.google.common.truth.Truth.assertThat;
import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.Tracer;
import dev.kiln.layers.Dense;
import dev.kiln.processor.ir.ModelIr;
import java.util.List;
import java.util.Map;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * The code generator on a model description built by hand (a traced graph, no javac front end): the session it writes
 * compiles, keeps the user's parameter names even where they clash with the generated code's own locals, binds
 * both run-time dimensions and sizes the arena over them.
 */
class SessionEmitterTest {
  private static final JavaFileObject MODEL = JavaFileObjects.forSourceLines("com.example.Hand",
      "package com.example;", "public final class Hand extends dev.kiln.Model {}");

  private static ModelIr describe(String inputName, int[] shape, java.util.function.Function<Tensor, Tensor> f) {
    Tracer t = Tracer.begin();
    try {
      Tensor x = t.placeholder(inputName, 0, DType.FLOAT32, shape);
      t.setOrigin("Hand.java:3");
      t.pushScope("d");
      Tensor y = f.apply(x);
      t.popScope();
      GraphDef g = t.toGraph(List.of(y));
      return new ModelIr("com.example", "Hand", "Hand.java", "call",
          List.of(new ModelIr.Input(inputName, DType.FLOAT32, shape)), false, g,
          Map.of("Hand.java:3", "return d.apply(x);"), List.of());
    } finally {
      t.end();
    }
  }

  private static String compile(ModelIr ir) throws Exception {
    JavaFileObject session = JavaFileObjects.forSourceString("com.example.KilnHand",
        SessionEmitter.emit(ir).toString());
    Compilation c = javac().compile(MODEL, session);
    assertThat(c).succeeded();
    return session.getCharContent(true).toString();
  }

  @Test
  void userNamesWinOverGeneratedOnes() throws Exception {
    // an input called "batch" and one called "kernels": the symbol local and the inherited field must step aside
    String code = compile(describe("batch", new int[] {-1, 4}, x -> new Dense(3).apply(x)));
    assertThat(code).contains("public Tensor call(Tensor batch)");
    assertThat(code).contains("int batch_ = batch.dim(0);");
    code = compile(describe("kernels", new int[] {-1, 4}, x -> new Dense(3).apply(x)));
    assertThat(code).contains("this.kernels.dense(kernels, batch, 4, dKernelPacked, 3, dBias, null, out0);");
  }

  @Test
  void bothRunTimeDimensionsSizeTheArena() throws Exception {
    String code = compile(describe("x", new int[] {-1, -1, 8},
        x -> Ops.tanh(new Dense(16).apply(Ops.reshape(x, -1, 8)))));
    assertThat(code).contains("int batch = x.dim(0);");
    assertThat(code).contains("int time = x.dim(1);");
    assertThat(code).contains("ws.ensure(batch, time);");
    assertThat(code).contains("kernels.dense(x, batch * time, 8, dKernelPacked, 16, dBias, Activation.TANH, out0);");
    assertThat(code).contains("Tensor out0 = Tensor.zeros(DType.FLOAT32, batch * time, 16);");
  }

  @Test
  void anOpWithoutALoweringRunsItsRegistryKernelThroughANodeCall() throws Exception {
    String code = compile(describe("x", new int[] {-1, 6}, x -> Ops.mean(new Dense(4).apply(x), 1, true)));
    assertThat(code).contains("final NodeCall dMean = new NodeCall(GRAPH, \"d/Mean\");");
    assertThat(code).containsMatch("ws\\.dMean\\.run\\(ws\\.f\\d, out0\\);");
  }
}

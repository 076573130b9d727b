package dev.kiln.processor.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.processor.codegen.lower.LoweringContext;
import dev.kiln.processor.opt.MemoryPlan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * The per-thread workspace class of a session: one array per memory-plan slot (named {@code f3} / {@code i3}, with
 * the tensors it holds in its Javadoc), the {@code NodeCall}s of unfused ops, and {@code ensure(...)}, which sizes
 * them for the run-time dimensions' values in {@code long} arithmetic before allocating anything.
 */
final class WorkspaceEmitter {
  private static final ClassName ARENA = ClassName.get("dev.kiln.session", "ThreadArenas", "Arena");
  private static final ClassName ARENA_SIZES = ClassName.get("dev.kiln.session", "ArenaSizes");

  private final ClassName name;
  private final MemoryPlan plan;
  private final LoweringContext cx;
  private final List<String> symbols;
  /** Where each symbol comes from, for messages: {@code axis 0 of x}. */
  private final Map<String, String> origins;
  /** The sizes of the outputs {@code call} allocates: checked with the arena's. */
  private final List<Dim> outputSizes;

  WorkspaceEmitter(ClassName name, MemoryPlan plan, LoweringContext cx, Map<String, String> origins,
      List<Dim> outputSizes) {
    this.name = name;
    this.plan = plan;
    this.cx = cx;
    this.symbols = new ArrayList<>(origins.keySet());
    this.origins = origins;
    this.outputSizes = outputSizes;
  }

  TypeSpec type() {
    TypeSpec.Builder t = TypeSpec.classBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .addSuperinterface(ARENA)
        .addJavadoc("The arena of one thread: a buffer per memory-plan slot, sized for the largest run-time dimensions seen.\n");
    MethodSpec.Builder ensure = MethodSpec.methodBuilder("ensure");
    MethodSpec.Builder release = MethodSpec.methodBuilder("release").addAnnotation(Override.class)
        .addModifiers(Modifier.PUBLIC);
    CodeBlock.Builder same = CodeBlock.builder();
    for (String s : symbols) {
      String local = cx.symbol(s);
      t.addField(FieldSpec.builder(int.class, local, Modifier.PRIVATE).initializer("-1").build());
      ensure.addParameter(int.class, local);
      same.add(same.isEmpty() ? "$N == this.$N" : " && $N == this.$N", local, local);
      release.addStatement("$N = -1", local);
    }
    if (!symbols.isEmpty()) {
      ensure.beginControlFlow("if ($L)", same.build()).addStatement("return").endControlFlow();
    } else {
      ensure.beginControlFlow("if (ready)").addStatement("return").endControlFlow();
      t.addField(FieldSpec.builder(boolean.class, "ready", Modifier.PRIVATE).build());
      release.addStatement("ready = false");
    }
    // Preallocated, so that switching between run-time dimensions already seen allocates nothing; the messages of a
    // refused size are built only when it is refused.
    CodeBlock.Builder names = CodeBlock.builder();
    CodeBlock.Builder from = CodeBlock.builder();
    for (String s : symbols) {
      names.add(names.isEmpty() ? "$S" : ", $S", s);
      from.add(from.isEmpty() ? "$S" : ", $S", origins.get(s));
    }
    int capacities = plan.slots.size() + outputSizes.size();
    t.addField(FieldSpec.builder(String[].class, "SYMBOLS", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer("{$L}", names.build()).build());
    t.addField(FieldSpec.builder(String[].class, "ORIGINS", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer("{$L}", from.build()).build());
    t.addField(FieldSpec.builder(int[].class, "symbolValues", Modifier.PRIVATE, Modifier.FINAL)
        .initializer("new int[$L]", symbols.size()).build());
    t.addField(FieldSpec.builder(long[].class, "sizes", Modifier.PRIVATE, Modifier.FINAL)
        .initializer("new long[$L]", capacities).build());
    for (int i = 0; i < symbols.size(); i++) ensure.addStatement("symbolValues[$L] = $N", i, cx.symbol(symbols.get(i)));
    for (int i = 0; i < plan.slots.size(); i++) ensure.addStatement("sizes[$L] = $L", i, size(plan.slots.get(i).sizes()));
    for (int i = 0; i < outputSizes.size(); i++) {
      ensure.addStatement("sizes[$L] = $L", plan.slots.size() + i, size(List.of(outputSizes.get(i))));
    }
    ensure.addStatement("$T.check(sizes, SYMBOLS, symbolValues, ORIGINS)", ARENA_SIZES);
    for (int i = 0; i < plan.slots.size(); i++) {
      MemoryPlan.Slot slot = plan.slots.get(i);
      boolean isFloat = slot.dtype == DType.FLOAT32;
      String field = cx.slotName(i);
      t.addField(FieldSpec.builder(isFloat ? float[].class : int[].class, field)
          .addJavadoc("Holds $L.\n", String.join(", ", slot.tensors()))
          .initializer("new $L[0]", isFloat ? "float" : "int").build());
      ensure.addStatement("$N = $T.$L($N, sizes[$L], SYMBOLS, symbolValues, ORIGINS)", field, ARENA_SIZES,
          isFloat ? "floats" : "ints", field, i);
      release.addStatement("$N = new $L[0]", field, isFloat ? "float" : "int");
    }
    for (FieldSpec f : cx.workspaceFields()) t.addField(f);
    CodeBlock binding = cx.workspaceBinding();
    ensure.addCode(binding);
    for (String s : symbols) ensure.addStatement("this.$N = $N", cx.symbol(s), cx.symbol(s));
    if (symbols.isEmpty()) ensure.addStatement("ready = true");
    t.addMethod(ensure.build());
    t.addMethod(release.build());
    return t.build();
  }

  /** A capacity in long arithmetic: the largest of the sizes, one per product of the same symbols. */
  private CodeBlock size(List<Dim> sizes) {
    Map<List<String>, Long> largest = new LinkedHashMap<>();
    for (Dim d : sizes) largest.merge(d.symbols(), d.coefficient(), Math::max);
    CodeBlock expr = null;
    for (Map.Entry<List<String>, Long> e : largest.entrySet()) {
      CodeBlock.Builder term = CodeBlock.builder().add("$LL", e.getValue());
      for (String s : e.getKey()) term.add(" * $N", cx.symbol(s));
      expr = expr == null ? term.build() : CodeBlock.of("$T.max($L, $L)", Math.class, expr, term.build());
    }
    return expr == null ? CodeBlock.of("0L") : expr;
  }
}

package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.ScalarForm;
import dev.kiln.ops.Sources;
import dev.kiln.processor.opt.Schedule;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A chain of elementwise ops as one loop over the output, each op written in its registry scalar form. Operands of
 * the output's shape are read at the loop index; operands that broadcast along the trailing axes (a bias, a
 * per-channel scale) are read by an inner index over those axes; scalars are read once before the loop, constants
 * written as literals.
 */
final class ElementwiseLowering implements Lowering<Schedule.Elementwise> {
  @Override
  public void lower(Schedule.Elementwise e, LoweringContext cx, CodeBlock.Builder code) {
    Dim[] shape = cx.schedule.shape(e.output());
    long inner = 1;
    for (Schedule.Link l : e.links) {
      if (l.operand != null && !Arrays.equals(cx.schedule.shape(l.operand), shape)) {
        inner = Math.max(inner, Dim.size(cx.schedule.shape(l.operand)).value());
      }
    }
    Map<String, CodeBlock> scalars = new LinkedHashMap<>();
    for (Schedule.Link l : e.links) {
      if (l.operand == null || scalars.containsKey(l.operand) || Dim.size(cx.schedule.shape(l.operand)).toInt() != 1) {
        continue;
      }
      NodeDef producer = cx.schedule.producer(l.operand);
      if (producer.op() instanceof Sources.Const && ((Sources.Const) producer.op()).isFloat()) {
        scalars.put(l.operand, CodeBlock.of("$L", LoweringContext.floatLiteral(((Sources.Const) producer.op()).floats()[0])));
        continue;
      }
      String name = cx.newName("s" + scalars.size());
      scalars.put(l.operand, CodeBlock.of("$N", name));
      code.addStatement("float $N = $L[0]", name, cx.buffer(l.operand));
    }
    String v = cx.local("v");
    CodeBlock index;
    if (inner > 1) {
      String r = cx.local("r");
      String rows = cx.local("rows");
      String base = cx.local("base");
      String c = cx.local("c");
      Dim rowCount = Dim.size(shape).dividedBy(Dim.of(inner));
      code.beginControlFlow("for (int $N = 0, $N = $L; $N < $N; $N++)", r, rows, cx.dim(rowCount), r, rows, r);
      code.addStatement("int $N = $N * $L", base, r, inner);
      code.beginControlFlow("for (int $N = 0; $N < $L; $N++)", c, c, inner, c);
      index = CodeBlock.of("$N + $N", base, c);
      code.addStatement("float $N = $L[$L]", v, cx.buffer(e.input), index);
    } else {
      String i = cx.local("i");
      String n = cx.local("n");
      code.beginControlFlow("for (int $N = 0, $N = $L; $N < $N; $N++)", i, n, cx.size(shape), i, n, i);
      index = CodeBlock.of("$N", i);
      code.addStatement("float $N = $L[$L]", v, cx.buffer(e.input), index);
    }
    for (Schedule.Link l : e.links) {
      CodeBlock operand = null;
      if (l.operand != null) {
        Dim[] os = cx.schedule.shape(l.operand);
        long size = Dim.size(os).toInt();
        if (scalars.containsKey(l.operand)) operand = scalars.get(l.operand);
        else if (Arrays.equals(os, shape)) operand = CodeBlock.of("$L[$L]", cx.buffer(l.operand), index);
        else if (size == inner) operand = CodeBlock.of("$L[$N]", cx.buffer(l.operand), cx.local("c"));
        else operand = CodeBlock.of("$L[($L) % $L]", cx.buffer(l.operand), index, size);
      }
      code.addStatement("$N = $L", v, expression(l, CodeBlock.of("$N", v), operand));
    }
    code.addStatement("$L[$L] = $N", cx.buffer(e.output()), index, v);
    if (inner > 1) code.endControlFlow();
    code.endControlFlow();
  }

  /** The link's op in its scalar form, over the chain value {@code v} and the other operand. */
  static CodeBlock expression(Schedule.Link l, CodeBlock v, CodeBlock operand) {
    ScalarForm f = l.node.op().scalarForm();
    CodeBlock a = l.chainIsSecond ? operand : v;
    CodeBlock b = l.chainIsSecond ? v : operand;
    switch (f.kind()) {
      case INFIX:
        return CodeBlock.of("$L $L $L", a, f.operator(), b);
      case PREFIX:
        return CodeBlock.of("$L$L", f.operator(), a);
      default: {
        CodeBlock.Builder args = CodeBlock.builder().add("$L", a);
        if (operand != null) args.add(", $L", b);
        for (float c : f.constants()) args.add(", $L", LoweringContext.floatLiteral(c));
        return CodeBlock.of("$T.$N($L)", ClassName.bestGuess(f.owner()), f.method(), args.build());
      }
    }
  }
}

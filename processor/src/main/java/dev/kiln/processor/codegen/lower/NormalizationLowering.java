package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.TypeName;
import dev.kiln.graph.Dim;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.BatchNorm;
import dev.kiln.processor.opt.Schedule;

/**
 * A BatchNorm no producer absorbed, with weights as statistics: folded into a per-channel scale and shift when the
 * session opens, then {@code Normalization.batchNorm} ({@code x * scale + shift}) per run.
 */
final class NormalizationLowering implements Lowering<Schedule.Kernel> {
  private static final ClassName NORMALIZATION = ClassName.get("dev.kiln.kernels", "Normalization");

  @Override
  public void lower(Schedule.Kernel k, LoweringContext cx, CodeBlock.Builder code) {
    NodeDef n = k.node();
    BatchNorm op = (BatchNorm) n.op();
    Dim[] in = cx.schedule.shape(n.input(0));
    int axis = op.axis();
    String field = cx.prepared("batchnorm:" + n.name(), TypeName.get(float[][].class),
        LoweringContext.javaName(n.name()) + "ScaleShift",
        CodeBlock.of("$L as a per-channel scale and shift, computed when the session opens.\n", n.name()),
        CodeBlock.of("$T.foldBatchNorm($L, $L, $L, $L, $L)", NORMALIZATION,
            op.scale() ? cx.weightValues(n.input(op.gammaInput())) : "null",
            op.center() ? cx.weightValues(n.input(op.betaInput())) : "null",
            cx.weightValues(n.input(1)), cx.weightValues(n.input(2)), LoweringContext.floatLiteral(op.epsilon())));
    code.addStatement("$T.batchNorm($L, $L, $L, $L, $L, $N[0], $N[1])", NORMALIZATION, cx.buffer(n.input(0)),
        cx.buffer(k.output()), cx.product(in, 0, axis), cx.dim(in[axis]), cx.product(in, axis + 1, in.length), field,
        field);
  }
}

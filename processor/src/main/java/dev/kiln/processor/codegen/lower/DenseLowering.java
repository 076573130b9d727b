package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.CodeBlock;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.processor.opt.Fusion;
import dev.kiln.processor.opt.Schedule;

/**
 * A dense layer's GEMM with its epilogue: {@code kernels.dense(in, m, k, packed, n, bias, activation, out)}, the
 * weight packed for the kernel set (with a BatchNorm folded in) when the session opens.
 */
final class DenseLowering implements Lowering<Schedule.Producer> {
  @Override
  public void lower(Schedule.Producer p, LoweringContext cx, CodeBlock.Builder code) {
    Dim[] w = cx.schedule.shape(p.kernel);
    Dim[] in = cx.schedule.shape(p.input);
    int k = w[0].value();
    int n = w[1].value();
    EpilogueWeights weights = EpilogueWeights.of(p, n, cx);
    String variable = Fusion.weightVariable(cx.graph, p.kernel);
    String packed = cx.prepared("dense:" + variable + "|" + weights.foldKey, EpilogueWeights.PACKED,
        LoweringContext.javaName(variable) + "Packed",
        CodeBlock.of("$L $L$L, packed for {@code kernels.dense} when the session opens.\n", variable, Dims.toString(w),
            weights.foldKey.isEmpty() ? "" : " with " + weights.foldKey + " folded in"),
        CodeBlock.of("kernels.packDenseWeights($L, $L, $L)", weights.kernelAtOpen, k, n));
    code.addStatement("$L.dense($L, $L, $L, $N, $L, $L, $L, $L)", cx.kernels(), cx.buffer(p.input),
        cx.product(in, 0, in.length - 1), k, packed, n, weights.bias, EpilogueWeights.activation(p.epilogue.activation),
        cx.buffer(p.output()));
  }
}

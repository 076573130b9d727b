package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.TypeName;
import dev.kiln.Activation;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.BatchNorm;
import dev.kiln.processor.opt.Schedule;

/**
 * The kernel and bias a producer's step uses: the weights as they are, or with a BatchNorm of its epilogue folded into
 * both when the session opens ({@code Normalization.foldBatchNorm} and {@code foldIntoKernel}).
 */
final class EpilogueWeights {
  private static final ClassName NORMALIZATION = ClassName.get("dev.kiln.kernels", "Normalization");
  static final TypeName FLOATS = TypeName.get(float[].class);
  /** A kernel set's own layout of packed weights, opaque to generated code. */
  static final TypeName PACKED = ClassName.get("dev.kiln.kernels", "PackedWeights");

  /** The kernel's values at open time (an expression for the constructor). */
  final CodeBlock kernelAtOpen;
  /** The bias for compute: a field, or {@code null}. */
  final CodeBlock bias;
  /** Part of the key of fields prepared from the kernel: the folded BatchNorm, or empty. */
  final String foldKey;

  private EpilogueWeights(CodeBlock kernelAtOpen, CodeBlock bias, String foldKey) {
    this.kernelAtOpen = kernelAtOpen;
    this.bias = bias;
    this.foldKey = foldKey;
  }

  static EpilogueWeights of(Schedule.Producer p, int outChannels, LoweringContext cx) {
    Schedule.Epilogue e = p.epilogue;
    if (e.batchNorm == null) {
      return new EpilogueWeights(cx.weightValues(p.kernel),
          e.bias == null ? CodeBlock.of("null") : CodeBlock.of("$N", cx.weightField(e.bias)), "");
    }
    NodeDef bn = e.batchNorm;
    BatchNorm op = (BatchNorm) bn.op();
    String producer = NodeDef.nodeOf(p.kernel);
    String scaleShift = cx.newName(LoweringContext.scope(bn) + "ScaleShift");
    String folded = cx.newName(LoweringContext.scope(p.producer) + "Folded");
    cx.prepare(CodeBlock.builder()
        .add("// $L folded into $L\n", bn.name(), producer)
        .addStatement("float[][] $N = $T.foldBatchNorm($L, $L,\n$L, $L, $L)", scaleShift, NORMALIZATION,
            op.scale() ? cx.weightValues(bn.input(op.gammaInput())) : "null",
            op.center() ? cx.weightValues(bn.input(op.betaInput())) : "null",
            cx.weightValues(bn.input(1)), cx.weightValues(bn.input(2)), LoweringContext.floatLiteral(op.epsilon()))
        .addStatement("float[][] $N = $T.foldIntoKernel($L, $L, $L, $N[0], $N[1])", folded, NORMALIZATION,
            cx.weightValues(p.kernel), outChannels, e.bias == null ? "null" : cx.weightValues(e.bias), scaleShift,
            scaleShift)
        .build());
    String base = LoweringContext.javaName(LoweringContext.scope(p.producer));
    String bias = cx.prepared("bias:" + bn.name(), FLOATS, base + "BiasFolded",
        CodeBlock.of("Bias of $L with $L folded in.\n", producer, bn.name()), CodeBlock.of("$N[1]", folded));
    return new EpilogueWeights(CodeBlock.of("$N[0]", folded), CodeBlock.of("$N", bias), bn.name());
  }

  static CodeBlock activation(Activation a) {
    return a == null ? CodeBlock.of("null") : CodeBlock.of("$T.$L", LoweringContext.ACTIVATION, a.name());
  }

  static CodeBlock residual(Schedule.Producer p, LoweringContext cx) {
    return p.epilogue.residual == null ? CodeBlock.of("null") : cx.buffer(p.epilogue.residual);
  }
}

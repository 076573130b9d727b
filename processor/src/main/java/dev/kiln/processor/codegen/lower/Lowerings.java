package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.CodeBlock;
import dev.kiln.ops.BatchNorm;
import dev.kiln.ops.Conv2D;
import dev.kiln.ops.Conv2DTranspose;
import dev.kiln.ops.DepthwiseConv2D;
import dev.kiln.ops.MatMul;
import dev.kiln.ops.Op;
import dev.kiln.ops.Pool2D;
import dev.kiln.processor.opt.Fusion;
import dev.kiln.processor.opt.Schedule;

/** Picks the lowering of each step by its kind and, for producers and single ops, by its op's class. */
public final class Lowerings {
  private static final DenseLowering DENSE = new DenseLowering();
  private static final ConvLowering CONV = new ConvLowering();
  private static final DepthwiseLowering DEPTHWISE = new DepthwiseLowering();
  private static final PoolingLowering POOLING = new PoolingLowering();
  private static final ElementwiseLowering ELEMENTWISE = new ElementwiseLowering();
  private static final NormalizationLowering NORMALIZATION = new NormalizationLowering();
  private static final FallbackLowering FALLBACK = new FallbackLowering();

  private Lowerings() {}

  public static void lower(Schedule.Step step, LoweringContext cx, CodeBlock.Builder code) {
    if (step instanceof Schedule.Alias) {
      return; // the memory plan gave it its input's buffer: nothing to run
    }
    if (step instanceof Schedule.Elementwise) {
      ELEMENTWISE.lower((Schedule.Elementwise) step, cx, code);
      return;
    }
    if (step instanceof Schedule.Producer) {
      Schedule.Producer p = (Schedule.Producer) step;
      Op op = p.producer.op();
      if (op instanceof MatMul) DENSE.lower(p, cx, code);
      else if (op instanceof DepthwiseConv2D) DEPTHWISE.lower(p, cx, code);
      else if (op instanceof Conv2D || op instanceof Conv2DTranspose) CONV.lower(p, cx, code);
      else throw new IllegalStateException("no lowering for producer " + op.type());
      return;
    }
    Schedule.Kernel k = (Schedule.Kernel) step;
    Op op = k.node().op();
    if (op instanceof Pool2D) {
      POOLING.lower(k, cx, code);
    } else if (op instanceof BatchNorm && statisticsAreWeights(k, cx)) {
      NORMALIZATION.lower(k, cx, code);
    } else {
      FALLBACK.lower(k, cx, code);
    }
  }

  private static boolean statisticsAreWeights(Schedule.Kernel k, LoweringContext cx) {
    for (int i = 1; i < k.node().numInputs(); i++) {
      if (Fusion.weightVariable(cx.graph, k.node().input(i)) == null) return false;
    }
    return true;
  }
}

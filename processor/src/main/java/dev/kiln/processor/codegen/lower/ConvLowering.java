package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.ops.Conv2D;
import dev.kiln.ops.Conv2DTranspose;
import dev.kiln.ops.Pool2D;
import dev.kiln.ops.Window;
import dev.kiln.processor.opt.Fusion;
import dev.kiln.processor.opt.Schedule;

/**
 * {@code Conv2D} (with a fused max pooling when one alone reads it) and {@code Conv2DTranspose}: a {@code ConvSpec}
 * constant names the geometry, the kernel is packed for the kernel set (with a BatchNorm folded in) when the session
 * opens, and the call passes the epilogue.
 */
final class ConvLowering implements Lowering<Schedule.Producer> {
  static final ClassName CONV_SPEC = ClassName.get("dev.kiln.session", "ConvSpec");
  static final ClassName POOL_SPEC = ClassName.get("dev.kiln.session", "PoolSpec");

  @Override
  public void lower(Schedule.Producer p, LoweringContext cx, CodeBlock.Builder code) {
    if (p.producer.op() instanceof Conv2DTranspose) {
      transposed(p, (Conv2DTranspose) p.producer.op(), cx, code);
      return;
    }
    Conv2D op = (Conv2D) p.producer.op();
    Dim[] in = cx.schedule.shape(p.input);
    Dim[] k = cx.schedule.shape(p.kernel);
    Window.Geometry g = op.geometry(cx.schedule.shape(p.producer.input(0)), k);
    int[] strides = op.strides();
    int[] dilations = op.dilations();
    int filters = k[3].value();
    String spec = spec(cx, p, in, k[0].value(), k[1].value(), filters, strides, dilations, g.padTop() + p.extraPad[0],
        g.padLeft() + p.extraPad[2], g.outHeight(), g.outWidth(), op.groups());
    EpilogueWeights weights = EpilogueWeights.of(p, filters, cx);
    String packed = packed(cx, p, k, op.groups(), weights);
    CodeBlock common = CodeBlock.of("$L, $L, $L, $N, $L, $L, $L", cx.kernels(), cx.buffer(p.input), cx.dim(in[0]), packed,
        weights.bias, EpilogueWeights.residual(p, cx), EpilogueWeights.activation(p.epilogue.activation));
    if (p.pool == null) {
      code.addStatement("$N.conv2d($L, $L)", spec, common, cx.buffer(p.output()));
      return;
    }
    Pool2D pool = (Pool2D) p.pool.op();
    Dim[] convOut = cx.schedule.shape(p.producerOutput());
    Window.Geometry pg = pool.geometry(convOut);
    int[] window = pool.window().size();
    int[] poolStrides = pool.window().strides();
    String poolSpec = cx.staticConstant("pool:" + p.pool.name(), POOL_SPEC, LoweringContext.scope(p.pool),
        CodeBlock.of("$L: the max pooling fused into $L.\n", p.pool.name(), p.producer.name()),
        PoolingLowering.spec(convOut, window, poolStrides, pg));
    // the convolution's result is the pooling's input only: kernel sets may pool it band by band, in cache
    code.addStatement("$N.conv2dMaxPool($L,\n$L, $N, $L)", spec, common, cx.buffer(p.producerOutput()), poolSpec,
        cx.buffer(p.output()));
  }

  private void transposed(Schedule.Producer p, Conv2DTranspose op, LoweringContext cx, CodeBlock.Builder code) {
    Dim[] in = cx.schedule.shape(p.input);
    Dim[] k = cx.schedule.shape(p.kernel);
    int[][] g = op.geometry(in, k);
    int[] strides = op.strides();
    // kernel [kh, kw, filters, in], as Keras stores it
    String spec = spec(cx, p, in, k[0].value(), k[1].value(), k[2].value(), strides, new int[] {1, 1}, g[0][1],
        g[1][1], g[0][0], g[1][0], 1);
    EpilogueWeights weights = EpilogueWeights.of(p, k[2].value(), cx);
    code.addStatement("$N.conv2dTranspose($L, $L, $N, $L, $L, $L)", spec, cx.buffer(p.input), cx.dim(in[0]),
        cx.weightField(p.kernel), weights.bias, EpilogueWeights.activation(p.epilogue.activation), cx.buffer(p.output()));
  }

  /** The kernel of a convolution packed for the kernel set when the session opens (a BatchNorm folded in). */
  static String packed(LoweringContext cx, Schedule.Producer p, Dim[] k, int groups, EpilogueWeights weights) {
    String variable = Fusion.weightVariable(cx.graph, p.kernel);
    return cx.prepared("conv:" + variable + "|" + Dims.toString(k) + "|" + weights.foldKey,
        EpilogueWeights.PACKED, LoweringContext.javaName(variable) + "Packed",
        CodeBlock.of("$L $L$L, packed for {@code kernels.conv2d} when the session opens.\n", variable, Dims.toString(k),
            weights.foldKey.isEmpty() ? "" : " with " + weights.foldKey + " folded in"),
        CodeBlock.of("kernels.packConvKernel($L, $L, $L, $L, $L, $L)", weights.kernelAtOpen, k[0], k[1], k[2], k[3],
            groups));
  }

  /** The {@code ConvSpec} constant of a convolution, defaults left out so that what is unusual stands out. */
  static String spec(LoweringContext cx, Schedule.Producer p, Dim[] in, int kh, int kw, int filters, int[] strides,
      int[] dilations, int padTop, int padLeft, int outH, int outW, int groups) {
    CodeBlock.Builder init = CodeBlock.builder()
        .add("$T.input($L, $L, $L).kernel($L, $L).filters($L)", CONV_SPEC, in[1], in[2], in[3], kh, kw, filters);
    if (strides[0] != 1 || strides[1] != 1) init.add(".strides($L, $L)", strides[0], strides[1]);
    if (dilations[0] != 1 || dilations[1] != 1) init.add(".dilations($L, $L)", dilations[0], dilations[1]);
    if (padTop != 0 || padLeft != 0) init.add(".padding($L, $L)", padTop, padLeft);
    init.add(".output($L, $L)", outH, outW);
    if (groups != 1) init.add(".groups($L)", groups);
    return cx.staticConstant("conv:" + p.producer.name(), CONV_SPEC, LoweringContext.scope(p.producer),
        CodeBlock.of("$L ($L) on $L.\n", p.producer.name(), p.producer.opType(), Dims.toString(in)), init.build());
  }
}

package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.CodeBlock;
import dev.kiln.graph.Dim;
import dev.kiln.ops.DepthwiseConv2D;
import dev.kiln.ops.Window;
import dev.kiln.processor.opt.Schedule;

/**
 * A depthwise convolution with bias, a folded BatchNorm and an activation:
 * {@code SPEC.depthwise2d(kernels, in, batch, kernel, bias, activation, out)}. Its kernel has no residual input, so
 * fusion leaves a following add to its own step; a 1x1 convolution that alone reads it joins it in one
 * {@code depthwisePointwise} call.
 */
final class DepthwiseLowering implements Lowering<Schedule.Producer> {
  @Override
  public void lower(Schedule.Producer p, LoweringContext cx, CodeBlock.Builder code) {
    DepthwiseConv2D op = (DepthwiseConv2D) p.producer.op();
    Dim[] in = cx.schedule.shape(p.input);
    Dim[] k = cx.schedule.shape(p.kernel);
    Window.Geometry g = op.geometry(cx.schedule.shape(p.producer.input(0)), k);
    String spec = ConvLowering.spec(cx, p, in, k[0].value(), k[1].value(), k[3].value(), op.strides(), op.dilations(),
        g.padTop() + p.extraPad[0], g.padLeft() + p.extraPad[2], g.outHeight(), g.outWidth(), 1);
    EpilogueWeights weights = EpilogueWeights.of(p, k[2].value() * k[3].value(), cx);
    CodeBlock kernel;
    if (weights.foldKey.isEmpty()) {
      kernel = CodeBlock.of("$N", cx.weightField(p.kernel));
    } else {
      String field = cx.prepared("depthwise:" + weights.foldKey, EpilogueWeights.FLOATS,
          LoweringContext.javaName(LoweringContext.scope(p.producer)) + "KernelFolded",
          CodeBlock.of("$L with $L folded in.\n", p.kernel, weights.foldKey), weights.kernelAtOpen);
      kernel = CodeBlock.of("$N", field);
    }
    if (p.next == null) {
      code.addStatement("$N.depthwise2d($L, $L, $L, $L, $L, $L, $L)", spec, cx.kernels(), cx.buffer(p.input),
          cx.dim(in[0]), kernel, weights.bias, EpilogueWeights.activation(p.epilogue.activation), cx.buffer(p.output()));
      return;
    }
    // the 1x1 convolution reading the result runs tile by tile while the depthwise result is in cache
    Schedule.Producer pw = p.next;
    Dim[] pwKernel = cx.schedule.shape(pw.kernel);
    int filters = pwKernel[3].value();
    EpilogueWeights pwWeights = EpilogueWeights.of(pw, filters, cx);
    String pwPacked = ConvLowering.packed(cx, pw, pwKernel, 1, pwWeights);
    code.addStatement("$N.depthwisePointwise($L, $L, $L, $L, $L, $L,\n$L, $N, $L, $L, $L, $L, $L)", spec, cx.kernels(),
        cx.buffer(p.input), cx.dim(in[0]), kernel, weights.bias, EpilogueWeights.activation(p.epilogue.activation),
        cx.buffer(p.producerOutput()), pwPacked, filters, pwWeights.bias, EpilogueWeights.residual(pw, cx),
        EpilogueWeights.activation(pw.epilogue.activation), cx.buffer(p.output()));
  }
}

package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.CodeBlock;
import dev.kiln.graph.Dim;
import dev.kiln.ops.Pool2D;
import dev.kiln.ops.Window;
import dev.kiln.processor.opt.Schedule;

/** A max or average pooling through the kernel set, its geometry in a {@code PoolSpec} constant. */
final class PoolingLowering implements Lowering<Schedule.Kernel> {
  @Override
  public void lower(Schedule.Kernel k, LoweringContext cx, CodeBlock.Builder code) {
    Pool2D op = (Pool2D) k.node().op();
    Dim[] in = cx.schedule.shape(k.node().input(0));
    Window.Geometry g = op.geometry(in);
    String spec = cx.staticConstant("pool:" + k.node().name(), ConvLowering.POOL_SPEC, LoweringContext.scope(k.node()),
        CodeBlock.of("$L ($L) on $L.\n", k.node().name(), op.type(), dev.kiln.graph.Dims.toString(in)),
        spec(in, op.window().size(), op.window().strides(), g));
    code.addStatement("$N.$L($L, $L, $L, $L)", spec, op.isMax() ? "maxPool2d" : "avgPool2d", cx.kernels(),
        cx.buffer(k.node().input(0)), cx.dim(in[0]), cx.buffer(k.output()));
  }

  static CodeBlock spec(Dim[] in, int[] window, int[] strides, Window.Geometry g) {
    CodeBlock.Builder b = CodeBlock.builder().add("$T.input($L, $L, $L).window($L, $L)", ConvLowering.POOL_SPEC,
        in[1], in[2], in[3], window[0], window[1]);
    if (strides[0] != 1 || strides[1] != 1) b.add(".strides($L, $L)", strides[0], strides[1]);
    if (g.padTop() != 0 || g.padLeft() != 0) b.add(".padding($L, $L)", g.padTop(), g.padLeft());
    return b.add(".output($L, $L)", g.outHeight(), g.outWidth()).build();
  }
}

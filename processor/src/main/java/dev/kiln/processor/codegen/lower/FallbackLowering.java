package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.CodeBlock;
import dev.kiln.graph.NodeDef;
import dev.kiln.processor.opt.Schedule;
import java.util.List;

/**
 * Any other op: its own registry kernel ({@code Op.run}) through a {@code NodeCall} of the workspace, which holds the
 * node's run-time shapes and the kernel's scratch space, so the call allocates nothing:
 * {@code ws.outSoftmax.run(ws.f3, out0)}. Outputs after the first (an LSTM's states) are set before the call.
 */
final class FallbackLowering implements Lowering<Schedule.Kernel> {
  @Override
  public void lower(Schedule.Kernel k, LoweringContext cx, CodeBlock.Builder code) {
    NodeDef n = k.node();
    CodeBlock call = cx.nodeCall(n, cx.member("GRAPH"));
    CodeBlock out = cx.buffer(k.output());
    List<String> outputs = k.outputs();
    for (int i = 1; i < outputs.size(); i++) {
      code.addStatement("$L.setOutput($L, $L)", call, i, cx.buffer(outputs.get(i)));
    }
    if (n.numInputs() == 1) {
      code.addStatement("$L.run($L, $L)", call, cx.buffer(n.input(0)), out);
    } else if (n.numInputs() == 2) {
      code.addStatement("$L.run($L, $L, $L)", call, cx.buffer(n.input(0)), cx.buffer(n.input(1)), out);
    } else {
      for (int i = 0; i < n.numInputs(); i++) code.addStatement("$L.set($L, $L)", call, i, cx.buffer(n.input(i)));
      code.addStatement("$L.run($L)", call, out);
    }
  }
}

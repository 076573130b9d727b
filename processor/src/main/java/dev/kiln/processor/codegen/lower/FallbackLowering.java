package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.TypeName;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.Op;
import dev.kiln.processor.opt.Fusion;
import dev.kiln.processor.opt.Schedule;
import java.util.List;

/**
 * Any other op: its own registry kernel ({@code Op.run}) through a {@code NodeCall} of the workspace, which holds the
 * node's run-time shapes and the kernel's scratch space, so the call allocates nothing:
 * {@code ws.outSoftmax.run(ws.f3, out0)}. Outputs after the first (an LSTM's states) are set before the call. An op
 * that {@code runsOnKernels} (a recurrent layer, attention) runs on the session's kernel set, prepared once when the
 * session opens ({@code Op.prepare}: its weights packed), unless an input it prepares is not a weight:
 * {@code ws.lstmLSTM.run(kernels, lstmLSTMPrepared, ws.f2)}.
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
    String prepared = prepared(n, cx);
    if (prepared != null) {
      for (int i = 0; i < n.numInputs(); i++) code.addStatement("$L.set($L, $L)", call, i, cx.buffer(n.input(i)));
      code.addStatement("$L.run($L, $N, $L)", call, cx.kernels(), prepared, out);
    } else if (n.numInputs() == 1) {
      code.addStatement("$L.run($L, $L)", call, cx.buffer(n.input(0)), out);
    } else if (n.numInputs() == 2) {
      code.addStatement("$L.run($L, $L, $L)", call, cx.buffer(n.input(0)), cx.buffer(n.input(1)), out);
    } else {
      for (int i = 0; i < n.numInputs(); i++) code.addStatement("$L.set($L, $L)", call, i, cx.buffer(n.input(i)));
      code.addStatement("$L.run($L)", call, out);
    }
  }

  /**
   * The field holding what the op prepared for the session's kernel set when it opened, or null when the op does not
   * run on kernels or an input it prepares is not a weight. Nodes of one layer applied twice share it.
   */
  private static String prepared(NodeDef n, LoweringContext cx) {
    Op op = n.op();
    if (!op.runsOnKernels()) return null;
    CodeBlock.Builder values = CodeBlock.builder();
    StringBuilder key = new StringBuilder("op:").append(op);
    int[] preparedInputs = op.preparedInputs();
    for (int i = 0; i < n.numInputs(); i++) {
      boolean prepares = false;
      for (int p : preparedInputs) prepares |= p == i;
      if (prepares) {
        String variable = Fusion.weightVariable(cx.graph, n.input(i));
        if (variable == null) return null;
        key.append('|').append(variable);
      }
      values.add(i > 0 ? ", $L" : "$L", prepares ? cx.weightValues(n.input(i)) : "null");
    }
    return cx.prepared(key.toString(), TypeName.get(Object.class), LoweringContext.javaName(n.name()) + "Prepared",
        CodeBlock.of("What $L prepared for the session's kernel set when the session opened.\n", n.name()),
        CodeBlock.of("$N.node($S).op().prepare(kernels, new Object[] {$L})", cx.member("GRAPH"), n.name(),
            values.build()));
  }
}

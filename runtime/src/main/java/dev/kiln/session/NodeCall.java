package dev.kiln.session;

import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.Op;
import java.util.Map;

/**
 * One graph node run through its op's own kernel ({@link Op#run}) by generated code: the step kind for ops without a
 * dedicated lowering. It lives in a thread's arena and holds the node's run-time shapes, so a call allocates nothing.
 *
 * <pre>{@code
 * ws.outSoftmax.run(ws.f3, out0);   // out/Softmax
 * }</pre>
 */
public final class NodeCall {
  private final String name;
  private final Op op;
  private final Dim[][] inputDims;
  private final Dim[][] outputDims;
  private final int[][] inputShapes;
  private final int[][] outputShapes;
  private final Object[] inputs;
  private final Object[] outputs;
  /** The kernel's working space ({@link Op#scratchSize}), grown when bound to larger run-time dimensions. */
  private float[] scratch = new float[0];

  public NodeCall(GraphDef graph, String node) {
    NodeDef n = graph.node(node);
    if (n == null) throw new IllegalArgumentException("no node " + node);
    this.name = node;
    this.op = n.op();
    this.inputDims = new Dim[n.numInputs()][];
    for (int i = 0; i < inputDims.length; i++) {
      String t = n.input(i);
      inputDims[i] = graph.node(NodeDef.nodeOf(t)).outputDims(NodeDef.indexOf(t));
    }
    this.outputDims = new Dim[n.numOutputs()][];
    for (int i = 0; i < outputDims.length; i++) outputDims[i] = n.outputDims(i);
    this.inputShapes = new int[inputDims.length][];
    this.outputShapes = new int[outputDims.length][];
    this.inputs = new Object[inputDims.length];
    this.outputs = new Object[outputDims.length];
  }

  /** Resolves the shapes for the run-time dimensions' values: when the arena is sized for them. */
  public void bind(Map<String, Integer> symbols) {
    for (int i = 0; i < inputDims.length; i++) inputShapes[i] = resolve(inputDims[i], symbols);
    for (int i = 0; i < outputDims.length; i++) outputShapes[i] = resolve(outputDims[i], symbols);
    long n = op.scratchSize(inputShapes);
    if (n > scratch.length) {
      ArenaSizes.check(new long[] {n}, name + "'s working space");
      scratch = ArenaSizes.floats(scratch, n, name + "'s working space");
    }
  }

  private int[] resolve(Dim[] dims, Map<String, Integer> symbols) {
    int[] s = Dims.evaluate(dims, symbols);
    if (s == null) throw new IllegalStateException(name + ": a run-time dimension of " + Dims.toString(dims) + " is unbound");
    return s;
  }

  /** Sets input {@code i} of a call with more than two inputs. */
  public void set(int i, Object input) {
    inputs[i] = input;
  }

  /** Sets output {@code i >= 1} of an op with several outputs, before {@code run}. */
  public void setOutput(int i, Object output) {
    outputs[i] = output;
  }

  /** Runs the op on the inputs {@link #set} before, into {@code out}. */
  public void run(Object out) {
    outputs[0] = out;
    runOp();
  }

  public void run(Object in, Object out) {
    inputs[0] = in;
    outputs[0] = out;
    runOp();
  }

  public void run(Object a, Object b, Object out) {
    inputs[0] = a;
    inputs[1] = b;
    outputs[0] = out;
    runOp();
  }

  private void runOp() {
    if (inputShapes.length > 0 && inputShapes[0] == null || outputShapes[0] == null) {
      throw new IllegalStateException(name + ": shapes not bound");
    }
    try {
      op.run(inputs, inputShapes, outputs, outputShapes, scratch);
    } finally {
      // the arena must not keep the caller's arrays alive
      for (int i = 0; i < inputs.length; i++) inputs[i] = null;
      for (int i = 0; i < outputs.length; i++) outputs[i] = null;
    }
  }
}

package dev.kiln.session;

import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.kernels.KernelSet;
import dev.kiln.ops.Op;

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
  private final ShapeOf[] inputDims;
  private final ShapeOf[] outputDims;
  private final int[][] inputShapes;
  private final int[][] outputShapes;
  private final Object[] inputs;
  private final Object[] outputs;
  /** The kernel's working space ({@link Op#scratchSize}), grown when bound to larger run-time dimensions. */
  private float[] scratch = new float[0];
  private boolean bound;

  public NodeCall(GraphDef graph, String node) {
    NodeDef n = graph.node(node);
    if (n == null) throw new IllegalArgumentException("no node " + node);
    this.name = node;
    this.op = n.op();
    this.inputDims = new ShapeOf[n.numInputs()];
    for (int i = 0; i < inputDims.length; i++) {
      String t = n.input(i);
      inputDims[i] = new ShapeOf(graph.node(NodeDef.nodeOf(t)).outputDims(NodeDef.indexOf(t)));
    }
    this.outputDims = new ShapeOf[n.numOutputs()];
    for (int i = 0; i < outputDims.length; i++) outputDims[i] = new ShapeOf(n.outputDims(i));
    this.inputShapes = new int[inputDims.length][];
    this.outputShapes = new int[outputDims.length][];
    for (int i = 0; i < inputShapes.length; i++) inputShapes[i] = new int[inputDims[i].rank()];
    for (int i = 0; i < outputShapes.length; i++) outputShapes[i] = new int[outputDims[i].rank()];
    this.inputs = new Object[inputDims.length];
    this.outputs = new Object[outputDims.length];
  }

  /**
   * Resolves the shapes for the run-time dimensions' values ({@code symbols[i]} is {@code values[i]}): when the arena is
   * sized for them. Allocates nothing unless the kernel's working space must grow.
   */
  public void bind(String[] symbols, int[] values) {
    for (int i = 0; i < inputDims.length; i++) inputDims[i].evaluate(symbols, values, inputShapes[i], name);
    for (int i = 0; i < outputDims.length; i++) outputDims[i].evaluate(symbols, values, outputShapes[i], name);
    bound = true;
    long n = op.scratchSize(inputShapes);
    if (n > scratch.length) {
      ArenaSizes.check(new long[] {n}, name + "'s working space");
      scratch = ArenaSizes.floats(scratch, n, name + "'s working space");
    }
  }

  /** A static shape prepared for evaluation without allocation: per axis, its constant factor and its symbols. */
  private static final class ShapeOf {
    private final Dim[] dims;
    private final long[] coefficients;
    private final String[][] symbols;

    ShapeOf(Dim[] dims) {
      this.dims = dims;
      this.coefficients = new long[dims.length];
      this.symbols = new String[dims.length][];
      for (int d = 0; d < dims.length; d++) {
        coefficients[d] = dims[d].coefficient();
        symbols[d] = dims[d].symbols().toArray(new String[0]);
      }
    }

    int rank() {
      return dims.length;
    }

    void evaluate(String[] names, int[] values, int[] into, String node) {
      for (int d = 0; d < dims.length; d++) {
        long v = coefficients[d];
        for (String s : symbols[d]) v *= valueOf(s, names, values, node);
        into[d] = (int) v;
      }
    }

    private long valueOf(String symbol, String[] names, int[] values, String node) {
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(symbol)) return values[i];
      }
      throw new IllegalStateException(node + ": the run-time dimension " + symbol + " of " + Dims.toString(dims)
          + " is unbound");
    }
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

  /**
   * Runs the op on the inputs {@link #set} before, into {@code out}, on the session's kernel set with what the op's
   * {@link Op#prepare} made for it when the session opened (ops that {@link Op#runsOnKernels}).
   */
  public void run(KernelSet kernels, Object prepared, Object out) {
    outputs[0] = out;
    if (!bound) throw new IllegalStateException(name + ": shapes not bound");
    try {
      op.run(kernels, prepared, inputs, inputShapes, outputs, outputShapes, scratch);
    } finally {
      clear();
    }
  }

  private void runOp() {
    if (!bound) throw new IllegalStateException(name + ": shapes not bound");
    try {
      op.run(inputs, inputShapes, outputs, outputShapes, scratch);
    } finally {
      clear();
    }
  }

  /** Drops the call's arrays: the arena must not keep the caller's arrays alive. */
  private void clear() {
    for (int i = 0; i < inputs.length; i++) inputs[i] = null;
    for (int i = 0; i < outputs.length; i++) outputs[i] = null;
  }
}

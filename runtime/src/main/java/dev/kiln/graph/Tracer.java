package dev.kiln.graph;

import dev.kiln.DType;
import dev.kiln.Initializer;
import dev.kiln.Tensor;
import dev.kiln.ops.Op;
import dev.kiln.ops.Outputs;
import dev.kiln.ops.Sources;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records a static graph while a model runs on symbolic tensors (Keras' functional tracing). The annotation
 * processor activates a tracer on its own thread, creates placeholders, and runs layers and {@link dev.kiln.Ops}
 * on symbolic tensors; every op then appends a node here instead of computing.
 *
 * <p>Node names are Keras-style scopes: the processor pushes the absolute field path of each layer it applies
 * ({@code hidden}, {@code blocks/3/conv}), and ops are named {@code scope/OpType}, made unique with
 * {@code _1}, {@code _2} suffixes as TensorFlow does.
 */
public final class Tracer {
  private static final ThreadLocal<Tracer> ACTIVE = new ThreadLocal<Tracer>();

  private final LinkedHashMap<String, NodeDef> nodes = new LinkedHashMap<String, NodeDef>();
  /** The same nodes in order, for views without copying (the processor checks each statement's new nodes). */
  private final List<NodeDef> ordered = new ArrayList<NodeDef>();
  private final Map<String, Integer> nameCounts = new HashMap<String, Integer>();
  private final Deque<String> scopes = new ArrayDeque<String>();
  private String origin;

  private Tracer() {}

  /** Starts tracing on this thread. */
  public static Tracer begin() {
    if (ACTIVE.get() != null) throw new IllegalStateException("a tracer is already active on this thread");
    Tracer t = new Tracer();
    ACTIVE.set(t);
    return t;
  }

  /** Stops tracing on this thread. */
  public void end() {
    if (ACTIVE.get() == this) ACTIVE.remove();
  }

  /** The tracer of this thread, or {@code null} when running eagerly. */
  public static Tracer active() {
    return ACTIVE.get();
  }

  /** The active tracer; throws if a symbolic tensor shows up while nothing is tracing. */
  public static Tracer require() {
    Tracer t = ACTIVE.get();
    if (t == null) throw new IllegalStateException("symbolic tensor used outside of tracing");
    return t;
  }

  /** True when any of the tensors is symbolic. */
  public static boolean anySymbolic(Tensor... tensors) {
    for (Tensor t : tensors) {
      if (t != null && t.isSymbolic()) return true;
    }
    return false;
  }

  // ---- scopes and source positions ---------------------------------------------------------------------

  /** Enters the scope of a layer; {@code path} is absolute ({@code blocks/3/conv}), not relative to the current one. */
  public void pushScope(String path) {
    scopes.push(path);
  }

  public void popScope() {
    scopes.pop();
  }

  /** The current scope path ({@code blocks/3/conv}): the innermost pushed scope, empty at top level. */
  public String scope() {
    String s = scopes.peek();
    return s == null ? "" : s;
  }

  /** Tags the nodes recorded from now on with a source position, e.g. {@code Mlp.java:12}. */
  public void setOrigin(String origin) {
    this.origin = origin;
  }

  public String origin() {
    return origin;
  }

  // ---- recording -----------------------------------------------------------------------------------------

  /**
   * A placeholder for {@code @Call} parameter number {@code index}, of its {@code @Shape}: {@code -1} is the batch at
   * axis 0 and the time at axis 1 ({@link Dims#ofPlaceholder}).
   */
  public Tensor placeholder(String name, int index, DType dtype, int... shape) {
    return placeholder(name, index, dtype, Dims.ofPlaceholder(name, shape));
  }

  /** A placeholder for {@code @Call} parameter number {@code index}, of a static shape with run-time symbols. */
  public Tensor placeholder(String name, int index, DType dtype, Dim... shape) {
    NodeDef n = add(new NodeDef(unique(name), new Sources.Placeholder(index), new String[0], new Dim[][] {shape},
        new DType[] {dtype}, origin));
    return Tensor.symbolic(new SymbolicValue(n, 0));
  }

  /** A weight named {@code scope/localName}. Weight names must be unique. */
  public Tensor variable(String localName, DType dtype, int[] shape, Initializer init) {
    java.math.BigInteger elements = java.math.BigInteger.ONE;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("weight " + scoped(localName) + " has shape " + dev.kiln.Shapes.toString(shape)
            + ": every dimension of a weight must be known at compile time");
      }
      elements = elements.multiply(java.math.BigInteger.valueOf(d));
    }
    if (elements.compareTo(java.math.BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("weight " + scoped(localName) + " has shape " + dev.kiln.Shapes.toString(shape)
          + ", " + String.format(java.util.Locale.ROOT, "%,d", elements)
          + " elements: a weight is one Java array, which holds at most 2,147,483,647");
    }
    String name = scoped(localName);
    if (nodes.containsKey(name)) throw new IllegalArgumentException("weight " + name + " is created twice");
    nameCounts.put(name, 1);
    NodeDef n = add(new NodeDef(name, new Sources.Variable(init.spec()), new String[0], new Dim[][] {Dim.of(shape)},
        new DType[] {dtype}, origin));
    return Tensor.symbolic(new SymbolicValue(n, 0));
  }

  /** A constant node holding a concrete tensor's values (for concrete operands mixed with symbolic ones). */
  public Tensor constant(Tensor value) {
    if (value.isSymbolic()) return value;
    Sources.Const c = value.dtype() == DType.FLOAT32
        ? Sources.Const.ofFloats(value.toFloatArray())
        : Sources.Const.ofInts(value.toIntArray());
    NodeDef n = add(new NodeDef(unique(scoped("Const")), c, new String[0], new Dim[][] {Dim.of(value.shape())},
        new DType[] {value.dtype()}, origin));
    return Tensor.symbolic(new SymbolicValue(n, 0));
  }

  /** Records {@code op} applied to {@code inputs}, named {@code scope/Type}, and returns its symbolic outputs. */
  public Tensor[] record(Op op, Outputs outputs, Tensor... inputs) {
    return record(op, op.type(), outputs, inputs);
  }

  /** Records {@code op} with a name other than its type ({@code embed/NotEqual} for the mask of an Embedding, say). */
  public Tensor[] record(Op op, String nameHint, Outputs outputs, Tensor... inputs) {
    String[] in = new String[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      Tensor t = inputs[i].isSymbolic() ? inputs[i] : constant(inputs[i]);
      in[i] = t.symbol().name();
    }
    NodeDef n = add(new NodeDef(unique(scoped(nameHint)), op, in, outputs.shapes(), outputs.dtypes(), origin));
    Tensor[] out = new Tensor[outputs.count()];
    for (int i = 0; i < out.length; i++) out[i] = Tensor.symbolic(new SymbolicValue(n, i));
    return out;
  }

  /** How many nodes have been recorded. */
  public int size() {
    return nodes.size();
  }

  /** The nodes recorded from position {@code start} on, in order: a read-only view, valid until the next node. */
  public List<NodeDef> nodesFrom(int start) {
    return java.util.Collections.unmodifiableList(ordered.subList(Math.min(start, ordered.size()), ordered.size()));
  }

  /** All nodes recorded so far, in order: a read-only view. */
  public List<NodeDef> nodes() {
    return java.util.Collections.unmodifiableList(ordered);
  }

  /** The node called {@code name}, or {@code null}. */
  public NodeDef node(String name) {
    return nodes.get(name);
  }

  /** The graph with the given outputs. */
  public GraphDef toGraph(List<Tensor> outputs) {
    GraphDef.Builder b = GraphDef.builder();
    for (NodeDef n : nodes.values()) b.add(n);
    for (Tensor t : outputs) {
      if (!t.isSymbolic()) throw new IllegalArgumentException("output is not a traced tensor");
      b.output(t.symbol().name());
    }
    return b.build();
  }

  private NodeDef add(NodeDef n) {
    nodes.put(n.name(), n);
    ordered.add(n);
    return n;
  }

  private String scoped(String local) {
    String s = scope();
    return s.isEmpty() ? local : s + "/" + local;
  }

  private String unique(String name) {
    Integer count = nameCounts.get(name);
    if (count == null && !nodes.containsKey(name)) {
      nameCounts.put(name, 1);
      return name;
    }
    int k = count == null ? 1 : count;
    String candidate;
    do {
      candidate = name + "_" + k++;
    } while (nodes.containsKey(candidate));
    nameCounts.put(name, k);
    return candidate;
  }
}

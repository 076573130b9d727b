package dev.kiln.session;

import dev.kiln.kernels.KernelSet;

import dev.kiln.DType;
import dev.kiln.Graph;
import dev.kiln.Initializer;
import dev.kiln.Operation;
import dev.kiln.Output;
import dev.kiln.RunMetadata;
import dev.kiln.RunOptions;
import dev.kiln.Session;
import dev.kiln.SessionOptions;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.Sources;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The base class of every generated {@code Kiln<Model>} session. It holds the graph and a private copy of
 * the weights, and implements {@link Session#run} in two ways:
 *
 * <ul>
 *   <li>the <em>fast path</em>: when the fetches are all graph outputs, the feeds are exactly the
 *       placeholders and tracing is off, {@code run} calls {@link #runOutputs(Tensor[])}, the generated
 *       straight-line code;
 *   <li>the <em>general path</em> otherwise (or when {@code runOutputs} returns {@code null}): it prunes the
 *       graph to the nodes the fetches need, stopping at fed tensors, and executes them in graph order with
 *       each node's {@link dev.kiln.ops.Op#compute}.
 * </ul>
 *
 * <p>The run path keeps no mutable state in the session, so many threads may call {@code run} at once, and a
 * failed run leaves nothing behind. Weight values fetched through {@code run} are copies: the session's own
 * weights cannot be changed from outside.
 */
public abstract class CompiledSession implements Session {
  private final GraphDef graph;
  private final SessionOptions options;
  private final NodeDef[] nodes;
  private final Map<String, Integer> nodeIndex;
  /** First tensor id of each node; tensor id = offset[node] + output index. */
  private final int[] offset;
  private final int numTensors;
  /** The node of each tensor id. */
  private final int[] tensorNode;
  private final int[][] inputIds;
  private final int[] placeholderIds;
  /** Static shapes of the placeholders, cached so the typed call checks its inputs without allocating. */
  private final int[][] placeholderShapes;
  /** Graph output position of each tensor id, or -1. */
  private final int[] outputPosition;
  private final int numOutputs;
  private final Map<String, Tensor> weights;
  private final Tensor[] variableValue;
  private final Set<Object> weightBuffers;
  private volatile boolean closed;
  /** {@link #staticGraph()}, made on first use; a race makes two equal views, which is harmless. */
  private volatile Graph staticGraph;
  /** The heavy kernels of the generated fast path, from {@link SessionOptions#kernels()}; closed with the session. */
  protected final KernelSet kernels;

  /**
   * Checks {@code weights} against the graph's {@code Variable} nodes (each present with its shape and dtype,
   * none left over) and keeps a copy of them. All problems are reported in one
   * {@link IllegalArgumentException}.
   */
  protected CompiledSession(GraphDef graph, Weights weights, SessionOptions options) {
    if (graph == null) throw new NullPointerException("graph");
    if (weights == null) throw new NullPointerException("weights");
    this.graph = graph;
    this.options = options == null ? SessionOptions.defaults() : options;
    this.kernels = this.options.kernels().create(this.options.intraOpThreads());
    List<NodeDef> list = graph.nodes();
    this.nodes = list.toArray(new NodeDef[0]);
    this.offset = new int[nodes.length];
    Map<String, Integer> index = new HashMap<String, Integer>();
    int t = 0;
    for (int i = 0; i < nodes.length; i++) {
      index.put(nodes[i].name(), i);
      offset[i] = t;
      t += nodes[i].numOutputs();
    }
    this.nodeIndex = index;
    this.numTensors = t;
    this.tensorNode = new int[t];
    for (int i = 0; i < nodes.length; i++) {
      for (int k = 0; k < nodes[i].numOutputs(); k++) tensorNode[offset[i] + k] = i;
    }
    this.inputIds = new int[nodes.length][];
    for (int i = 0; i < nodes.length; i++) {
      int[] ids = new int[nodes[i].numInputs()];
      for (int k = 0; k < ids.length; k++) {
        String in = nodes[i].input(k);
        ids[k] = offset[index.get(NodeDef.nodeOf(in))] + NodeDef.indexOf(in);
      }
      inputIds[i] = ids;
    }
    List<String> ph = graph.placeholders();
    this.placeholderIds = new int[ph.size()];
    for (int i = 0; i < placeholderIds.length; i++) placeholderIds[i] = offset[index.get(ph.get(i))];
    this.placeholderShapes = new int[placeholderIds.length][];
    for (int i = 0; i < placeholderIds.length; i++) placeholderShapes[i] = shapeOf(placeholderIds[i]);
    this.outputPosition = new int[numTensors];
    Arrays.fill(outputPosition, -1);
    List<String> outs = graph.outputs();
    this.numOutputs = outs.size();
    for (int i = outs.size() - 1; i >= 0; i--) {
      String o = outs.get(i);
      outputPosition[offset[index.get(NodeDef.nodeOf(o))] + Math.max(0, NodeDef.indexOf(o))] = i;
    }

    // Weights: every variable present with the right shape and dtype, nothing unused.
    List<String> problems = new ArrayList<String>();
    LinkedHashMap<String, Tensor> copies = new LinkedHashMap<String, Tensor>();
    this.variableValue = new Tensor[nodes.length];
    Set<String> used = new HashSet<String>();
    for (int i = 0; i < nodes.length; i++) {
      NodeDef n = nodes[i];
      if (!(n.op() instanceof Sources.Variable)) continue;
      String name = n.name();
      used.add(name);
      int[] shape = n.outputShape(0);
      DType dtype = n.outputType(0);
      if (!weights.contains(name)) {
        problems.add("missing weight " + name + " " + Shapes.toString(shape));
        continue;
      }
      Tensor w = weights.get(name);
      if (w.isSymbolic()) {
        problems.add("weight " + name + " is symbolic (has no values)");
        continue;
      }
      boolean dtypeOk = w.dtype() == dtype;
      boolean shapeOk = Arrays.equals(w.shape(), shape);
      if (!dtypeOk && !shapeOk) {
        problems.add("weight " + name + " is " + describe(w) + ", expected " + dtype.kerasName() + Shapes.toString(shape));
      } else if (!dtypeOk) {
        problems.add("weight " + name + " has dtype " + w.dtype().kerasName() + ", expected " + dtype.kerasName());
      } else if (!shapeOk) {
        problems.add("weight " + name + " has shape " + Shapes.toString(w.shape()) + ", expected " + Shapes.toString(shape));
      } else {
        Tensor copy = copyOf(w);
        copies.put(name, copy);
        variableValue[i] = copy;
      }
    }
    for (String name : weights.names()) {
      if (!used.contains(name)) problems.add("unused weight " + name);
    }
    if (!problems.isEmpty()) throw new IllegalArgumentException(join(problems));
    this.weights = Collections.unmodifiableMap(copies);
    Set<Object> buffers = Collections.newSetFromMap(new IdentityHashMap<Object, Boolean>());
    for (Tensor w : copies.values()) buffers.add(buffer(w));
    this.weightBuffers = buffers;
  }

  // ---- for generated code --------------------------------------------------------------------------------

  /**
   * The session's own copy of weight {@code name}, for the generated fast path. Do not modify its buffer.
   * {@link IllegalArgumentException} when the graph has no such weight.
   */
  protected final Tensor weight(String name) {
    Tensor w = weights.get(name);
    if (w == null) throw new IllegalArgumentException("no weight " + name + " in the graph (weights are " + weights.keySet() + ")");
    return w;
  }

  protected final GraphDef graphDef() {
    return graph;
  }

  /**
   * A view of the graph this session was opened with. Generated classes keep one view in a static field and
   * their {@code graph()} returns it; this one is made on first use, over the same {@link GraphDef}, so its
   * {@code graphDef()} is that same instance and its outputs equal the generated graph's.
   */
  @Override
  public final Graph staticGraph() {
    Graph g = staticGraph;
    if (g == null) {
      g = Graph.of(graph);
      staticGraph = g;
    }
    return g;
  }

  public final SessionOptions options() {
    return options;
  }

  /** {@link IllegalStateException} once the session is closed. */
  protected final void ensureOpen() {
    if (closed) throw new IllegalStateException("session is closed");
  }

  /**
   * Checks the value passed for placeholder number {@code placeholderIndex} ({@code @Call} parameter order)
   * against its static dtype and shape ({@code -1} matches any size). {@link IllegalArgumentException} such as
   * {@code placeholder x expects float32[-1, 784], got float32[1, 783]}.
   */
  protected final void checkInput(int placeholderIndex, Tensor value) {
    if (placeholderIndex < 0 || placeholderIndex >= placeholderIds.length) {
      throw new IndexOutOfBoundsException("no placeholder number " + placeholderIndex + " (the graph has " + placeholderIds.length + ")");
    }
    int id = placeholderIds[placeholderIndex];
    if (value == null || value.isSymbolic() || value.dtype() != dtypeOf(id) || !fits(placeholderShapes[placeholderIndex], value)) {
      throw mismatch(id, value == null ? "null" : value.isSymbolic() ? "a symbolic tensor" : describe(value));
    }
  }

  /**
   * Checks that axis {@code axis} of the value of placeholder {@code placeholderIndex} has the size the run-time
   * dimension {@code dimension} took from placeholder {@code boundBy}: {@code placeholder y has time 7 (axis 1), but x
   * has time 5}.
   */
  protected final void checkDimension(int placeholderIndex, Tensor value, int axis, int size, String dimension,
      int boundBy) {
    if (value.dim(axis) != size) {
      throw new IllegalArgumentException("placeholder " + tensorName(placeholderIds[placeholderIndex]) + " has "
          + dimension + " " + value.dim(axis) + " (axis " + axis + "), but " + tensorName(placeholderIds[boundBy])
          + " has " + dimension + " " + size);
    }
  }

  /**
   * The generated typed fast path: the graph's outputs, in order, for the placeholders' values, in order
   * (already checked with {@link #checkInput}). The default returns {@code null}, meaning "use the general
   * path".
   */
  protected Tensor[] runOutputs(Tensor[] inputs) {
    return null;
  }

  /**
   * Weights for {@code graph} from each {@code Variable}'s {@code initializer} attribute. Each weight gets its
   * own seed derived from {@code seed} and its name, so the result is the same for the same seed whatever
   * else the model contains.
   */
  public static Weights initialWeights(GraphDef graph, long seed) {
    return initialWeights(graph, seed, CompiledSession::parseInitializer);
  }

  static Weights initialWeights(GraphDef graph, long seed, Function<String, Initializer> parser) {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<String, Tensor>();
    for (NodeDef v : graph.variables()) {
      String spec = v.attrs().getString("initializer", null);
      if (spec == null) throw new IllegalArgumentException("weight " + v.name() + " has no initializer");
      int[] shape = v.outputShape(0);
      float[] values = parser.apply(spec).generate(shape, weightSeed(seed, v.name()));
      if (values.length != Shapes.size(shape)) {
        throw new IllegalStateException("initializer " + spec + " gave " + values.length + " values for weight "
            + v.name() + " " + Shapes.toString(shape));
      }
      out.put(v.name(), fromFloats(values, shape, v.outputType(0)));
    }
    return Weights.of(out);
  }

  /** The seed of weight {@code name}: {@code seed * 31 + name.hashCode()} through one SplitMix64 step. */
  static long weightSeed(long seed, String name) {
    long z = seed * 31 + name.hashCode() + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static Initializer parseInitializer(String spec) {
    return dev.kiln.Initializers.parse(spec);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------

  /** Closes the session; idempotent. Runs already in progress finish. */
  @Override
  public final void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    kernels.close();
    onClose();
  }

  /** Called once by the first {@link #close()}; generated sessions release their resources here. */
  protected void onClose() {}

  // ---- Session.run ---------------------------------------------------------------------------------------

  @Override
  public final Tensor run(Output fetch, Map<?, ?> feeds, RunOptions options, RunMetadata metadata) {
    return (Tensor) runAny(fetch, feeds, options, metadata);
  }

  @Override
  public final Tensor run(String fetch, Map<?, ?> feeds, RunOptions options, RunMetadata metadata) {
    return (Tensor) runAny(fetch, feeds, options, metadata);
  }

  @Override
  public final Object run(Operation fetch, Map<?, ?> feeds, RunOptions options, RunMetadata metadata) {
    runAny(fetch, feeds, options, metadata);
    return null;
  }

  @Override
  @SuppressWarnings("unchecked")
  public final <K> Map<K, Tensor> run(Map<K, ?> fetches, Map<?, ?> feeds, RunOptions options, RunMetadata metadata) {
    return (Map<K, Tensor>) runAny(fetches, feeds, options, metadata);
  }

  @Override
  @SuppressWarnings("unchecked")
  public final List<Object> run(List<?> fetches, Map<?, ?> feeds, RunOptions options, RunMetadata metadata) {
    return (List<Object>) runAny(fetches, feeds, options, metadata);
  }

  @Override
  public final Object[] run(Object[] fetches, Map<?, ?> feeds, RunOptions options, RunMetadata metadata) {
    return (Object[]) runAny(fetches, feeds, options, metadata);
  }

  /** A fetched graph element: tensor {@code id}, or the operation {@code node} when {@code id < 0}. */
  private static final class Leaf {
    final int id;
    final int node;

    Leaf(int id, int node) {
      this.id = id;
      this.node = node;
    }
  }

  private Object runAny(Object fetches, Map<?, ?> feeds, RunOptions runOptions, RunMetadata metadata) {
    ensureOpen();
    boolean tracing = runOptions != null && runOptions.isTracing();
    List<Leaf> leaves = new ArrayList<Leaf>();
    Object template = parseFetch(fetches, "fetches", leaves);
    Tensor[] fed = parseFeeds(feeds);

    Tensor[] values = null;
    if (!tracing) values = tryFastPath(leaves, fed);
    List<RunMetadata.StepStats> steps = tracing ? new ArrayList<RunMetadata.StepStats>() : null;
    if (values == null) values = runGeneral(leaves, fed, steps);
    if (metadata != null) metadata.setSteps(steps == null ? Collections.<RunMetadata.StepStats>emptyList() : steps);
    return build(template, values);
  }

  /** Tensor values indexed by tensor id, or {@code null} when the fast path does not apply. */
  private Tensor[] tryFastPath(List<Leaf> leaves, Tensor[] fed) {
    for (Leaf l : leaves) {
      if (l.id < 0 || outputPosition[l.id] < 0) return null;
    }
    int count = 0;
    for (Tensor f : fed) {
      if (f != null) count++;
    }
    if (count != placeholderIds.length) return null;
    Tensor[] inputs = new Tensor[placeholderIds.length];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = fed[placeholderIds[i]];
      if (inputs[i] == null) return null;
    }
    Tensor[] outs = runOutputs(inputs);
    if (outs == null) return null;
    if (outs.length != numOutputs) {
      throw new IllegalStateException("runOutputs returned " + outs.length + " tensors for " + numOutputs + " outputs");
    }
    Tensor[] values = new Tensor[numTensors];
    for (Leaf l : leaves) values[l.id] = outs[outputPosition[l.id]];
    return values;
  }

  private Tensor[] runGeneral(List<Leaf> leaves, Tensor[] fed, List<RunMetadata.StepStats> steps) {
    // Prune: the nodes the fetches need, stopping at fed tensors.
    boolean[] needed = new boolean[nodes.length];
    ArrayDeque<Integer> work = new ArrayDeque<Integer>();
    for (Leaf l : leaves) {
      if ((l.id < 0 || fed[l.id] == null) && !needed[l.node]) {
        needed[l.node] = true;
        work.push(l.node);
      }
    }
    while (!work.isEmpty()) {
      int n = work.pop();
      for (int id : inputIds[n]) {
        if (fed[id] != null) continue;
        int src = nodeOfTensor(id);
        if (!needed[src]) {
          needed[src] = true;
          work.push(src);
        }
      }
    }
    List<String> missing = new ArrayList<String>();
    for (int i = 0; i < nodes.length; i++) {
      if (needed[i] && nodes[i].op() instanceof Sources.Placeholder && fed[offset[i]] == null) {
        missing.add("placeholder " + nodes[i].name() + " must be fed ("
            + nodes[i].outputType(0).kerasName() + Shapes.toString(nodes[i].outputShape(0)) + ")");
      }
    }
    if (!missing.isEmpty()) throw new IllegalArgumentException(join(missing));

    // The run-time dimensions (batch, time) take the sizes of the tensors fed for them; they must agree.
    Map<String, Integer> symbols = new HashMap<String, Integer>();
    for (int id = 0; id < fed.length; id++) {
      if (fed[id] == null) continue;
      NodeDef n = nodes[tensorNode[id]];
      Dim[] dims = n.outputDims(id - offset[tensorNode[id]]);
      if (!Dims.bind(dims, fed[id].shape(), symbols)) {
        throw new IllegalArgumentException(describeFeed(id) + " has shape " + Shapes.toString(fed[id].shape())
            + ", which does not fit " + Dims.toString(dims) + " with the run-time dimensions of the other feeds "
            + symbols);
      }
    }

    // Execute in graph (topological) order.
    Tensor[] values = fed.clone();
    long runStart = System.nanoTime();
    for (int i = 0; i < nodes.length; i++) {
      if (!needed[i]) continue;
      NodeDef node = nodes[i];
      String op = node.opType();
      if (node.op() instanceof Sources.Placeholder) continue;
      if (node.op() instanceof Sources.Const) {
        if (values[offset[i]] == null) {
          values[offset[i]] = ((Sources.Const) node.op()).value(node.outputShape(0), node.outputType(0));
        }
        continue;
      }
      if (node.op() instanceof Sources.Variable) {
        if (values[offset[i]] == null) values[offset[i]] = variableValue[i];
        continue;
      }
      int[] ids = inputIds[i];
      Tensor[] in = new Tensor[ids.length];
      for (int k = 0; k < ids.length; k++) in[k] = values[ids[k]];
      long start = steps == null ? 0 : System.nanoTime();
      Tensor[] out = compute(node, in, symbols);
      long end = steps == null ? 0 : System.nanoTime();
      if (out == null || out.length < node.numOutputs()) {
        throw new IllegalStateException(node.name() + ": kernel for " + op + " returned "
            + (out == null ? "null" : out.length + " tensors") + ", expected " + node.numOutputs());
      }
      long bytes = 0;
      for (int k = 0; k < node.numOutputs(); k++) {
        if (values[offset[i] + k] == null) values[offset[i] + k] = out[k];
        bytes += (long) out[k].size() * out[k].dtype().byteSize();
      }
      if (steps != null) {
        steps.add(new RunMetadata.StepStats(node.name(), op, start - runStart, end - start, bytes,
            Thread.currentThread().getId()));
      }
    }
    return values;
  }

  /**
   * Runs one node: its output shapes are its static shapes with the run's symbols bound (a Reshape to
   * {@code [batch, time, 64]} cannot infer them from its input), or its shape function's where a symbol is unbound.
   */
  private static Tensor[] compute(NodeDef node, Tensor[] in, Map<String, Integer> symbols) {
    int[][] shapes = new int[node.numOutputs()][];
    DType[] types = new DType[shapes.length];
    for (int k = 0; k < shapes.length; k++) {
      shapes[k] = Dims.evaluate(node.outputDims(k), symbols);
      types[k] = node.outputType(k);
      if (shapes[k] == null) return node.op().compute(in);
    }
    return node.op().compute(in, shapes, types);
  }

  private String describeFeed(int id) {
    NodeDef n = nodes[tensorNode[id]];
    return (n.op() instanceof Sources.Placeholder ? "placeholder " : "fed tensor ") + tensorName(id);
  }

  private Object build(Object template, Tensor[] values) {
    if (template instanceof Leaf) {
      Leaf l = (Leaf) template;
      if (l.id < 0) return null;
      Tensor t = values[l.id];
      return weightBuffers.contains(buffer(t)) ? copyOf(t) : t;
    }
    if (template instanceof Object[]) {
      Object[] in = (Object[]) template;
      Object[] out = new Object[in.length];
      for (int i = 0; i < in.length; i++) out[i] = build(in[i], values);
      return out;
    }
    if (template instanceof List) {
      List<?> in = (List<?>) template;
      List<Object> out = new ArrayList<Object>(in.size());
      for (Object o : in) out.add(build(o, values));
      return out;
    }
    Map<?, ?> in = (Map<?, ?>) template;
    Map<Object, Object> out = new LinkedHashMap<Object, Object>();
    for (Map.Entry<?, ?> e : in.entrySet()) out.put(e.getKey(), build(e.getValue(), values));
    return out;
  }

  // ---- fetches and feeds ---------------------------------------------------------------------------------

  /** A copy of the fetch structure with each element replaced by a {@link Leaf}. */
  private Object parseFetch(Object f, String path, List<Leaf> leaves) {
    if (f instanceof Output) {
      int id = resolveOutput((Output) f, "fetch " + path + ":");
      Leaf l = new Leaf(id, nodeOfTensor(id));
      leaves.add(l);
      return l;
    }
    if (f instanceof Operation) {
      Operation op = (Operation) f;
      Integer n = nodeIndex.get(op.name());
      if (n == null || !nodes[n].opType().equals(op.type())) {
        throw new IllegalArgumentException("fetch " + path + ": operation " + op.name() + " is not part of this session's graph");
      }
      Leaf l = new Leaf(-1, n);
      leaves.add(l);
      return l;
    }
    if (f instanceof String) {
      String name = (String) f;
      Leaf l;
      if (name.indexOf(':') >= 0) {
        int id = resolveTensorName(name, "fetch " + path);
        l = new Leaf(id, nodeOfTensor(id));
      } else {
        Integer n = nodeIndex.get(name);
        if (n == null) {
          throw new IllegalArgumentException("fetch " + path + ": '" + name
              + "' is not an operation or tensor of the graph (names look like hidden/Relu or hidden/Relu:0)");
        }
        l = new Leaf(-1, n);
      }
      leaves.add(l);
      return l;
    }
    if (f instanceof List) {
      List<?> in = (List<?>) f;
      List<Object> out = new ArrayList<Object>(in.size());
      int i = 0;
      for (Object o : in) out.add(parseFetch(o, path + "[" + i++ + "]", leaves));
      return out;
    }
    if (f instanceof Object[]) {
      Object[] in = (Object[]) f;
      Object[] out = new Object[in.length];
      for (int i = 0; i < in.length; i++) out[i] = parseFetch(in[i], path + "[" + i + "]", leaves);
      return out;
    }
    if (f instanceof Map) {
      Map<?, ?> in = (Map<?, ?>) f;
      Map<Object, Object> out = new LinkedHashMap<Object, Object>();
      for (Map.Entry<?, ?> e : in.entrySet()) out.put(e.getKey(), parseFetch(e.getValue(), path + "[" + e.getKey() + "]", leaves));
      return out;
    }
    throw new IllegalArgumentException("fetch " + path + " has invalid type " + className(f)
        + (f == null ? "" : " (" + f + ")")
        + ": a fetch must be an Output, an Operation, a tensor or operation name String, or a List, array or Map of them");
  }

  /** Fed values indexed by tensor id (null where not fed), converted and checked against the static types. */
  private Tensor[] parseFeeds(Map<?, ?> feeds) {
    Tensor[] fed = new Tensor[numTensors];
    if (feeds == null) return fed;
    Object[] keyOf = new Object[numTensors];
    for (Map.Entry<?, ?> e : feeds.entrySet()) {
      Object key = e.getKey();
      int id;
      if (key instanceof Output) {
        id = resolveOutput((Output) key, "feed key");
      } else if (key instanceof String) {
        String name = (String) key;
        id = resolveTensorName(name.indexOf(':') >= 0 ? name : name + ":0", "feed key '" + name + "'");
      } else {
        throw new IllegalArgumentException("feed key " + (key == null ? "null" : key.toString()) + " has invalid type "
            + className(key) + ": a feed key must be an Output or a tensor name String such as \"x:0\"");
      }
      if (keyOf[id] != null) {
        throw new IllegalArgumentException("tensor " + tensorName(id) + " is fed twice (keys " + keyOf[id] + " and " + key + ")");
      }
      keyOf[id] = key;
      fed[id] = fit(id, toTensor(e.getValue(), id));
    }
    return fed;
  }

  private int resolveOutput(Output o, String what) {
    Integer n = nodeIndex.get(o.op().name());
    if (n == null || !nodes[n].opType().equals(o.op().type()) || o.index() >= nodes[n].numOutputs()) {
      throw new IllegalArgumentException(what + " " + o.name() + " is not a tensor of this session's graph");
    }
    return offset[n] + o.index();
  }

  private int resolveTensorName(String name, String what) {
    Integer n = nodeIndex.get(NodeDef.nodeOf(name));
    if (n == null) {
      throw new IllegalArgumentException(what + ": '" + name + "' is not a tensor of the graph (no operation "
          + NodeDef.nodeOf(name) + ")");
    }
    int k = NodeDef.indexOf(name);
    if (k < 0 || k >= nodes[n].numOutputs()) {
      throw new IllegalArgumentException(what + ": '" + name + "' is not a tensor of the graph (operation "
          + nodes[n].name() + " has " + nodes[n].numOutputs() + " output(s))");
    }
    return offset[n] + k;
  }

  /** Converts a feed value to a tensor of its natural dtype; IAE (TypeError) for unsupported kinds. */
  private Tensor toTensor(Object v, int id) {
    try {
      if (v instanceof Tensor) {
        Tensor t = (Tensor) v;
        if (t.isSymbolic()) throw new IllegalArgumentException("the value is a symbolic tensor (it has no values)");
        return t;
      }
      if (v instanceof Float) return Tensor.scalar((Float) v);
      if (v instanceof Double) return Tensor.scalar(((Double) v).floatValue());
      if (v instanceof Integer) return Tensor.wrapInts(new int[] {(Integer) v});
      if (v instanceof Boolean) return Tensor.ofBooleans(new boolean[] {(Boolean) v});
      if (v instanceof float[]) return Tensor.of((float[]) v, ((float[]) v).length);
      if (v instanceof float[][]) return Tensor.of((float[][]) v);
      if (v instanceof float[][][]) return Tensor.of((float[][][]) v);
      if (v instanceof float[][][][]) return Tensor.of((float[][][][]) v);
      if (v instanceof int[]) return Tensor.ofInts((int[]) v, ((int[]) v).length);
      if (v instanceof int[][]) return intsOf((int[][]) v);
      if (v instanceof int[][][]) return intsOf((int[][][]) v);
      if (v instanceof int[][][][]) return intsOf((int[][][][]) v);
      if (v instanceof boolean[]) return Tensor.ofBooleans((boolean[]) v, ((boolean[]) v).length);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot feed " + tensorName(id) + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("feed value for " + tensorName(id) + " has invalid type " + className(v)
        + ": must be a Tensor, float[]..float[][][][], int[]..int[][][][], boolean[], or a Float, Double, Integer or Boolean");
  }

  /** {@code t} converted to the dtype of tensor {@code id} when lossless, checked against its static shape. */
  private Tensor fit(int id, Tensor t) {
    DType want = dtypeOf(id);
    if (t.dtype() != want) {
      if (t.dtype() == DType.INT32 && want == DType.FLOAT32) t = Tensor.wrap(t.toFloatArray(), t.shape());
      else throw mismatch(id, describe(t));
    }
    if (!fits(shapeOf(id), t.shape())) throw mismatch(id, describe(t));
    return t;
  }

  private IllegalArgumentException mismatch(int id, String given) {
    NodeDef n = nodes[nodeOfTensor(id)];
    String what = n.op() instanceof Sources.Placeholder ? "placeholder " + n.name() : "tensor " + tensorName(id);
    return new IllegalArgumentException(what + " expects " + dtypeOf(id).kerasName() + Shapes.toString(shapeOf(id)) + ", got " + given);
  }

  // ---- helpers -------------------------------------------------------------------------------------------

  private int nodeOfTensor(int id) {
    return tensorNode[id];
  }

  private String tensorName(int id) {
    int n = nodeOfTensor(id);
    return nodes[n].name() + ":" + (id - offset[n]);
  }

  private DType dtypeOf(int id) {
    int n = nodeOfTensor(id);
    return nodes[n].outputType(id - offset[n]);
  }

  private int[] shapeOf(int id) {
    int n = nodeOfTensor(id);
    return nodes[n].outputShape(id - offset[n]);
  }

  /** Like {@link #fits(int[], int[])}, reading the tensor's dimensions without copying its shape. */
  private static boolean fits(int[] expected, Tensor given) {
    if (expected.length != given.rank()) return false;
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != -1 && expected[i] != given.dim(i)) return false;
    }
    return true;
  }

  private static boolean fits(int[] expected, int[] given) {
    if (expected.length != given.length) return false;
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != -1 && expected[i] != given[i]) return false;
    }
    return true;
  }

  private static String describe(Tensor t) {
    return t.dtype().kerasName() + Shapes.toString(t.shape());
  }

  /** {@code java.lang.Integer}, or {@code int[][]} for arrays (decoded from the binary name, no reflection). */
  private static String className(Object o) {
    if (o == null) return "null";
    String n = o.getClass().getName();
    int dims = 0;
    while (dims < n.length() && n.charAt(dims) == '[') dims++;
    if (dims == 0) return n;
    String elem;
    switch (n.charAt(dims)) {
      case 'Z': elem = "boolean"; break;
      case 'B': elem = "byte"; break;
      case 'C': elem = "char"; break;
      case 'S': elem = "short"; break;
      case 'I': elem = "int"; break;
      case 'J': elem = "long"; break;
      case 'F': elem = "float"; break;
      case 'D': elem = "double"; break;
      default: elem = n.substring(dims + 1, n.length() - 1); // Lcom.x.Y;
    }
    StringBuilder sb = new StringBuilder(elem);
    for (int i = 0; i < dims; i++) sb.append("[]");
    return sb.toString();
  }

  private static String join(List<String> parts) {
    StringBuilder sb = new StringBuilder();
    for (String p : parts) {
      if (sb.length() > 0) sb.append("; ");
      sb.append(p);
    }
    return sb.toString();
  }

  private static Tensor intsOf(int[][] a) {
    int d0 = a.length;
    int d1 = d0 == 0 ? 0 : a[0].length;
    int[] flat = new int[d0 * d1];
    put2(a, d1, flat, 0);
    return Tensor.wrapInts(flat, d0, d1);
  }

  private static Tensor intsOf(int[][][] a) {
    int d0 = a.length;
    int d1 = d0 == 0 ? 0 : a[0].length;
    int d2 = d1 == 0 ? 0 : a[0][0].length;
    int[] flat = new int[d0 * d1 * d2];
    put3(a, d1, d2, flat, 0);
    return Tensor.wrapInts(flat, d0, d1, d2);
  }

  private static Tensor intsOf(int[][][][] a) {
    int d0 = a.length;
    int d1 = d0 == 0 ? 0 : a[0].length;
    int d2 = d1 == 0 ? 0 : a[0][0].length;
    int d3 = d2 == 0 ? 0 : a[0][0][0].length;
    int[] flat = new int[d0 * d1 * d2 * d3];
    int p = 0;
    for (int[][][] b : a) {
      if (b.length != d1) throw ragged(d1, b.length);
      p = put3(b, d2, d3, flat, p);
    }
    return Tensor.wrapInts(flat, d0, d1, d2, d3);
  }

  private static int put3(int[][][] a, int d1, int d2, int[] flat, int p) {
    for (int[][] b : a) {
      if (b.length != d1) throw ragged(d1, b.length);
      p = put2(b, d2, flat, p);
    }
    return p;
  }

  private static int put2(int[][] a, int d1, int[] flat, int p) {
    for (int[] r : a) {
      if (r.length != d1) throw ragged(d1, r.length);
      System.arraycopy(r, 0, flat, p, d1);
      p += d1;
    }
    return p;
  }

  private static IllegalArgumentException ragged(int expected, int got) {
    return new IllegalArgumentException("ragged array: a row has length " + got + " where " + expected + " was expected");
  }

  private static Object buffer(Tensor t) {
    float[] f = t.floatBuffer();
    return f != null ? f : t.intBuffer();
  }

  private static Tensor copyOf(Tensor t) {
    switch (t.dtype()) {
      case FLOAT32:
        return Tensor.wrap(t.toFloatArray(), t.shape());
      case INT32:
        return Tensor.wrapInts(t.toIntArray(), t.shape());
      default:
        return fromFloats(t.toFloatArray(), t.shape(), t.dtype());
    }
  }

  private static Tensor fromFloats(float[] values, int[] shape, DType dtype) {
    switch (dtype) {
      case FLOAT32:
        return Tensor.wrap(values, shape);
      case INT32: {
        int[] v = new int[values.length];
        for (int i = 0; i < v.length; i++) v[i] = Math.round(values[i]);
        return Tensor.wrapInts(v, shape);
      }
      default: {
        boolean[] v = new boolean[values.length];
        for (int i = 0; i < v.length; i++) v[i] = values[i] != 0f;
        return Tensor.ofBooleans(v, shape);
      }
    }
  }
}

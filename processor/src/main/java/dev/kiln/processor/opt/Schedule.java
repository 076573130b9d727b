package dev.kiln.processor.opt;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The typed fast path of a session as a list of fused steps, in execution order. The logical graph keeps every
 * Keras-level op (so each tensor can be fetched); the schedule groups them into what one kernel call or one loop
 * computes, by the ops' fusion patterns:
 * <ul>
 *   <li>{@link Producer}: a GEMM or convolution with the epilogue its kernel applies (and a folded input padding,
 *       a max pooling computed while its result is in cache);</li>
 *   <li>{@link Elementwise}: a chain of elementwise ops, one loop;</li>
 *   <li>{@link Alias}: Reshape / Identity, which reinterpret a buffer without copying;</li>
 *   <li>{@link Kernel}: any other op, one kernel call.</li>
 * </ul>
 */
public final class Schedule {
  /** A fused step: the graph nodes it covers (in order), the tensors it reads and the one it writes. */
  public abstract static class Step {
    public final List<NodeDef> nodes;

    Step(List<NodeDef> nodes) {
      this.nodes = Collections.unmodifiableList(new ArrayList<>(nodes));
    }

    /** The tensor this step writes: the output of its last node. */
    public String output() {
      return nodes.get(nodes.size() - 1).name() + ":0";
    }

    /** Every tensor this step writes: {@link #output()}, and the others of an op with several outputs. */
    public List<String> outputs() {
      return List.of(output());
    }

    /** Tensors of the graph this step reads (not counting those produced inside it). */
    public abstract List<String> reads();

    /**
     * Tensors produced inside the step that its kernel needs room for while it runs (none unless overridden): they
     * get arena slots that are free again after the step.
     */
    public List<String> temporaries() {
      return List.of();
    }
  }

  /**
   * What a producer's kernel computes after its products, in order: bias, a BatchNorm folded into the weights when
   * the session opens, a residual add, an activation. Each is null when absent.
   */
  public static final class Epilogue {
    public final String bias;
    public final NodeDef batchNorm;
    public final String residual;
    public final Activation activation;

    Epilogue(String bias, NodeDef batchNorm, String residual, Activation activation) {
      this.bias = bias;
      this.batchNorm = batchNorm;
      this.residual = residual;
      this.activation = activation;
    }

    void addReads(List<String> r) {
      if (bias != null) r.add(bias);
      if (batchNorm != null) {
        for (int i = 1; i < batchNorm.numInputs(); i++) r.add(batchNorm.input(i));
      }
      if (residual != null) r.add(residual);
    }
  }

  /**
   * A {@link dev.kiln.ops.Pattern#PRODUCER} op with a constant kernel ({@code MatMul} of a dense layer,
   * {@code Conv2D}, {@code DepthwiseConv2dNative}, {@code Conv2DTranspose}) and its epilogue; the zero padding of a
   * {@code Pad} that only fed it ({@code extraPad}: top, bottom, left, right); and a max pooling that alone reads
   * its result ({@link #pool}), which makes the step's output the pooled tensor and the producer's result,
   * {@link #producerOutput}, a temporary. A producer whose kernel can feed another while its result is in cache (a
   * depthwise convolution and the 1x1 convolution reading it) holds that one as {@link #next}; the step's output is
   * then the next one's, and this one's result a temporary.
   */
  public static final class Producer extends Step {
    public final NodeDef producer;
    public final String input;
    public final String kernel;
    public final int[] extraPad;
    public final Epilogue epilogue;
    public final NodeDef pool;
    /** The producer computed from this one's result while it is in cache, or null. */
    public final Producer next;

    Producer(List<NodeDef> nodes, NodeDef producer, String input, int[] extraPad, Epilogue epilogue, NodeDef pool,
        Producer next) {
      super(concat(nodes, next));
      this.producer = producer;
      this.input = input;
      this.kernel = producer.input(1);
      this.extraPad = extraPad.clone();
      this.epilogue = epilogue;
      this.pool = pool;
      this.next = next;
    }

    private static List<NodeDef> concat(List<NodeDef> nodes, Producer next) {
      if (next == null) return nodes;
      List<NodeDef> all = new ArrayList<>(nodes);
      all.addAll(next.nodes);
      return all;
    }

    /** The producer's result after its epilogue: the step's output, the pooling's input or the next one's input. */
    public String producerOutput() {
      if (next != null) return next.input;
      return pool == null ? output() : pool.input(0);
    }

    @Override
    public List<String> temporaries() {
      List<String> t = new ArrayList<>();
      if (pool != null || next != null) t.add(producerOutput());
      if (next != null) t.addAll(next.temporaries());
      return t;
    }

    @Override
    public List<String> reads() {
      List<String> r = new ArrayList<>();
      r.add(input);
      r.add(kernel);
      epilogue.addReads(r);
      if (next != null) {
        for (String t : next.reads()) {
          if (!t.equals(producerOutput())) r.add(t);
        }
      }
      return r;
    }
  }

  /** One link of an elementwise chain: a node and, for binary ops, its other operand. */
  public static final class Link {
    public final NodeDef node;
    /** The operand that is not the chain value, or null for unary ops. */
    public final String operand;
    /** True when the chain value is the node's second input ({@code c - x}). */
    public final boolean chainIsSecond;

    Link(NodeDef node, String operand, boolean chainIsSecond) {
      this.node = node;
      this.operand = operand;
      this.chainIsSecond = chainIsSecond;
    }
  }

  /** A chain of elementwise ops computed in one loop over the output. */
  public static final class Elementwise extends Step {
    public final String input;
    public final List<Link> links;

    Elementwise(String input, List<Link> links) {
      super(nodesOf(links));
      this.input = input;
      this.links = Collections.unmodifiableList(new ArrayList<>(links));
    }

    private static List<NodeDef> nodesOf(List<Link> links) {
      List<NodeDef> out = new ArrayList<>();
      for (Link l : links) out.add(l.node);
      return out;
    }

    @Override
    public List<String> reads() {
      List<String> r = new ArrayList<>();
      r.add(input);
      for (Link l : links) {
        if (l.operand != null) r.add(l.operand);
      }
      return r;
    }
  }

  /** A node whose output is its input, reinterpreted (Reshape, Identity). */
  public static final class Alias extends Step {
    Alias(NodeDef node) {
      super(List.of(node));
    }

    public String input() {
      return nodes.get(0).input(0);
    }

    @Override
    public List<String> reads() {
      return List.of(input());
    }
  }

  /** One op, one kernel call. */
  public static final class Kernel extends Step {
    Kernel(NodeDef node) {
      super(List.of(node));
    }

    public NodeDef node() {
      return nodes.get(0);
    }

    @Override
    public List<String> outputs() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < node().numOutputs(); i++) out.add(node().name() + ":" + i);
      return out;
    }

    @Override
    public List<String> reads() {
      return List.of(node().inputs());
    }
  }

  public final GraphDef graph;
  public final List<Step> steps;
  private final Map<String, Dim[]> shapes = new HashMap<>();
  private final Map<String, DType> dtypes = new HashMap<>();

  Schedule(GraphDef graph, List<Step> steps) {
    this.graph = graph;
    this.steps = Collections.unmodifiableList(steps);
    for (NodeDef n : graph.nodes()) {
      for (int i = 0; i < n.numOutputs(); i++) {
        shapes.put(n.name() + ":" + i, n.outputDims(i));
        dtypes.put(n.name() + ":" + i, n.outputType(i));
      }
    }
  }

  /** The static shape of a tensor, with its run-time dimensions. */
  public Dim[] shape(String tensor) {
    return shapes.get(tensor).clone();
  }

  public DType dtype(String tensor) {
    return dtypes.get(tensor);
  }

  public NodeDef producer(String tensor) {
    return graph.node(NodeDef.nodeOf(tensor));
  }
}

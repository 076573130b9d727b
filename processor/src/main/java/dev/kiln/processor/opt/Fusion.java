package dev.kiln.processor.opt;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.BatchNorm;
import dev.kiln.ops.BiasAdd;
import dev.kiln.ops.BinaryOp;
import dev.kiln.ops.Conv2D;
import dev.kiln.ops.Epilogue;
import dev.kiln.ops.MatMul;
import dev.kiln.ops.Op;
import dev.kiln.ops.Pad;
import dev.kiln.ops.Pattern;
import dev.kiln.ops.Pool2D;
import dev.kiln.ops.Sources;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Groups the nodes of a graph into fused {@link Schedule} steps, reading only the ops' registry facts (their
 * {@link Pattern}, the {@link Epilogue} a producer's kernel applies, the activation a unary op equals), never op
 * names. A node is absorbed into another node's step only when it is the single reader of that node's output and the
 * output is not a graph output, so every value the typed call needs still exists.
 */
public final class Fusion {
  private final GraphDef graph;
  private final Map<String, Integer> readers = new HashMap<>();
  private final Map<String, List<NodeDef>> consumers = new HashMap<>();
  private final Set<String> outputs;
  private final Map<String, Integer> order = new HashMap<>();
  private final Set<String> done = new HashSet<>();

  private Fusion(GraphDef graph) {
    this.graph = graph;
    this.outputs = new HashSet<>(graph.outputs());
    for (NodeDef n : graph.nodes()) {
      order.put(n.name(), order.size());
      for (String in : n.inputs()) {
        readers.merge(in, 1, Integer::sum);
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
    }
    for (String o : graph.outputs()) readers.merge(o, 1, Integer::sum);
  }

  public static Schedule schedule(GraphDef graph) {
    return new Fusion(graph).run();
  }

  private Schedule run() {
    Map<String, NodeDef> foldedPads = foldablePads();
    List<Schedule.Step> steps = new ArrayList<>();
    for (NodeDef n : graph.nodes()) {
      if (done.contains(n.name())) continue;
      Op op = n.op();
      switch (op.pattern()) {
        case SOURCE:
          continue;
        case ALIAS:
          steps.add(new Schedule.Alias(n));
          continue;
        case PRODUCER:
          if (producesWithConstantKernel(n)) {
            steps.add(producer(n, foldedPads.get(n.name()), n, false));
            continue;
          }
          break;
        case ELEMENTWISE:
          if (primaryInput(n) != null) {
            steps.add(chain(n));
            continue;
          }
          break;
        default:
          break;
      }
      steps.add(new Schedule.Kernel(n));
    }
    return new Schedule(graph, steps);
  }

  /**
   * Producers the lowerings take: a kernel operand that is a weight, one output, and for a GEMM a rank-2 weight
   * (a dense layer); other uses run as plain kernels.
   */
  private boolean producesWithConstantKernel(NodeDef n) {
    if (n.numInputs() != 2 || n.numOutputs() != 1 || !isWeight(n.input(1))) return false;
    if (n.op() instanceof MatMul) {
      return n.outputDims(0).length >= 2 && shapeOf(n.input(1)).length == 2 && constant(shapeOf(n.input(1)));
    }
    return true;
  }

  /** Zero paddings of the spatial axes that only feed a producer able to pad its input itself. */
  private Map<String, NodeDef> foldablePads() {
    Map<String, NodeDef> folded = new HashMap<>();
    for (NodeDef n : graph.nodes()) {
      if (n.op().pattern() != Pattern.PRODUCER || !n.op().epilogue().inputPadding() || !producesWithConstantKernel(n)) {
        continue;
      }
      NodeDef pad = producerOf(n.input(0));
      if (pad.op() instanceof Pad && ((Pad) pad.op()).isSpatialZeroPadding() && soleReader(pad) == n) {
        folded.put(n.name(), pad);
        done.add(pad.name());
      }
    }
    return folded;
  }

  /**
   * {@code anchor}: the node where the step runs, before which a residual must be computed; {@code chained}: the
   * producer is fed by another in cache, and chains nothing further itself.
   */
  private Schedule.Producer producer(NodeDef n, NodeDef pad, NodeDef anchor, boolean chained) {
    List<NodeDef> nodes = new ArrayList<>();
    int[] extra = new int[4];
    String input = n.input(0);
    if (pad != null) {
      nodes.add(pad);
      int[] p = ((Pad) pad.op()).paddings();
      extra = new int[] {p[2], p[3], p[4], p[5]};
      input = pad.input(0);
    }
    nodes.add(n);
    done.add(n.name());
    Epilogue caps = n.op().epilogue();
    Schedule.Epilogue epilogue = epilogue(n, caps, nodes, anchor);
    NodeDef pool = null;
    Schedule.Producer fed = null;
    NodeDef last = nodes.get(nodes.size() - 1);
    NodeDef next = soleReader(last);
    if (chained) {
      next = null;
    } else if (caps.maxPooling() && next != null && next.op() instanceof Pool2D && ((Pool2D) next.op()).isMax()) {
      pool = next;
      nodes.add(next);
      done.add(next.name());
    } else if (caps.pointwise() && next != null && isPointwise(next) && reads(next, 0, last)) {
      fed = producer(next, null, anchor, true);
    }
    return new Schedule.Producer(nodes, n, input, extra, epilogue, pool, fed);
  }

  /** A 1x1 convolution of stride 1 and one group, with a constant kernel: what a depthwise kernel can feed in cache. */
  private boolean isPointwise(NodeDef n) {
    if (!(n.op() instanceof Conv2D) || !producesWithConstantKernel(n)) return false;
    Conv2D c = (Conv2D) n.op();
    Dim[] k = shapeOf(n.input(1));
    int[] strides = c.strides();
    return k[0].equals(Dim.ONE) && k[1].equals(Dim.ONE) && strides[0] == 1 && strides[1] == 1 && c.groups() == 1;
  }

  /**
   * Absorbs, in order and as far as the producer's kernel supports them, what follows it when each is the sole
   * reader of the value before it: a BiasAdd of a weight, a BatchNorm on the last axis whose statistics are weights,
   * a residual Add of a tensor computed before the producer (either operand order), and an activation.
   */
  private Schedule.Epilogue epilogue(NodeDef producer, Epilogue caps, List<NodeDef> nodes, NodeDef anchor) {
    String bias = null;
    NodeDef bn = null;
    String residual = null;
    Activation act = null;
    NodeDef last = producer;
    NodeDef next = soleReader(last);
    if (caps.bias() && next != null && next.op() instanceof BiasAdd && reads(next, 0, last) && isWeight(next.input(1))) {
      bias = next.input(1);
      last = absorb(next, nodes);
      next = soleReader(last);
    }
    if (caps.batchNorm() && next != null && next.op() instanceof BatchNorm && reads(next, 0, last)
        && ((BatchNorm) next.op()).axis() == next.outputDims(0).length - 1 && allWeightsAfterFirst(next)) {
      bn = next;
      last = absorb(next, nodes);
      next = soleReader(last);
    }
    if (caps.residual() && next != null && isBinary(next, BinaryOp.Fn.ADD)) {
      String self = last.name() + ":0";
      String other = next.input(0).equals(self) ? next.input(1) : next.input(1).equals(self) ? next.input(0) : null;
      if (other != null && !other.equals(self) && Arrays.equals(shapeOf(other), next.outputDims(0))
          && Arrays.equals(next.outputDims(0), last.outputDims(0)) && dtypeOf(other) == DType.FLOAT32
          && computedBefore(other, anchor)) {
        residual = other;
        last = absorb(next, nodes);
        next = soleReader(last);
      }
    }
    if (next != null && next.numInputs() == 1 && reads(next, 0, last)) {
      Activation a = next.op().asActivation(next.outputDims(0).length);
      if (a != null && caps.activation(a)) {
        act = a;
        absorb(next, nodes);
      }
    }
    return new Schedule.Epilogue(bias, bn, residual, act);
  }

  private NodeDef absorb(NodeDef n, List<NodeDef> nodes) {
    nodes.add(n);
    done.add(n.name());
    return n;
  }

  private Schedule.Elementwise chain(NodeDef first) {
    List<Schedule.Link> links = new ArrayList<>();
    int primary = primaryInput(first);
    String input = first.input(primary);
    links.add(link(first, primary));
    done.add(first.name());
    NodeDef last = first;
    while (true) {
      NodeDef next = soleReader(last);
      if (next == null || done.contains(next.name())) break;
      Integer p = primaryInput(next);
      if (p == null || !reads(next, p, last)) {
        // The chain value may be the other operand of a binary op (c - x); accept it when shapes allow.
        if (p == null || next.numInputs() != 2) break;
        int other = 1 - p;
        if (!reads(next, other, last) || !Arrays.equals(next.outputDims(0), last.outputDims(0))
            || !simpleBroadcast(next.input(p), next.outputDims(0))) {
          break;
        }
        p = other;
      }
      // The loop runs where the chain starts: every operand it reads must be computed by then.
      if (next.numInputs() == 2 && !availableBefore(next.input(1 - p), first)) break;
      links.add(link(next, p));
      done.add(next.name());
      last = next;
    }
    return new Schedule.Elementwise(input, links);
  }

  private static Schedule.Link link(NodeDef n, int primary) {
    if (n.numInputs() == 1) return new Schedule.Link(n, null, false);
    return new Schedule.Link(n, n.input(1 - primary), primary == 1);
  }

  /**
   * For an elementwise node whose float output has the shape of one of its inputs (the primary) and whose other
   * input broadcasts simply (same shape, a scalar, or the trailing dimensions), the primary input's index; else null.
   */
  Integer primaryInput(NodeDef n) {
    if (n.op().pattern() != Pattern.ELEMENTWISE || n.op().scalarForm() == null || n.numOutputs() != 1
        || n.outputType(0) != DType.FLOAT32) {
      return null;
    }
    Dim[] out = n.outputDims(0);
    if (n.numInputs() == 1) return Arrays.equals(shapeOf(n.input(0)), out) ? 0 : null;
    if (n.numInputs() != 2) return null;
    for (int p = 0; p < 2; p++) {
      if (Arrays.equals(shapeOf(n.input(p)), out) && simpleBroadcast(n.input(1 - p), out)) return p;
    }
    return null;
  }

  /**
   * True when {@code tensor} is float and a scalar, or its shape (leading 1s removed) equals the known trailing
   * dimensions of {@code out}: the fused loop then reads it by the inner index.
   */
  boolean simpleBroadcast(String tensor, Dim[] out) {
    if (dtypeOf(tensor) != DType.FLOAT32) return false;
    Dim[] s = shapeOf(tensor);
    if (Arrays.equals(s, out)) return true;
    int lead = 0;
    while (lead < s.length && s[lead].equals(Dim.ONE)) lead++;
    Dim[] core = Arrays.copyOfRange(s, lead, s.length);
    if (core.length == 0) return true;
    if (core.length > out.length) return false;
    for (int i = 0; i < core.length; i++) {
      Dim d = core[i];
      if (!d.isConstant() || !d.equals(out[out.length - core.length + i])) return false;
    }
    return true;
  }

  /** True when {@code tensor} is a source (input, weight, constant) or is produced before {@code start}. */
  private boolean availableBefore(String tensor, NodeDef start) {
    NodeDef producer = producerOf(tensor);
    return producer.op().pattern() == Pattern.SOURCE || order.get(producer.name()) < order.get(start.name());
  }

  private boolean computedBefore(String tensor, NodeDef start) {
    return order.getOrDefault(NodeDef.nodeOf(tensor), Integer.MAX_VALUE) < order.get(start.name());
  }

  private static boolean reads(NodeDef n, int input, NodeDef producer) {
    return n.input(input).equals(producer.name() + ":0");
  }

  private static boolean isBinary(NodeDef n, BinaryOp.Fn fn) {
    return n.op() instanceof BinaryOp && ((BinaryOp) n.op()).fn() == fn && n.numInputs() == 2;
  }

  private boolean allWeightsAfterFirst(NodeDef n) {
    for (int i = 1; i < n.numInputs(); i++) {
      if (!isWeight(n.input(i))) return false;
    }
    return true;
  }

  private static boolean constant(Dim[] shape) {
    for (Dim d : shape) {
      if (!d.isConstant()) return false;
    }
    return true;
  }

  private Dim[] shapeOf(String tensor) {
    return producerOf(tensor).outputDims(NodeDef.indexOf(tensor));
  }

  private DType dtypeOf(String tensor) {
    return producerOf(tensor).outputType(NodeDef.indexOf(tensor));
  }

  private NodeDef producerOf(String tensor) {
    return graph.node(NodeDef.nodeOf(tensor));
  }

  private boolean isWeight(String tensor) {
    return weightVariable(graph, tensor) != null;
  }

  /**
   * The Variable node whose values {@code tensor} holds, looking through aliases (Reshape and Identity keep the
   * row-major data as it is, as Conv1D's reshaped kernel does); null when the tensor is computed.
   */
  public static String weightVariable(GraphDef graph, String tensor) {
    NodeDef n = graph.node(NodeDef.nodeOf(tensor));
    while (n.op().pattern() == Pattern.ALIAS) n = graph.node(NodeDef.nodeOf(n.input(0)));
    return n.op() instanceof Sources.Variable ? n.name() : null;
  }

  /** The node reading {@code n}'s output when it is the only reader and the output is not a graph output. */
  private NodeDef soleReader(NodeDef n) {
    String t = n.name() + ":0";
    if (outputs.contains(t) || readers.getOrDefault(t, 0) != 1) return null;
    List<NodeDef> c = consumers.get(t);
    return c == null || c.size() != 1 ? null : c.get(0);
  }
}

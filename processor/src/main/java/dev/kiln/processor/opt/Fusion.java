package dev.kiln.processor.opt;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Groups the nodes of a graph into fused {@link Schedule} steps. A node is absorbed into its producer's step only
 * when it is that tensor's single reader and the tensor is not a graph output, so every value the typed call
 * needs still exists.
 */
public final class Fusion {
  /** Ops computed elementwise from one input. */
  static final Set<String> UNARY = Set.of("Relu", "Relu6", "Sigmoid", "Tanh", "Silu", "Softplus", "HardSigmoid",
      "HardSilu", "Exp", "Log", "Sqrt", "Square", "Abs", "Neg", "Gelu", "Elu", "LeakyRelu", "ClipByValue", "Softsign");
  /** Ops computed elementwise from two broadcast inputs. */
  static final Set<String> BINARY = Set.of("Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "BiasAdd");

  private Fusion() {}

  public static Schedule schedule(GraphDef graph) {
    Map<String, Integer> readers = countReaders(graph);
    Set<String> outputs = new HashSet<>(graph.outputs());
    Map<String, NodeDef> byInput = new HashMap<>();
    Map<String, List<NodeDef>> consumers = new HashMap<>();
    for (NodeDef n : graph.nodes()) {
      for (String in : n.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
    }
    Set<String> done = new HashSet<>();
    Map<String, Integer> order = new HashMap<>();
    for (NodeDef n : graph.nodes()) order.put(n.name(), order.size());
    // Zero padding that only feeds a convolution is folded into the convolution's own padding.
    Map<String, NodeDef> foldedPads = new HashMap<>();
    for (NodeDef n : graph.nodes()) {
      if (isConv(n) && !n.op().equals("Conv2DTranspose")) {
        NodeDef pad = graph.node(NodeDef.nodeOf(n.input(0)));
        if (pad.op().equals("Pad") && spatialZeroPad(pad) && soleReader(pad, readers, outputs, consumers) == n) {
          foldedPads.put(n.name(), pad);
          done.add(pad.name());
        }
      }
    }
    List<Schedule.Step> steps = new ArrayList<>();
    for (NodeDef n : graph.nodes()) {
      if (done.contains(n.name())) continue;
      String op = n.op();
      if (isConv(n) && isWeight(graph, n.input(1))) {
        NodeDef pad = foldedPads.get(n.name());
        List<NodeDef> nodes = new ArrayList<>();
        if (pad != null) nodes.add(pad);
        nodes.add(n);
        int[] extra = new int[4];
        String input = n.input(0);
        if (pad != null) {
          int[] p = pad.attrs().getInts("paddings");
          extra = new int[] {p[2], p[3], p[4], p[5]};
          input = pad.input(0);
        }
        Schedule.Epilogue epilogue = epilogue(graph, n, nodes, readers, outputs, consumers, done, order, true);
        done.add(n.name());
        NodeDef pool = null;
        if (op.equals("Conv2D")) {
          NodeDef last = nodes.get(nodes.size() - 1);
          NodeDef next = soleReader(last, readers, outputs, consumers);
          if (next != null && next.op().equals("MaxPool") && next.input(0).equals(last.name() + ":0")) {
            pool = next;
            nodes.add(next);
            done.add(next.name());
          }
        }
        steps.add(new Schedule.Conv(nodes, n, input, extra, epilogue, pool));
        continue;
      }
      if (op.equals("Placeholder") || op.equals("Variable") || op.equals("Const")) continue;
      if (n.numOutputs() != 1) {
        steps.add(new Schedule.Kernel(n));
        continue;
      }
      if (op.equals("Identity") || op.equals("Reshape")) {
        steps.add(new Schedule.Alias(n));
        continue;
      }
      if (op.equals("MatMul") && isWeight(graph, n.input(1)) && n.outputShape(0).length >= 2
          && graph.node(NodeDef.nodeOf(n.input(1))).outputShape(0).length == 2) {
        steps.add(dense(graph, n, readers, outputs, consumers, done));
        continue;
      }
      if (isElementwise(graph, n) != null) {
        steps.add(chain(graph, n, readers, outputs, consumers, done, order));
        continue;
      }
      steps.add(new Schedule.Kernel(n));
    }
    return new Schedule(graph, steps);
  }

  private static Schedule.Dense dense(GraphDef graph, NodeDef matmul, Map<String, Integer> readers, Set<String> outputs,
      Map<String, List<NodeDef>> consumers, Set<String> done) {
    List<NodeDef> nodes = new ArrayList<>(List.of(matmul));
    Schedule.Epilogue epilogue = epilogue(graph, matmul, nodes, readers, outputs, consumers, done, null, false);
    done.add(matmul.name());
    return new Schedule.Dense(nodes, matmul.input(0), matmul.input(1), epilogue);
  }

  /**
   * Absorbs, in order, what follows a GEMM or convolution when it is the sole reader of the value before it:
   * BiasAdd of a weight, a BatchNorm on the last axis whose statistics are weights, a residual Add of a tensor
   * computed earlier (convolutions only), and an activation.
   */
  private static Schedule.Epilogue epilogue(GraphDef graph, NodeDef producer, List<NodeDef> nodes,
      Map<String, Integer> readers, Set<String> outputs, Map<String, List<NodeDef>> consumers, Set<String> done,
      Map<String, Integer> order, boolean isConv) {
    String bias = null;
    NodeDef bn = null;
    String residual = null;
    Activation act = null;
    NodeDef last = producer;
    NodeDef next = soleReader(last, readers, outputs, consumers);
    if (next != null && next.op().equals("BiasAdd") && next.input(0).equals(last.name() + ":0") && isWeight(graph, next.input(1))) {
      bias = next.input(1);
      nodes.add(next);
      last = next;
      next = soleReader(last, readers, outputs, consumers);
    }
    boolean foldable = !producer.op().equals("Conv2DTranspose");
    if (foldable && next != null && next.op().equals("BatchNorm") && next.input(0).equals(last.name() + ":0")
        && next.attrs().getInt("axis", -1) == next.outputShape(0).length - 1 && allWeights(graph, next)) {
      bn = next;
      nodes.add(next);
      last = next;
      next = soleReader(last, readers, outputs, consumers);
    }
    if (isConv && next != null && next.op().equals("Add") && next.numInputs() == 2) {
      String self = last.name() + ":0";
      String other = next.input(0).equals(self) ? next.input(1) : next.input(1).equals(self) ? next.input(0) : null;
      if (other != null && !other.equals(self) && Arrays.equals(shapeOf(graph, other), next.outputShape(0))
          && Arrays.equals(next.outputShape(0), last.outputShape(0))
          && order.getOrDefault(NodeDef.nodeOf(other), Integer.MAX_VALUE) < order.get(producer.name())) {
        residual = other;
        nodes.add(next);
        last = next;
        next = soleReader(last, readers, outputs, consumers);
      }
    }
    if (next != null && next.numInputs() == 1 && next.input(0).equals(last.name() + ":0")) {
      act = fusableActivation(next);
      if (act == Activation.SOFTMAX && isConv) act = null;
      if (act != null) nodes.add(next);
    }
    for (NodeDef n : nodes) done.add(n.name());
    return new Schedule.Epilogue(bias, bn, residual, act);
  }

  static boolean isConv(NodeDef n) {
    return n.op().equals("Conv2D") || n.op().equals("DepthwiseConv2dNative") || n.op().equals("Conv2DTranspose");
  }

  /** A Pad of zeros on the two spatial axes of an NHWC tensor only. */
  private static boolean spatialZeroPad(NodeDef pad) {
    int[] p = pad.attrs().getInts("paddings");
    return p.length == 8 && p[0] == 0 && p[1] == 0 && p[6] == 0 && p[7] == 0 && pad.attrs().getFloat("value", 0f) == 0f;
  }

  private static boolean allWeights(GraphDef graph, NodeDef n) {
    for (int i = 1; i < n.numInputs(); i++) {
      if (!isWeight(graph, n.input(i))) return false;
    }
    return true;
  }

  /** The activation a {@code Gemm.dense} epilogue computes for this node, or null. */
  static Activation fusableActivation(NodeDef n) {
    switch (n.op()) {
      case "Relu": return Activation.RELU;
      case "Relu6": return Activation.RELU6;
      case "Sigmoid": return Activation.SIGMOID;
      case "Tanh": return Activation.TANH;
      case "Silu": return Activation.SILU;
      case "Softplus": return Activation.SOFTPLUS;
      case "Softsign": return Activation.SOFTSIGN;
      case "Exp": return Activation.EXPONENTIAL;
      case "HardSigmoid": return Activation.HARD_SIGMOID;
      case "HardSilu": return Activation.HARD_SILU;
      case "Gelu": return n.attrs().getBoolean("approximate", false) ? Activation.GELU_APPROXIMATE : Activation.GELU;
      case "Elu": return n.attrs().getFloat("alpha", 1f) == 1f ? Activation.ELU : null;
      case "LeakyRelu": return n.attrs().getFloat("alpha", 0.2f) == 0.2f ? Activation.LEAKY_RELU : null;
      case "Softmax": {
        int rank = n.outputShape(0).length;
        return n.attrs().getInt("axis", rank - 1) == rank - 1 ? Activation.SOFTMAX : null;
      }
      default: return null;
    }
  }

  private static Schedule.Elementwise chain(GraphDef graph, NodeDef first, Map<String, Integer> readers, Set<String> outputs,
      Map<String, List<NodeDef>> consumers, Set<String> done, Map<String, Integer> order) {
    List<Schedule.Link> links = new ArrayList<>();
    int primary = isElementwise(graph, first);
    String input = first.input(primary);
    links.add(link(first, primary));
    done.add(first.name());
    NodeDef last = first;
    while (true) {
      NodeDef next = soleReader(last, readers, outputs, consumers);
      if (next == null || done.contains(next.name())) break;
      Integer p = isElementwise(graph, next);
      if (p == null || !next.input(p).equals(last.name() + ":0")) {
        // The chain value may be the other operand of a binary op (c - x); accept it when shapes allow.
        if (p == null || next.numInputs() != 2) break;
        int other = 1 - p;
        if (!next.input(other).equals(last.name() + ":0")
            || !Arrays.equals(next.outputShape(0), last.outputShape(0))
            || !simpleBroadcast(graph, next.input(p), next.outputShape(0))) {
          break;
        }
        p = other;
      }
      // The loop runs where the chain starts: every operand it reads must be computed by then.
      if (next.numInputs() == 2 && !availableBefore(graph, next.input(1 - p), first, order)) break;
      links.add(link(next, p));
      done.add(next.name());
      last = next;
    }
    return new Schedule.Elementwise(input, links);
  }

  /** True when {@code tensor} is a source (input, weight, constant) or is produced before {@code start}. */
  private static boolean availableBefore(GraphDef graph, String tensor, NodeDef start, Map<String, Integer> order) {
    NodeDef producer = graph.node(NodeDef.nodeOf(tensor));
    String op = producer.op();
    if (op.equals("Placeholder") || op.equals("Variable") || op.equals("Const")) return true;
    return order.get(producer.name()) < order.get(start.name());
  }

  private static Schedule.Link link(NodeDef n, int primary) {
    if (n.numInputs() == 1) return new Schedule.Link(n, null, false);
    return new Schedule.Link(n, n.input(1 - primary), primary == 1);
  }

  /**
   * For an elementwise node whose output has the shape of one of its inputs (the primary) and whose other input
   * broadcasts simply (same shape, a scalar, or the trailing dimensions), the primary input's index; else null.
   */
  static Integer isElementwise(GraphDef graph, NodeDef n) {
    if (n.outputType(0) != DType.FLOAT32) return null;
    int[] out = n.outputShape(0);
    if (UNARY.contains(n.op()) && n.numInputs() == 1) {
      return Arrays.equals(shapeOf(graph, n.input(0)), out) ? 0 : null;
    }
    if (BINARY.contains(n.op()) && n.numInputs() == 2) {
      for (int p = 0; p < 2; p++) {
        if (Arrays.equals(shapeOf(graph, n.input(p)), out) && simpleBroadcast(graph, n.input(1 - p), out)) return p;
      }
    }
    return null;
  }

  /** True when {@code tensor} is a scalar, or its shape (leading 1s removed) equals the trailing dims of {@code out}. */
  static boolean simpleBroadcast(GraphDef graph, String tensor, int[] out) {
    int[] s = shapeOf(graph, tensor);
    if (graph.node(NodeDef.nodeOf(tensor)).outputType(NodeDef.indexOf(tensor)) != DType.FLOAT32) return false;
    if (Arrays.equals(s, out)) return true;
    int lead = 0;
    while (lead < s.length && s[lead] == 1) lead++;
    int[] core = Arrays.copyOfRange(s, lead, s.length);
    if (core.length == 0) return true;
    if (core.length > out.length) return false;
    for (int i = 0; i < core.length; i++) {
      int d = core[i];
      int o = out[out.length - core.length + i];
      if (d != o || d < 0) return false;
    }
    return true;
  }

  static int[] shapeOf(GraphDef graph, String tensor) {
    return graph.node(NodeDef.nodeOf(tensor)).outputShape(NodeDef.indexOf(tensor));
  }

  private static boolean isWeight(GraphDef graph, String tensor) {
    return weightVariable(graph, tensor) != null;
  }

  /**
   * The Variable node whose values {@code tensor} holds, looking through Reshape and Identity (which keep the
   * row-major data as it is, as Conv1D's reshaped kernel does); null when the tensor is computed.
   */
  public static String weightVariable(GraphDef graph, String tensor) {
    NodeDef n = graph.node(NodeDef.nodeOf(tensor));
    while (n.op().equals("Reshape") || n.op().equals("Identity")) n = graph.node(NodeDef.nodeOf(n.input(0)));
    return n.op().equals("Variable") ? n.name() : null;
  }


  private static NodeDef soleReader(NodeDef n, Map<String, Integer> readers, Set<String> outputs,
      Map<String, List<NodeDef>> consumers) {
    String t = n.name() + ":0";
    if (outputs.contains(t) || readers.getOrDefault(t, 0) != 1) return null;
    List<NodeDef> c = consumers.get(t);
    return c == null || c.size() != 1 ? null : c.get(0);
  }

  static Map<String, Integer> countReaders(GraphDef graph) {
    Map<String, Integer> readers = new HashMap<>();
    for (NodeDef n : graph.nodes()) {
      for (String in : n.inputs()) readers.merge(in, 1, Integer::sum);
    }
    for (String o : graph.outputs()) readers.merge(o, 1, Integer::sum);
    return readers;
  }
}

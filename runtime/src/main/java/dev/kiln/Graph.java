package dev.kiln;

import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The static, logical (unfused) graph of a compiled model, for {@link Session#run}: look up the tensors to
 * feed and fetch by name. Every generated session class has {@code static Graph graph()}.
 *
 * <pre>{@code
 * Graph graph = KilnMlp.graph();
 * Output x = graph.placeholder("x");
 * Output hidden = graph.tensor("hidden/Relu:0");
 * }</pre>
 *
 * Immutable; safe to share between threads.
 */
public final class Graph {
  private final GraphDef def;
  private final Map<String, Operation> operations;
  private final List<Operation> ordered;
  private final List<Output> placeholders;
  private final List<Output> outputs;

  private Graph(GraphDef def) {
    this.def = def;
    LinkedHashMap<String, Operation> ops = new LinkedHashMap<String, Operation>();
    for (NodeDef n : def.nodes()) {
      List<Output> in = new ArrayList<Output>(n.numInputs());
      for (int i = 0; i < n.numInputs(); i++) {
        String t = n.input(i);
        in.add(ops.get(NodeDef.nodeOf(t)).output(NodeDef.indexOf(t)));
      }
      ops.put(n.name(), new Operation(n, in));
    }
    this.operations = Collections.unmodifiableMap(ops);
    this.ordered = Collections.unmodifiableList(new ArrayList<Operation>(ops.values()));
    List<Output> ph = new ArrayList<Output>();
    for (String p : def.placeholders()) ph.add(ops.get(p).output(0));
    this.placeholders = Collections.unmodifiableList(ph);
    List<Output> outs = new ArrayList<Output>();
    for (String o : def.outputs()) outs.add(tensor(o.indexOf(':') < 0 ? o + ":0" : o));
    this.outputs = Collections.unmodifiableList(outs);
  }

  /** The graph of {@code def}. */
  public static Graph of(GraphDef def) {
    if (def == null) throw new NullPointerException("def");
    return new Graph(def);
  }

  public GraphDef graphDef() {
    return def;
  }

  /**
   * The placeholder called {@code name} (a {@code @Call} parameter name; {@code "x"} or {@code "x:0"}).
   * {@link IllegalArgumentException} naming it and listing the placeholders when there is none.
   */
  public Output placeholder(String name) {
    String node = NodeDef.nodeOf(name);
    for (Output p : placeholders) {
      if (p.op().name().equals(node) && (node.equals(name) || p.name().equals(name))) return p;
    }
    Operation op = operations.get(node);
    String hint = op == null ? "" : " (" + node + " is a " + op.type() + ", not a Placeholder)";
    throw new IllegalArgumentException("no placeholder " + name + hint + "; placeholders are " + names(placeholders));
  }

  /** The placeholders, in {@code @Call} parameter order. */
  public List<Output> placeholders() {
    return placeholders;
  }

  /** The single output; {@link IllegalStateException} when the model returns several (use {@link #outputs()}). */
  public Output output() {
    if (outputs.size() != 1) {
      throw new IllegalStateException("the graph has " + outputs.size() + " outputs " + names(outputs) + ", use outputs()");
    }
    return outputs.get(0);
  }

  /** The outputs, in the order the {@code @Call} method returns them. */
  public List<Output> outputs() {
    return outputs;
  }

  /**
   * The tensor called {@code name} ({@code "hidden/Relu:0"}). {@link IllegalArgumentException} naming it when
   * there is none; when {@code name} is an operation the message says which tensor name to use.
   */
  public Output tensor(String name) {
    if (name == null) throw new IllegalArgumentException("tensor name is null");
    int colon = name.lastIndexOf(':');
    if (colon < 0) {
      Operation op = operations.get(name);
      if (op != null) {
        throw new IllegalArgumentException("no tensor " + name + ": " + name + " is an operation (" + op.type()
            + "); its " + (op.numOutputs() == 1 ? "output is " : "first output is ") + name + ":0");
      }
      throw new IllegalArgumentException("no tensor " + name + " in the graph (tensor names look like hidden/Relu:0)");
    }
    Operation op = operations.get(name.substring(0, colon));
    if (op == null) throw new IllegalArgumentException("no tensor " + name + " in the graph: no operation " + name.substring(0, colon));
    int index = NodeDef.indexOf(name);
    if (index < 0 || index >= op.numOutputs()) {
      throw new IllegalArgumentException("no tensor " + name + ": operation " + op.name() + " has " + op.numOutputs() + " output(s)");
    }
    return op.output(index);
  }

  /**
   * The operation called {@code name} ({@code "hidden/Relu"}). {@link IllegalArgumentException} naming it when
   * there is none, with a hint when {@code name} is a tensor name.
   */
  public Operation operation(String name) {
    if (name == null) throw new IllegalArgumentException("operation name is null");
    Operation op = operations.get(name);
    if (op != null) return op;
    Operation owner = operations.get(NodeDef.nodeOf(name));
    if (owner != null) {
      throw new IllegalArgumentException("no operation " + name + ": " + name + " is a tensor name; its operation is " + owner.name());
    }
    throw new IllegalArgumentException("no operation " + name + " in the graph");
  }

  /** All operations, in topological order (every input comes before the operations that read it). */
  public List<Operation> operations() {
    return ordered;
  }

  /**
   * A Graphviz description: one node per operation labelled with its name and type, one edge per input
   * labelled with the tensor's static shape. Render with {@code dot -Tsvg}.
   */
  public String toDot() {
    StringBuilder sb = new StringBuilder("digraph kiln {\n  node [shape=box, fontname=\"Helvetica\"];\n");
    for (Operation op : ordered) {
      sb.append("  ").append(quote(op.name())).append(" [label=").append(quote(op.name() + "\n" + op.type())).append("];\n");
    }
    for (Operation op : ordered) {
      for (Output in : op.inputs()) {
        String label = (in.index() == 0 ? "" : ":" + in.index() + " ") + Shapes.toString(in.shape());
        sb.append("  ").append(quote(in.op().name())).append(" -> ").append(quote(op.name()))
            .append(" [label=").append(quote(label)).append("];\n");
      }
    }
    return sb.append("}\n").toString();
  }

  @Override
  public String toString() {
    return def.toString();
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c == '\n') sb.append("\\n");
      else sb.append(c);
    }
    return sb.append('"').toString();
  }

  private static String names(List<Output> outs) {
    List<String> n = new ArrayList<String>();
    for (Output o : outs) n.add(o.name());
    return n.toString();
  }
}

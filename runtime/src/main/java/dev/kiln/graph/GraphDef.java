package dev.kiln.graph;

import dev.kiln.DType;
import dev.kiln.ops.OpRegistry;
import dev.kiln.ops.Sources;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A static graph: nodes in topological order, the placeholders in {@code @Call} parameter order, and the
 * output tensor names in the order the {@code @Call} method returns them. Built by the annotation
 * processor's tracer and re-created by generated code with {@link Builder}.
 */
public final class GraphDef {
  private final List<NodeDef> nodes;
  private final Map<String, NodeDef> byName;
  private final List<String> placeholders;
  private final List<String> outputs;

  private GraphDef(List<NodeDef> nodes, List<String> placeholders, List<String> outputs) {
    this.nodes = Collections.unmodifiableList(new ArrayList<NodeDef>(nodes));
    LinkedHashMap<String, NodeDef> map = new LinkedHashMap<String, NodeDef>();
    for (NodeDef n : nodes) {
      if (map.put(n.name(), n) != null) throw new IllegalArgumentException("duplicate node name " + n.name());
      for (String in : n.inputs()) {
        NodeDef src = map.get(NodeDef.nodeOf(in));
        if (src == null) throw new IllegalArgumentException(n.name() + ": input " + in + " is not defined before it");
        int idx = NodeDef.indexOf(in);
        if (idx < 0 || idx >= src.numOutputs()) throw new IllegalArgumentException(n.name() + ": no tensor " + in);
      }
    }
    this.byName = Collections.unmodifiableMap(map);
    for (String p : placeholders) {
      NodeDef n = map.get(p);
      if (n == null || !(n.op() instanceof Sources.Placeholder)) throw new IllegalArgumentException("no placeholder " + p);
    }
    for (String o : outputs) {
      NodeDef n = map.get(NodeDef.nodeOf(o));
      if (n == null) throw new IllegalArgumentException("no output tensor " + o);
    }
    this.placeholders = Collections.unmodifiableList(new ArrayList<String>(placeholders));
    this.outputs = Collections.unmodifiableList(new ArrayList<String>(outputs));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** All nodes, in topological order. */
  public List<NodeDef> nodes() {
    return nodes;
  }

  /** The node called {@code name}, or {@code null}. */
  public NodeDef node(String name) {
    return byName.get(name);
  }

  /** Placeholder node names, in {@code @Call} parameter order. */
  public List<String> placeholders() {
    return placeholders;
  }

  /** Output tensor names ({@code out/Softmax:0}), in return order. */
  public List<String> outputs() {
    return outputs;
  }

  /** Variable (weight) nodes, in creation order. */
  public List<NodeDef> variables() {
    List<NodeDef> out = new ArrayList<NodeDef>();
    for (NodeDef n : nodes) {
      if (n.op() instanceof Sources.Variable) out.add(n);
    }
    return out;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (NodeDef n : nodes) sb.append(n).append('\n');
    sb.append("outputs: ").append(outputs);
    return sb.toString();
  }

  /** Builds a graph node by node; generated sessions use it in their static initializer. */
  public static final class Builder {
    private final List<NodeDef> nodes = new ArrayList<NodeDef>();
    private final List<String> placeholders = new ArrayList<String>();
    private final List<String> outputs = new ArrayList<String>();

    public Builder add(NodeDef node) {
      nodes.add(node);
      if (node.op() instanceof Sources.Placeholder) placeholders.add(node.name());
      return this;
    }

    /**
     * Adds a node with one output, its op rebuilt from {@code type} and {@code attrs} by {@link OpRegistry}, its shape
     * written as {@link Dims#toString(Dim[])} writes it ({@code "[batch, 784]"}): the form of generated graph tables.
     */
    public Builder node(String name, String type, String[] inputs, Attrs attrs, String shape, DType dtype,
        String origin) {
      return add(new NodeDef(name, OpRegistry.decode(type, attrs), inputs, new Dim[][] {Dims.parse(shape)},
          new DType[] {dtype}, origin));
    }

    /**
     * Adds a node with one output whose shape is given as ints: {@code -1} at axis 0 is the batch, at axis 1 the time,
     * elsewhere a symbol named after the axis ({@code d3}). For hand-built graphs in tests.
     */
    public Builder node(String name, String type, String[] inputs, Attrs attrs, int[] shape, DType dtype,
        String origin) {
      Dim[] dims = new Dim[shape.length];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = shape[i] >= 0 ? Dim.of(shape[i]) : i == 0 ? Dim.BATCH : i == 1 ? Dim.TIME : Dim.symbol("d" + i);
      }
      return add(new NodeDef(name, OpRegistry.decode(type, attrs), inputs, new Dim[][] {dims}, new DType[] {dtype},
          origin));
    }

    /** Adds a node with several outputs, in graph-table form ({@link #node(String, String, String[], Attrs, String, DType, String)}). */
    public Builder node(String name, String type, String[] inputs, Attrs attrs, String[] shapes, DType[] dtypes,
        String origin) {
      Dim[][] dims = new Dim[shapes.length][];
      for (int i = 0; i < dims.length; i++) dims[i] = Dims.parse(shapes[i]);
      return add(new NodeDef(name, OpRegistry.decode(type, attrs), inputs, dims, dtypes, origin));
    }

    public Builder output(String tensorName) {
      outputs.add(tensorName);
      return this;
    }

    public GraphDef build() {
      // Placeholders are ordered by their index attribute, i.e. @Call parameter order.
      List<String> ordered = new ArrayList<String>(placeholders);
      final Map<String, Integer> index = new LinkedHashMap<String, Integer>();
      for (NodeDef n : nodes) {
        if (n.op() instanceof Sources.Placeholder) index.put(n.name(), ((Sources.Placeholder) n.op()).index());
      }
      Collections.sort(ordered, new java.util.Comparator<String>() {
        @Override
        public int compare(String a, String b) {
          return Integer.compare(index.get(a), index.get(b));
        }
      });
      return new GraphDef(nodes, ordered, outputs);
    }
  }
}

package dev.kiln.session;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.DType;
import dev.kiln.Graph;
import dev.kiln.Operation;
import dev.kiln.Output;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.GraphDef;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphTest {
  static final Graph GRAPH = Graph.of(TestGraphs.mlp());

  static List<String> names(List<Output> outs) {
    List<String> n = new ArrayList<>();
    for (Output o : outs) n.add(o.name());
    return n;
  }

  @Test
  void placeholdersInCallOrder() {
    GraphDef g = GraphDef.builder()
        .node("b", "Placeholder", TestGraphs.NONE, Attrs.of("index", 1), new int[] {2}, DType.INT32, null)
        .node("a", "Placeholder", TestGraphs.NONE, Attrs.of("index", 0), new int[] {-1}, DType.FLOAT32, null)
        .node("a_out", "Identity", new String[] {"a:0"}, Attrs.NONE, new int[] {-1}, DType.FLOAT32, null)
        .node("b_out", "Identity", new String[] {"b:0"}, Attrs.NONE, new int[] {2}, DType.INT32, null)
        .output("b_out:0")
        .output("a_out:0")
        .build();
    Graph graph = Graph.of(g);
    assertThat(names(graph.placeholders())).containsExactly("a:0", "b:0").inOrder();
    assertThat(names(graph.outputs())).containsExactly("b_out:0", "a_out:0").inOrder();
    IllegalStateException e = assertThrows(IllegalStateException.class, graph::output);
    assertThat(e).hasMessageThat().contains("2 outputs [b_out:0, a_out:0]");
    assertThat(graph.graphDef()).isSameInstanceAs(g);
  }

  @Test
  void placeholderLookup() {
    Output x = GRAPH.placeholder("x");
    assertThat(x.name()).isEqualTo("x:0");
    assertThat(GRAPH.placeholder("x:0")).isEqualTo(x);
    assertThat(x.shape()).isEqualTo(new int[] {-1, 3});
    assertThat(x.dtype()).isEqualTo(DType.FLOAT32);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GRAPH.placeholder("relu"));
    assertThat(e).hasMessageThat().isEqualTo("no placeholder relu (relu is a Relu, not a Placeholder); placeholders are [x:0]");
    e = assertThrows(IllegalArgumentException.class, () -> GRAPH.placeholder("y"));
    assertThat(e).hasMessageThat().isEqualTo("no placeholder y; placeholders are [x:0]");
  }

  @Test
  void tensorLookup() {
    Output relu = GRAPH.tensor("relu:0");
    assertThat(relu.op().name()).isEqualTo("relu");
    assertThat(relu.op().type()).isEqualTo("Relu");
    assertThat(relu.index()).isEqualTo(0);
    assertThat(relu.shape()).isEqualTo(new int[] {-1, 3});
    assertThat(relu).isEqualTo(GRAPH.operation("relu").output(0));
    assertThat(GRAPH.output()).isEqualTo(GRAPH.tensor("out:0"));
    assertThat(relu.toString()).isEqualTo("relu:0 float32[-1, 3]");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GRAPH.tensor("relu"));
    assertThat(e).hasMessageThat().isEqualTo("no tensor relu: relu is an operation (Relu); its output is relu:0");
    e = assertThrows(IllegalArgumentException.class, () -> GRAPH.tensor("hidden/Relu:0"));
    assertThat(e).hasMessageThat().contains("no tensor hidden/Relu:0");
    e = assertThrows(IllegalArgumentException.class, () -> GRAPH.tensor("relu:1"));
    assertThat(e).hasMessageThat().isEqualTo("no tensor relu:1: operation relu has 1 output(s)");
    e = assertThrows(IllegalArgumentException.class, () -> GRAPH.tensor("nope"));
    assertThat(e).hasMessageThat().contains("no tensor nope");
  }

  @Test
  void operationLookup() {
    Operation add = GRAPH.operation("add");
    assertThat(add.type()).isEqualTo("Add");
    assertThat(names(add.inputs())).containsExactly("x:0", "w:0").inOrder();
    assertThat(add.numOutputs()).isEqualTo(1);
    assertThat(add.origin()).isEqualTo("Tiny.java:11");
    assertThat(GRAPH.operation("out").origin()).isNull();
    assertThat(add.toString()).isEqualTo("add = Add(x:0, w:0)");
    assertThrows(IndexOutOfBoundsException.class, () -> add.output(1));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GRAPH.operation("add:0"));
    assertThat(e).hasMessageThat().isEqualTo("no operation add:0: add:0 is a tensor name; its operation is add");
    e = assertThrows(IllegalArgumentException.class, () -> GRAPH.operation("hidden/MatMul"));
    assertThat(e).hasMessageThat().isEqualTo("no operation hidden/MatMul in the graph");
  }

  @Test
  void operationsInTopologicalOrder() {
    List<String> n = new ArrayList<>();
    for (Operation op : GRAPH.operations()) n.add(op.name() + "/" + op.type());
    assertThat(n).containsExactly("x/Placeholder", "w/Variable", "add/Add", "relu/Relu", "out/Identity").inOrder();
  }

  @Test
  void equalObjectsForTheSameNames() {
    Graph again = Graph.of(TestGraphs.mlp());
    assertThat(again.tensor("relu:0")).isEqualTo(GRAPH.tensor("relu:0"));
    assertThat(again.tensor("relu:0").hashCode()).isEqualTo(GRAPH.tensor("relu:0").hashCode());
    assertThat(again.operation("relu")).isEqualTo(GRAPH.operation("relu"));
    assertThat(again.operation("relu").hashCode()).isEqualTo(GRAPH.operation("relu").hashCode());
    assertThat(GRAPH.tensor("relu:0")).isNotEqualTo(GRAPH.tensor("add:0"));
    assertThat(GRAPH.operation("relu").inputs().get(0)).isSameInstanceAs(GRAPH.tensor("add:0"));
  }

  @Test
  void toDotHasNodesAndShapeLabelledEdges() {
    String dot = GRAPH.toDot();
    assertThat(dot).startsWith("digraph ");
    assertThat(dot).contains("\"relu\" [label=\"relu\\nRelu\"];");
    assertThat(dot).contains("\"x\" [label=\"x\\nPlaceholder\"];");
    assertThat(dot).contains("\"add\" -> \"relu\" [label=\"[-1, 3]\"];");
    assertThat(dot).contains("\"w\" -> \"add\" [label=\"[3]\"];");
    assertThat(dot).contains("\"x\" -> \"add\"");
    assertThat(dot.trim()).endsWith("}");
  }
}

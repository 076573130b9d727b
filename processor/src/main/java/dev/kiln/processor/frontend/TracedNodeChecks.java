package dev.kiln.processor.frontend;

import com.sun.source.tree.Tree;
import dev.kiln.Shapes;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.processor.check.BatchDimensionCheck;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the graph nodes one statement traced, so a graph the compiled session could not run is an error at
 * the statement that made it rather than at the end: the batch rule, sizes that do not fit a Java array, and the
 * size budget of the whole graph.
 */
final class TracedNodeChecks {
  private final UnrollBudget budget;
  /** Every node traced so far by name, for the shapes of a node's inputs. */
  private final Map<String, NodeDef> byName = new HashMap<>();
  private int indexed;

  TracedNodeChecks(UnrollBudget budget) {
    this.budget = budget;
  }

  /** Checks the nodes recorded since {@code before}; throws the first problem at {@code statement}. */
  void check(Tracer tracer, int before, Frame frame, Tree statement) {
    int size = tracer.size();
    if (size == before) return;
    budget.graphHas(size, frame, statement);
    List<NodeDef> all = tracer.nodes();
    for (NodeDef n : all.subList(indexed, size)) byName.put(n.name(), n);
    indexed = size;
    for (NodeDef n : all.subList(before, size)) {
      String problem = BatchDimensionCheck.check(n, this::staticShape);
      if (problem == null) problem = tooLarge(n);
      if (problem != null) throw frame.error(problem, statement);
    }
  }

  private int[] staticShape(String tensor) {
    NodeDef n = byName.get(NodeDef.nodeOf(tensor));
    return n == null ? new int[0] : n.outputShape(NodeDef.indexOf(tensor));
  }

  /**
   * Weights and per-example activations live in one Java array each, so more than 2^31-1 values cannot exist; the
   * runtime would only find out when a session allocates them.
   */
  private static String tooLarge(NodeDef n) {
    for (int i = 0; i < n.numOutputs(); i++) {
      int[] shape = n.outputShape(i);
      long count = 1;
      for (int d : shape) {
        if (d > 0) count *= d;
        if (count > Integer.MAX_VALUE) break;
      }
      if (count <= Integer.MAX_VALUE) continue;
      if (n.op().equals("Variable")) {
        return "weight " + n.name() + " has shape " + Shapes.toString(shape) + ", " + elements(shape)
            + " elements: a weight is one Java array, which holds at most 2,147,483,647";
      }
      boolean perExample = shape.length > 0 && shape[0] == -1;
      return n.name() + " would have shape " + Shapes.toString(shape) + ", more than 2,147,483,647 values"
          + (perExample ? " per example" : "") + ": a tensor is one Java array, which cannot hold them";
    }
    return null;
  }

  private static String elements(int[] shape) {
    java.math.BigInteger n = java.math.BigInteger.ONE;
    for (int d : shape) n = n.multiply(java.math.BigInteger.valueOf(d));
    return String.format("%,d", n);
  }
}

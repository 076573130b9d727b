package dev.kiln.processor.frontend;

import com.sun.source.tree.Tree;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.processor.check.BatchDimensionCheck;

/**
 * Checks the graph nodes one statement traced, so a graph the compiled session could not run is an error at
 * the statement that made it rather than at the end.
 */
final class TracedNodeChecks {
  /** Checks the nodes recorded since {@code before}; throws the first problem at {@code statement}. */
  void check(Tracer tracer, int before, Frame frame, Tree statement) {
    for (NodeDef n : tracer.nodesFrom(before)) {
      String problem = BatchDimensionCheck.check(n, this::staticShape);
      if (problem != null) throw frame.error(problem, statement);
    }
  }

  private int[] staticShape(String tensor) {
    NodeDef n = null;
    for (NodeDef candidate : Tracer.require().nodesFrom(0)) {
      if (candidate.name().equals(NodeDef.nodeOf(tensor))) n = candidate;
    }
    return n == null ? new int[0] : n.outputShape(NodeDef.indexOf(tensor));
  }
}

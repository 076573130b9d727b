package dev.kiln.processor.frontend;

import com.sun.source.tree.Tree;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;

/**
 * Checks the graph nodes one statement traced, so a graph the compiled session could not run is an error at the
 * statement that made it rather than at the end: sizes that do not fit a Java array, and the size budget of the whole
 * graph. (What needs a run-time dimension's value at compile time, the ops' shape functions reject themselves.)
 */
final class TracedNodeChecks {
  private final UnrollBudget budget;

  TracedNodeChecks(UnrollBudget budget) {
    this.budget = budget;
  }

  /** Checks the nodes recorded since {@code before}; throws the first problem at {@code statement}. */
  void check(Tracer tracer, int before, Frame frame, Tree statement) {
    int size = tracer.size();
    if (size == before) return;
    budget.graphHas(size, frame, statement);
    for (NodeDef n : tracer.nodesFrom(before)) {
      String problem = tooLarge(n);
      if (problem != null) throw frame.error(problem, statement);
    }
  }

  /**
   * Activations live in one Java array each, so more than 2^31-1 values cannot exist (per unit of the run-time
   * dimensions, already); the runtime would only find out when a session allocates them. (The tracer refuses such
   * weights when they are created.)
   */
  private static String tooLarge(NodeDef n) {
    for (int i = 0; i < n.numOutputs(); i++) {
      Dim[] shape = n.outputDims(i);
      long count = 1;
      for (Dim d : shape) {
        count *= Math.max(d.coefficient(), 1);
        if (count > Integer.MAX_VALUE) break;
      }
      if (count <= Integer.MAX_VALUE) continue;
      boolean perExample = !Dims.isConstant(shape);
      return n.name() + " would have shape " + Dims.toString(shape) + ", more than 2,147,483,647 values"
          + (perExample ? " per example" : "") + ": a tensor is one Java array, which cannot hold them";
    }
    return null;
  }
}

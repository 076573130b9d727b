package dev.kiln.graph;

/** The graph value behind a symbolic {@link dev.kiln.Tensor}: output {@code index} of node {@code node}. */
public final class SymbolicValue {
  private final NodeDef node;
  private final int index;

  SymbolicValue(NodeDef node, int index) {
    this.node = node;
    this.index = index;
  }

  public NodeDef node() {
    return node;
  }

  public int index() {
    return index;
  }

  /** The static shape, with its run-time dimensions. */
  public Dim[] dims() {
    return node.outputDims(index);
  }

  /** The tensor name, {@code hidden/Relu:0}. */
  public String name() {
    return node.name() + ":" + index;
  }
}

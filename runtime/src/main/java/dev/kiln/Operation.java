package dev.kiln;

import dev.kiln.graph.NodeDef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An operation (node) of a static {@link Graph}: a Keras-style scoped name ({@code hidden/MatMul}), an op
 * type ({@code MatMul}), the tensors it reads and the tensors it produces. Fetching an operation runs it and
 * gives {@code null}, as in TensorFlow 1. Two operations are equal when they have the same name.
 */
public final class Operation {
  private final NodeDef node;
  private final List<Output> inputs;
  private final List<Output> outputs;

  Operation(NodeDef node, List<Output> inputs) {
    this.node = node;
    this.inputs = Collections.unmodifiableList(new ArrayList<Output>(inputs));
    List<Output> outs = new ArrayList<Output>(node.numOutputs());
    for (int i = 0; i < node.numOutputs(); i++) outs.add(new Output(this, i, node.outputShape(i), node.outputType(i)));
    this.outputs = Collections.unmodifiableList(outs);
  }

  public String name() {
    return node.name();
  }

  /** The op type, {@code MatMul}, {@code Placeholder}, {@code Variable}, ... */
  public String type() {
    return node.opType();
  }

  /** The tensors this operation reads, in argument order. */
  public List<Output> inputs() {
    return inputs;
  }

  public int numOutputs() {
    return outputs.size();
  }

  /** Output {@code i}; {@link IndexOutOfBoundsException} naming the operation when there is none. */
  public Output output(int i) {
    if (i < 0 || i >= outputs.size()) {
      throw new IndexOutOfBoundsException("operation " + name() + " has " + outputs.size() + " output(s), no output " + i);
    }
    return outputs.get(i);
  }

  /** Where in the model's source this operation was recorded ({@code Mlp.java:12}), or {@code null}. */
  public String origin() {
    return node.origin();
  }

  NodeDef nodeDef() {
    return node;
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof Operation && ((Operation) o).name().equals(name()));
  }

  @Override
  public int hashCode() {
    return name().hashCode();
  }

  /** {@code hidden/Relu = Relu(hidden/BiasAdd:0)}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name()).append(" = ").append(type()).append('(');
    for (int i = 0; i < inputs.size(); i++) {
      if (i > 0) sb.append(", ");
      sb.append(inputs.get(i).name());
    }
    return sb.append(')').toString();
  }
}

package dev.kiln.graph;

import dev.kiln.DType;
import dev.kiln.ops.Op;

/**
 * One node of a static graph: a name ({@code hidden/MatMul}), its typed {@link Op} (type and attributes), the tensor
 * names it reads ({@code x:0}), and the static shape and dtype of each output, whose dimensions may be run-time
 * symbols ({@code [batch, 128]}). {@code origin} says where the node came from in the user's source
 * ({@code Mlp.java:12}), or is {@code null}.
 */
public final class NodeDef {
  private final String name;
  private final Op op;
  private final String[] inputs;
  private final Dim[][] outputShapes;
  private final DType[] outputTypes;
  private final String origin;

  public NodeDef(String name, Op op, String[] inputs, Dim[][] outputShapes, DType[] outputTypes, String origin) {
    if (outputShapes.length != outputTypes.length) {
      throw new IllegalArgumentException(name + ": " + outputShapes.length + " shapes for " + outputTypes.length + " dtypes");
    }
    this.name = name;
    this.op = op;
    this.inputs = inputs.clone();
    Dim[][] shapes = new Dim[outputShapes.length][];
    for (int i = 0; i < shapes.length; i++) shapes[i] = outputShapes[i].clone();
    this.outputShapes = shapes;
    this.outputTypes = outputTypes.clone();
    this.origin = origin;
  }

  public String name() {
    return name;
  }

  /** The typed op: what this node computes. */
  public Op op() {
    return op;
  }

  /** The op type, {@code MatMul}. */
  public String opType() {
    return op.type();
  }

  /** The op's attributes as data. */
  public Attrs attrs() {
    return op.attrs();
  }

  public int numInputs() {
    return inputs.length;
  }

  /** Tensor name of input {@code i} ({@code node:k}). */
  public String input(int i) {
    return inputs[i];
  }

  public String[] inputs() {
    return inputs.clone();
  }

  public int numOutputs() {
    return outputShapes.length;
  }

  /** The static shape of output {@code i}, with its run-time dimensions. */
  public Dim[] outputDims(int i) {
    return outputShapes[i].clone();
  }

  /** The static shape of output {@code i} as ints: {@code -1} for a run-time dimension. */
  public int[] outputShape(int i) {
    return Dims.toInts(outputShapes[i]);
  }

  public DType outputType(int i) {
    return outputTypes[i];
  }

  public String origin() {
    return origin;
  }

  /** Splits a tensor name {@code a/b:1} into node name and index ({@code a/b} alone means index 0). */
  public static String nodeOf(String tensorName) {
    int colon = tensorName.lastIndexOf(':');
    return colon < 0 ? tensorName : tensorName.substring(0, colon);
  }

  /** The output index of a tensor name; {@code -1} when the suffix is not a number. */
  public static int indexOf(String tensorName) {
    int colon = tensorName.lastIndexOf(':');
    if (colon < 0) return 0;
    try {
      return Integer.parseInt(tensorName.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name).append(" = ").append(op.type()).append('(');
    for (int i = 0; i < inputs.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(inputs[i]);
    }
    sb.append(')');
    if (!op.attrs().asMap().isEmpty()) sb.append(' ').append(op.attrs());
    sb.append(" -> ");
    for (int i = 0; i < outputShapes.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(outputTypes[i].kerasName()).append(Dims.toString(outputShapes[i]));
    }
    return sb.toString();
  }
}

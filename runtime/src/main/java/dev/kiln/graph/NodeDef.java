package dev.kiln.graph;

import dev.kiln.DType;
import dev.kiln.Shapes;

/**
 * One node of a static graph: a name ({@code hidden/MatMul}), an op type ({@code MatMul}), the tensor names it
 * reads ({@code x:0}), attributes, and the static shape and dtype of each output ({@code -1} for run-time
 * dimensions). {@code origin} says where the node came from in the user's source ({@code Mlp.java:12}), or is
 * {@code null}.
 *
 * <p>Special op types: {@code Placeholder} (attr {@code index}: the {@code @Call} parameter position) and
 * {@code Variable} (a weight; attr {@code initializer}: an {@link dev.kiln.Initializer} spec).
 */
public final class NodeDef {
  private final String name;
  private final String op;
  private final String[] inputs;
  private final Attrs attrs;
  private final int[][] outputShapes;
  private final DType[] outputTypes;
  private final String origin;

  public NodeDef(String name, String op, String[] inputs, Attrs attrs, int[][] outputShapes, DType[] outputTypes, String origin) {
    if (outputShapes.length != outputTypes.length) {
      throw new IllegalArgumentException(name + ": " + outputShapes.length + " shapes for " + outputTypes.length + " dtypes");
    }
    this.name = name;
    this.op = op;
    this.inputs = inputs.clone();
    this.attrs = attrs;
    int[][] shapes = new int[outputShapes.length][];
    for (int i = 0; i < shapes.length; i++) shapes[i] = outputShapes[i].clone();
    this.outputShapes = shapes;
    this.outputTypes = outputTypes.clone();
    this.origin = origin;
  }

  public String name() {
    return name;
  }

  public String op() {
    return op;
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

  public Attrs attrs() {
    return attrs;
  }

  public int numOutputs() {
    return outputShapes.length;
  }

  public int[] outputShape(int i) {
    return outputShapes[i].clone();
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
    StringBuilder sb = new StringBuilder(name).append(" = ").append(op).append('(');
    for (int i = 0; i < inputs.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(inputs[i]);
    }
    sb.append(')');
    if (!attrs.asMap().isEmpty()) sb.append(' ').append(attrs);
    sb.append(" -> ");
    for (int i = 0; i < outputShapes.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(outputTypes[i].kerasName()).append(Shapes.toString(outputShapes[i]));
    }
    return sb.toString();
  }
}

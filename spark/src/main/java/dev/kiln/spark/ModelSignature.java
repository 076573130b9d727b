package dev.kiln.spark;

import dev.kiln.DType;
import dev.kiln.Graph;
import dev.kiln.Output;
import dev.kiln.Shapes;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link KilnTransformer} needs to know of a model, read from its {@link Graph}: each placeholder's name,
 * dtype and static shape, and the output's. Every dimension but the batch (the first, {@code -1}) must be static,
 * so a row of a column holds exactly {@link #inputSize(int)} values.
 */
final class ModelSignature implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] inputNames;
  private final DType[] inputTypes;
  private final int[][] inputShapes;
  private final String outputName;
  private final int[] outputShape;

  private ModelSignature(String[] inputNames, DType[] inputTypes, int[][] inputShapes, String outputName, int[] outputShape) {
    this.inputNames = inputNames;
    this.inputTypes = inputTypes;
    this.inputShapes = inputShapes;
    this.outputName = outputName;
    this.outputShape = outputShape;
  }

  /** The signature of {@code graph}; {@link IllegalArgumentException} for a model this transformer cannot score. */
  static ModelSignature of(Graph graph) {
    List<Output> placeholders = graph.placeholders();
    int n = placeholders.size();
    String[] names = new String[n];
    DType[] types = new DType[n];
    int[][] shapes = new int[n][];
    for (int i = 0; i < n; i++) {
      Output p = placeholders.get(i);
      names[i] = p.op().name();
      types[i] = p.dtype();
      shapes[i] = p.shape();
      requireBatchedStatic("placeholder " + names[i], p.dtype(), shapes[i]);
      if (types[i] != DType.FLOAT32 && types[i] != DType.INT32) {
        throw new IllegalArgumentException("Kiln: KilnTransformer feeds float32 and int32 placeholders, but placeholder "
            + names[i] + " is " + types[i].kerasName() + Shapes.toString(shapes[i]));
      }
    }
    List<Output> outputs = graph.outputs();
    if (outputs.size() != 1) {
      List<String> outNames = new ArrayList<>();
      for (Output o : outputs) outNames.add(o.name());
      throw new IllegalArgumentException("Kiln: KilnTransformer scores models with one output; this model has "
          + outputs.size() + " " + outNames);
    }
    Output out = outputs.get(0);
    requireBatchedStatic("output " + out.name(), out.dtype(), out.shape());
    return new ModelSignature(names, types, shapes, out.name(), out.shape());
  }

  private static void requireBatchedStatic(String what, DType dtype, int[] shape) {
    boolean ok = shape.length >= 1 && shape[0] == -1;
    for (int d = 1; d < shape.length; d++) ok &= shape[d] >= 0;
    if (!ok) {
      throw new IllegalArgumentException("Kiln: KilnTransformer needs a batch dimension -1 first and static dimensions"
          + " after it, but " + what + " is " + dtype.kerasName() + Shapes.toString(shape));
    }
  }

  int inputCount() {
    return inputNames.length;
  }

  String inputName(int i) {
    return inputNames[i];
  }

  DType inputType(int i) {
    return inputTypes[i];
  }

  /** Values per row of input {@code i}: the product of its non-batch dimensions. */
  int inputSize(int i) {
    return rowSize(inputShapes[i]);
  }

  /** {@code [rows, d1, d2, ...]}: the shape of a batch of {@code rows} rows of input {@code i}. */
  int[] inputShape(int i, int rows) {
    int[] s = inputShapes[i].clone();
    s[0] = rows;
    return s;
  }

  /** {@code placeholder image float32[-1, 28, 28, 1]}, for messages. */
  String describeInput(int i) {
    return "placeholder " + inputNames[i] + " " + inputTypes[i].kerasName() + Shapes.toString(inputShapes[i]);
  }

  String outputName() {
    return outputName;
  }

  /** Values per row of the output. */
  int outputSize() {
    return rowSize(outputShape);
  }

  private static int rowSize(int[] shape) {
    int n = 1;
    for (int d = 1; d < shape.length; d++) n *= shape[d];
    return n;
  }
}

package dev.kiln.processor.ir;

import dev.kiln.DType;
import dev.kiln.graph.GraphDef;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Everything code generation needs to know about one compilation root, as plain Java values: the traced static
 * graph, the {@code @Call} signature, where each op came from in the user's source, and how to reach every layer
 * of an eager model instance (for {@code loadInto}). Built by the front end; unit tests may build it by hand.
 */
public final class ModelIr {
  /** A {@code @Call} tensor parameter: a placeholder. */
  public static final class Input {
    public final String name;
    public final DType dtype;
    public final int[] shape;

    public Input(String name, DType dtype, int[] shape) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape.clone();
    }
  }

  /** A layer of the model: its weight scope and the Java expression that reaches it from the model. */
  public static final class LayerRef {
    public final String path;
    public final String access;

    public LayerRef(String path, String access) {
      this.path = path;
      this.access = access;
    }
  }

  public final String packageName;
  /** The model's name as written in Java source relative to its package ({@code Outer.Inner}). */
  public final String modelName;
  public final String sourceFile;
  public final String callMethod;
  public final List<Input> inputs;
  public final boolean returnsArray;
  public final GraphDef graph;
  /** Origin ({@code Mlp.java:12}) to the statement's text ({@code h = hidden.apply(x);}). */
  public final Map<String, String> sourceText;
  public final List<LayerRef> layers;

  public ModelIr(String packageName, String modelName, String sourceFile, String callMethod, List<Input> inputs,
      boolean returnsArray, GraphDef graph, Map<String, String> sourceText, List<LayerRef> layers) {
    this.packageName = packageName;
    this.modelName = modelName;
    this.sourceFile = sourceFile;
    this.callMethod = callMethod;
    this.inputs = Collections.unmodifiableList(inputs);
    this.returnsArray = returnsArray;
    this.graph = graph;
    this.sourceText = Collections.unmodifiableMap(sourceText);
    this.layers = Collections.unmodifiableList(layers);
  }

  /** {@code KilnMlp}, or {@code KilnOuter_Inner} for a nested class. */
  public String sessionClassName() {
    return "Kiln" + modelName.replace('.', '_');
  }
}

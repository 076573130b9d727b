package dev.kiln;

import dev.kiln.graph.Tracer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The base class of every layer, built-in or user-written (Keras {@code Layer}).
 *
 * <p>{@code apply(...)} is Keras {@code __call__}: on first use it calls {@link #build(TensorShape)} with the
 * input's shape, then the matching {@code call(...)}. A user layer overrides {@code build} to create weights
 * with {@link #addWeight} and one {@code call} overload, marked {@link Call}:
 *
 * <pre>{@code
 * public final class ScaleShift extends AbstractLayer {
 *   private Tensor gamma;
 *   protected void build(TensorShape s) { gamma = addWeight("gamma", Initializers.ones(), s.dim(-1)); }
 *   @Call protected Tensor call(Tensor x) { return Ops.multiply(x, gamma); }
 * }
 * }</pre>
 *
 * <p>The overloads delegate so that a layer needs to override only one: {@code call(x, training)} falls back to
 * {@code call(x)}, which falls back to {@code call(Tensor...)}; {@code call(a, b)} falls back to
 * {@code call(Tensor...)}.
 */
public abstract class AbstractLayer {
  private final LinkedHashMap<String, Tensor> weights = new LinkedHashMap<String, Tensor>();
  private boolean built;
  private String weightScope;
  private Weights weightSource;

  // ---- Keras __call__ -------------------------------------------------------------------------------------

  public final Tensor apply(Tensor x) {
    ensureBuilt(x);
    return call(x, false);
  }

  public final Tensor apply(Tensor x, boolean training) {
    ensureBuilt(x);
    return call(x, training);
  }

  public final Tensor apply(Tensor a, Tensor b) {
    ensureBuilt(a);
    return call(a, b);
  }

  public final Tensor apply(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException(getClass().getSimpleName() + ".apply needs at least one input");
    ensureBuilt(inputs[0]);
    if (inputs.length == 1) return call(inputs[0], false);
    if (inputs.length == 2) return call(inputs[0], inputs[1]);
    return call(inputs);
  }

  // ---- to override ------------------------------------------------------------------------------------------

  /** Creates the weights, given the static shape of the (first) input. Called once, on first {@code apply}. */
  protected void build(TensorShape inputShape) {}

  protected Tensor call(Tensor x, boolean training) {
    return call(x);
  }

  protected Tensor call(Tensor x) {
    return call(new Tensor[] {x});
  }

  protected Tensor call(Tensor a, Tensor b) {
    return call(new Tensor[] {a, b});
  }

  protected Tensor call(Tensor... inputs) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not override a call(...) method for " + inputs.length + " input(s)");
  }

  // ---- weights ------------------------------------------------------------------------------------------------

  /**
   * Creates a float weight (Keras {@code add_weight}). Eagerly it holds the initializer's values, or the values
   * of {@code scope/name} when weights were given with {@link #loadWeights}; while tracing it is a graph
   * variable named {@code scope/name}.
   */
  protected final Tensor addWeight(String name, Initializer initializer, int... shape) {
    Tracer tracer = Tracer.active();
    if (tracer != null) return tracer.variable(name, DType.FLOAT32, shape, initializer);
    if (weights.containsKey(name)) throw new IllegalArgumentException("weight '" + name + "' is added twice");
    Tensor value;
    if (weightSource != null) {
      value = copyOf(weightSource, qualified(name), shape);
    } else {
      value = Tensor.wrap(initializer.generate(shape, new Random().nextLong()), shape);
    }
    weights.put(name, value);
    return value;
  }

  /** The weights created so far, by local name ({@code kernel}), in creation order. */
  public final Map<String, Tensor> weights() {
    return Collections.unmodifiableMap(weights);
  }

  /**
   * Gives this layer the weights stored under {@code scope/<name>} in {@code source}: now for weights already
   * built, on {@code build} for the others. Generated {@code Kiln<Model>.loadInto} calls it for every layer.
   */
  public final void loadWeights(String scope, Weights source) {
    this.weightScope = scope;
    this.weightSource = source;
    for (Map.Entry<String, Tensor> e : weights.entrySet()) {
      Tensor current = e.getValue();
      Tensor loaded = copyOf(source, qualified(e.getKey()), current.shape());
      System.arraycopy(loaded.floatBuffer(), 0, current.floatBuffer(), 0, current.size());
    }
  }

  /** True after the first {@code apply}. */
  public final boolean isBuilt() {
    return built;
  }

  private void ensureBuilt(Tensor input) {
    if (!built) {
      build(input.tensorShape());
      built = true;
    }
  }

  private String qualified(String name) {
    return weightScope == null || weightScope.isEmpty() ? name : weightScope + "/" + name;
  }

  private static Tensor copyOf(Weights source, String name, int[] shape) {
    Tensor t = source.get(name);
    if (!java.util.Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          "weight " + name + " has shape " + Shapes.toString(t.shape()) + ", expected " + Shapes.toString(shape));
    }
    if (t.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("weight " + name + " has dtype " + t.dtype().kerasName() + ", expected float32");
    }
    return Tensor.of(t.toFloatArray(), shape);
  }
}

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
 * <p>The overloads delegate so that a layer needs to override only one: {@code call(x, training, mask)} falls back to
 * {@code call(x, training)}, which falls back to {@code call(x)}, which falls back to {@code call(Tensor...)};
 * {@code call(a, b)} falls back to {@code call(Tensor...)}.
 *
 * <p>Masks follow Keras 3: {@code apply} hands {@code call} the mask given to it or the input's ({@link Tensor#mask()}),
 * and the output carries {@link #computeMask}'s result unless {@code call} attached a mask itself. A layer passes masks
 * on by overriding {@link #supportsMasking()}, or computes its own by overriding {@link #computeMask}.
 */
public abstract class AbstractLayer {
  private final LinkedHashMap<String, Tensor> weights = new LinkedHashMap<String, Tensor>();
  /** Layers this one owns and applies itself (a wrapper's {@code forward_layer}), by their path segment. */
  private final LinkedHashMap<String, AbstractLayer> sublayers = new LinkedHashMap<String, AbstractLayer>();
  /** The path segment under the owning layer, for layers registered with {@link #sublayer}; null otherwise. */
  private String segment;
  private boolean built;
  private String weightScope;
  private Weights weightSource;

  // ---- Keras __call__ -------------------------------------------------------------------------------------

  public final Tensor apply(Tensor x) {
    return apply(x, false, null);
  }

  public final Tensor apply(Tensor x, boolean training) {
    return apply(x, training, null);
  }

  /**
   * Applies the layer with an explicit Keras mask ({@code layer(x, mask=m)}); {@code null} uses {@code x.mask()}. The
   * output carries the mask {@link #computeMask} gives, unless {@code call} already attached one.
   */
  public final Tensor apply(Tensor x, boolean training, Tensor mask) {
    return applyAll(x, training, mask)[0];
  }

  public final Tensor apply(Tensor a, Tensor b) {
    return applyInputs(new Tensor[] {a, b});
  }

  public final Tensor apply(Tensor... inputs) {
    if (inputs.length == 0) throw new IllegalArgumentException(getClass().getSimpleName() + ".apply needs at least one input");
    if (inputs.length == 1) return apply(inputs[0], false, null);
    return applyInputs(inputs);
  }

  /** All outputs of a layer with several ({@code [output, h, c]} of an LSTM with {@code returnState}). */
  public final Tensor[] applyAll(Tensor x) {
    return applyAll(x, false, null);
  }

  public final Tensor[] applyAll(Tensor x, boolean training) {
    return applyAll(x, training, null);
  }

  /**
   * All outputs, with an explicit mask ({@code null}: {@code x.mask()}). The first output carries {@link #computeMask}'s
   * mask unless {@code call} attached one, as Keras' {@code _set_mask_metadata} does for a single output; the others
   * (RNN states) carry none.
   */
  public final Tensor[] applyAll(Tensor x, boolean training, Tensor mask) {
    Tensor previous = mask != null ? mask : x.mask();
    Tracer tracer = enterScope();
    try {
      ensureBuilt(x);
      Tensor[] out = callAll(x, training, previous);
      if (out.length > 0 && out[0].mask() == null) {
        Tensor m = computeMask(x, previous);
        if (m != null) out[0] = out[0].withMask(m);
      }
      return out;
    } finally {
      if (tracer != null) tracer.popScope();
    }
  }

  private Tensor applyInputs(Tensor[] inputs) {
    Tracer tracer = enterScope();
    try {
      if (!built) {
        TensorShape[] shapes = new TensorShape[inputs.length];
        for (int i = 0; i < shapes.length; i++) shapes[i] = inputs[i].tensorShape();
        build(shapes);
        built = true;
      }
      Tensor out = inputs.length == 2 ? call(inputs[0], inputs[1]) : call(inputs);
      if (out.mask() == null) {
        Tensor[] masks = new Tensor[inputs.length];
        for (int i = 0; i < masks.length; i++) masks[i] = inputs[i].mask();
        Tensor m = computeMask(inputs, masks);
        if (m != null) out = out.withMask(m);
      }
      return out;
    } finally {
      if (tracer != null) tracer.popScope();
    }
  }

  /** A sublayer's graph nodes and weights live under its owner's scope plus its segment ({@code bi/forward_layer}). */
  private Tracer enterScope() {
    Tracer tracer = segment == null ? null : Tracer.active();
    if (tracer != null) {
      String scope = tracer.scope();
      tracer.pushScope(scope.isEmpty() ? segment : scope + "/" + segment);
    }
    return tracer;
  }

  // ---- to override ------------------------------------------------------------------------------------------

  /** Creates the weights, given the static shape of the (first) input. Called once, on first {@code apply}. */
  protected void build(TensorShape inputShape) {}

  /**
   * Creates the weights of a layer applied to several inputs, given all their shapes (Keras' {@code build(query_shape,
   * value_shape)}); by default {@link #build(TensorShape)} of the first.
   */
  protected void build(TensorShape[] inputShapes) {
    build(inputShapes[0]);
  }

  /**
   * Keras' {@code call(inputs, training, mask)}: {@code mask} is the one given to {@code apply} or the input's own
   * ({@code null} when there is none). Falls back to {@code call(x, training)}, which ignores it.
   */
  protected Tensor call(Tensor inputs, boolean training, Tensor mask) {
    return call(inputs, training);
  }

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

  /** Every output of a layer with several; by default the one of {@code call(inputs, training, mask)}. */
  protected Tensor[] callAll(Tensor inputs, boolean training, Tensor mask) {
    return new Tensor[] {call(inputs, training, mask)};
  }

  // ---- masks --------------------------------------------------------------------------------------------------

  /**
   * Whether the layer passes the input's mask on to its output (Keras {@code supports_masking}); {@code false} by
   * default: the mask is dropped, as Keras 3 does for layers that neither support nor compute masks.
   */
  public boolean supportsMasking() {
    return false;
  }

  /**
   * The mask of the output for {@code inputs} whose mask is {@code mask} (Keras {@code compute_mask}); {@code null} for
   * none. By default the input's mask when {@link #supportsMasking()}, else none; a layer that overrides this needs
   * nothing else.
   */
  public Tensor computeMask(Tensor inputs, Tensor mask) {
    return supportsMasking() ? mask : null;
  }

  /**
   * The output mask of a layer applied to several inputs, given their masks (any may be null); by default the first
   * input's when {@link #supportsMasking()}, as Keras' default {@code compute_mask} returns the list of masks and the
   * single output takes the first.
   */
  public Tensor computeMask(Tensor[] inputs, Tensor[] masks) {
    return supportsMasking() ? masks[0] : null;
  }

  // ---- sublayers ----------------------------------------------------------------------------------------------

  /**
   * Registers {@code layer} as owned by this one under the path segment {@code name}: its weights are
   * {@code <this layer's path>/name/...} and its graph nodes are scoped so (Keras' attribute names:
   * {@code forward_layer}, {@code layer}). Call it in the constructor; returns the layer.
   */
  protected final <L extends AbstractLayer> L sublayer(String name, L layer) {
    AbstractLayer l = layer;
    if (l.segment != null) {
      throw new IllegalArgumentException(l.getClass().getSimpleName() + " is already a sublayer (" + l.segment
          + ") of another layer");
    }
    if (sublayers.containsKey(name)) throw new IllegalArgumentException("sublayer '" + name + "' is added twice");
    l.segment = name;
    sublayers.put(name, l);
    // a sublayer created in build() after loadWeights() still loads its weights
    if (weightSource != null) l.loadWeights(childScope(name), weightSource);
    return layer;
  }

  /**
   * Keras' {@code layer.call(...)} on another layer without {@code __call__}'s mask handling (a wrapper calling the
   * layer it wraps, as {@code TimeDistributed} does): builds it on first use, in its own scope.
   */
  protected static Tensor callWithoutMaskMetadata(AbstractLayer layer, Tensor x, boolean training, Tensor mask) {
    Tracer tracer = layer.enterScope();
    try {
      layer.ensureBuilt(x);
      return layer.call(x, training, mask);
    } finally {
      if (tracer != null) tracer.popScope();
    }
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
    for (Map.Entry<String, AbstractLayer> e : sublayers.entrySet()) {
      e.getValue().loadWeights(childScope(e.getKey()), source);
    }
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

  private String childScope(String segment) {
    return weightScope == null || weightScope.isEmpty() ? segment : weightScope + "/" + segment;
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

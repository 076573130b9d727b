package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.NormOps;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code LayerNormalization}: normalizes each example over {@code axis} (default -1; several axes allowed)
 * with its own mean and biased variance, then scales by {@code gamma} and shifts by {@code beta}, both shaped like
 * the normalized axes (in increasing axis order). Epsilon defaults to 1e-3 as in Keras. A {@code LayerNorm} node.
 *
 * <pre>{@code new LayerNormalization().axis(1, 2).epsilon(1e-6f)}</pre>
 */
public final class LayerNormalization extends AbstractLayer {
  private int[] axis = {-1};
  private float epsilon = 1e-3f;
  private boolean center = true;
  private boolean scale = true;
  private Initializer betaInitializer = Initializers.zeros();
  private Initializer gammaInitializer = Initializers.ones();
  private int[] builtAxes;
  private Tensor gamma;
  private Tensor beta;

  public LayerNormalization() {}

  /** The axis or axes to normalize over (negative counts from the end). */
  public LayerNormalization axis(int... axis) {
    if (axis == null || axis.length == 0) throw new IllegalArgumentException("LayerNormalization: axis needs at least one axis");
    this.axis = axis.clone();
    return this;
  }

  public LayerNormalization epsilon(float epsilon) {
    if (!(epsilon > 0f)) throw new IllegalArgumentException("LayerNormalization: epsilon must be positive, got " + epsilon);
    this.epsilon = epsilon;
    return this;
  }

  public LayerNormalization center(boolean center) {
    this.center = center;
    return this;
  }

  public LayerNormalization scale(boolean scale) {
    this.scale = scale;
    return this;
  }

  public LayerNormalization betaInitializer(Initializer betaInitializer) {
    this.betaInitializer = betaInitializer;
    return this;
  }

  public LayerNormalization gammaInitializer(Initializer gammaInitializer) {
    this.gammaInitializer = gammaInitializer;
    return this;
  }

  public float epsilon() {
    return epsilon;
  }

  @Override
  protected void build(TensorShape inputShape) {
    builtAxes = Shapes.axes(axis, inputShape.rank(), "LayerNormalization");
    int[] paramShape = new int[builtAxes.length];
    for (int i = 0; i < builtAxes.length; i++) {
      paramShape[i] = inputShape.dim(builtAxes[i]);
      if (paramShape[i] < 0) {
        throw new IllegalArgumentException("LayerNormalization needs known dimensions on the normalized axes, got "
            + Shapes.toString(inputShape.dims()));
      }
    }
    if (scale) gamma = addWeight("gamma", gammaInitializer, paramShape);
    if (center) beta = addWeight("beta", betaInitializer, paramShape);
  }

  @Override
  protected Tensor call(Tensor x) {
    return NormOps.layerNorm(x, gamma, beta, builtAxes, epsilon);
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

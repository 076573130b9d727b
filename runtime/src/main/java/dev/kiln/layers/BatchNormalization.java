package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.NormOps;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code BatchNormalization}: at inference {@code (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma
 * + beta} along {@code axis} (default -1, channels-last), a {@code BatchNorm} node. Weights {@code gamma} (when
 * {@code scale}), {@code beta} (when {@code center}), {@code moving_mean}, {@code moving_variance}, each
 * {@code [channels]}; epsilon defaults to 1e-3 as in Keras.
 *
 * <p>Eagerly with {@code training == true} it normalizes with the batch statistics (mean and biased variance over
 * every axis but {@code axis}) and updates the moving statistics as Keras does:
 * {@code moving = moving * momentum + batch * (1 - momentum)}. Tracing with {@code training == true} is an error:
 * compiled sessions run inference.
 *
 * <pre>{@code new BatchNormalization().epsilon(1e-5f)}</pre>
 */
public final class BatchNormalization extends AbstractLayer {
  private int axis = -1;
  private float momentum = 0.99f;
  private float epsilon = 1e-3f;
  private boolean center = true;
  private boolean scale = true;
  private Initializer betaInitializer = Initializers.zeros();
  private Initializer gammaInitializer = Initializers.ones();
  private Initializer movingMeanInitializer = Initializers.zeros();
  private Initializer movingVarianceInitializer = Initializers.ones();
  private int builtAxis;
  private Tensor gamma;
  private Tensor beta;
  private Tensor movingMean;
  private Tensor movingVariance;

  public BatchNormalization() {}

  public BatchNormalization axis(int axis) {
    this.axis = axis;
    return this;
  }

  /** Stored for Keras parity; used only by eager training-mode updates of the moving statistics. */
  public BatchNormalization momentum(float momentum) {
    this.momentum = momentum;
    return this;
  }

  public BatchNormalization epsilon(float epsilon) {
    if (!(epsilon > 0f)) throw new IllegalArgumentException("BatchNormalization: epsilon must be positive, got " + epsilon);
    this.epsilon = epsilon;
    return this;
  }

  public BatchNormalization center(boolean center) {
    this.center = center;
    return this;
  }

  public BatchNormalization scale(boolean scale) {
    this.scale = scale;
    return this;
  }

  public BatchNormalization betaInitializer(Initializer betaInitializer) {
    this.betaInitializer = betaInitializer;
    return this;
  }

  public BatchNormalization gammaInitializer(Initializer gammaInitializer) {
    this.gammaInitializer = gammaInitializer;
    return this;
  }

  public BatchNormalization movingMeanInitializer(Initializer movingMeanInitializer) {
    this.movingMeanInitializer = movingMeanInitializer;
    return this;
  }

  public BatchNormalization movingVarianceInitializer(Initializer movingVarianceInitializer) {
    this.movingVarianceInitializer = movingVarianceInitializer;
    return this;
  }

  public float epsilon() {
    return epsilon;
  }

  public float momentum() {
    return momentum;
  }

  @Override
  protected void build(TensorShape inputShape) {
    builtAxis = Shapes.axis(axis, inputShape.rank(), "BatchNormalization");
    int channels = inputShape.dim(builtAxis);
    if (channels < 0) {
      throw new IllegalArgumentException("BatchNormalization needs a known dimension on axis " + axis + ", got "
          + Shapes.toString(inputShape.dims()));
    }
    if (scale) gamma = addWeight("gamma", gammaInitializer, channels);
    if (center) beta = addWeight("beta", betaInitializer, channels);
    movingMean = addWeight("moving_mean", movingMeanInitializer, channels);
    movingVariance = addWeight("moving_variance", movingVarianceInitializer, channels);
  }

  @Override
  protected Tensor call(Tensor x, boolean training) {
    if (!training) return NormOps.batchNorm(x, movingMean, movingVariance, gamma, beta, builtAxis, epsilon);
    if (x.isSymbolic()) {
      throw new IllegalArgumentException("BatchNormalization: training=true is not supported in compiled sessions");
    }
    int rank = x.rank();
    int[] others = new int[rank - 1];
    for (int d = 0, j = 0; d < rank; d++) if (d != builtAxis) others[j++] = d;
    int channels = x.dim(builtAxis);
    Tensor meanKeep = Ops.mean(x, others, true);
    Tensor varKeep = Ops.mean(Ops.square(Ops.subtract(x, meanKeep)), others, true);
    Tensor mean = Ops.reshape(meanKeep, channels);
    Tensor variance = Ops.reshape(varKeep, channels);
    float[] mm = movingMean.floatBuffer();
    float[] mv = movingVariance.floatBuffer();
    float[] bm = mean.floatBuffer();
    float[] bv = variance.floatBuffer();
    for (int c = 0; c < channels; c++) {
      mm[c] = mm[c] * momentum + bm[c] * (1f - momentum);
      mv[c] = mv[c] * momentum + bv[c] * (1f - momentum);
    }
    return NormOps.batchNorm(x, mean, variance, gamma, beta, builtAxis, epsilon);
  }

  @Override
  protected Tensor call(Tensor x) {
    return call(x, false);
  }

  /** Passes the mask on, as Keras' {@code supports_masking = True}. */
  @Override
  public boolean supportsMasking() {
    return true;
  }
}

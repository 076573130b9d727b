package dev.kiln.ops;

import dev.kiln.Activation;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the kernel of a {@link Pattern#PRODUCER} op applies to its products before storing them, in this order: a bias
 * (a rank-1 weight along the channels), a batch normalization folded into the weights when the session opens, a
 * residual tensor added elementwise, an activation. The compiler fuses the nodes after a producer only as far as
 * its kernel supports; a node the kernel cannot apply stays a step of its own.
 */
public final class Epilogue {
  /** No epilogue: the op is not a producer. */
  public static final Epilogue NONE =
      new Epilogue(false, false, false, EnumSet.noneOf(Activation.class), false, false, false);

  private final boolean bias;
  private final boolean batchNorm;
  private final boolean residual;
  private final Set<Activation> activations;
  private final boolean inputPadding;
  private final boolean maxPooling;
  private final boolean pointwise;

  private Epilogue(boolean bias, boolean batchNorm, boolean residual, Set<Activation> activations,
      boolean inputPadding, boolean maxPooling, boolean pointwise) {
    this.bias = bias;
    this.batchNorm = batchNorm;
    this.residual = residual;
    this.activations = Collections.unmodifiableSet(activations);
    this.inputPadding = inputPadding;
    this.maxPooling = maxPooling;
    this.pointwise = pointwise;
  }

  /** Bias, batch normalization and every activation but SOFTMAX (the common part of the producers). */
  public static Epilogue biasNormActivation() {
    Set<Activation> acts = EnumSet.allOf(Activation.class);
    acts.remove(Activation.SOFTMAX);
    return new Epilogue(true, true, false, acts, false, false, false);
  }

  public Epilogue withResidual() {
    return new Epilogue(bias, batchNorm, true, EnumSet.copyOf(activations), inputPadding, maxPooling, pointwise);
  }

  public Epilogue withoutBatchNorm() {
    return new Epilogue(bias, false, residual, EnumSet.copyOf(activations), inputPadding, maxPooling, pointwise);
  }

  public Epilogue withActivation(Activation a) {
    Set<Activation> acts = EnumSet.copyOf(activations);
    acts.add(a);
    return new Epilogue(bias, batchNorm, residual, acts, inputPadding, maxPooling, pointwise);
  }

  /** The kernel pads its input with zeros itself: a zero Pad of the spatial axes that only feeds it folds in. */
  public Epilogue withInputPadding() {
    return new Epilogue(bias, batchNorm, residual, EnumSet.copyOf(activations), true, maxPooling, pointwise);
  }

  /** A max pooling that alone reads the result can be computed by the kernel while the result is in cache. */
  public Epilogue withMaxPooling() {
    return new Epilogue(bias, batchNorm, residual, EnumSet.copyOf(activations), inputPadding, true, pointwise);
  }

  /**
   * A 1x1 convolution (stride 1, one group) that alone reads the result can be computed by the kernel tile by tile
   * while the result is in cache ({@code KernelSet.depthwisePointwise}).
   */
  public Epilogue withPointwise() {
    return new Epilogue(bias, batchNorm, residual, EnumSet.copyOf(activations), inputPadding, maxPooling, true);
  }

  public boolean bias() {
    return bias;
  }

  public boolean batchNorm() {
    return batchNorm;
  }

  public boolean residual() {
    return residual;
  }

  public boolean activation(Activation a) {
    return activations.contains(a);
  }

  public boolean inputPadding() {
    return inputPadding;
  }

  public boolean maxPooling() {
    return maxPooling;
  }

  public boolean pointwise() {
    return pointwise;
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Padding;

/**
 * The options every 2-D convolution layer takes as Keras does (kernel size, strides, padding, bias, activation,
 * bias initializer), with fluent setters that return the concrete layer ({@code T}), so
 * {@code new Conv2D(32, 3).strides(2).padding(Padding.SAME)} keeps its type. Layer-specific options (filters,
 * dilation, groups, depth multiplier, output padding, kernel initializers) live in the subclasses.
 *
 * @param <T> the concrete layer
 */
public abstract class ConvLayer2D<T extends ConvLayer2D<T>> extends AbstractLayer {
  /** The Keras class name, for error messages. */
  protected final String layerName;
  protected final int kh;
  protected final int kw;
  protected int[] strides = {1, 1};
  protected Padding padding = Padding.VALID;
  protected boolean useBias = true;
  protected Activation activation = Activation.LINEAR;
  protected Initializer biasInitializer = Initializers.zeros();

  protected ConvLayer2D(String layerName, int kh, int kw) {
    this.layerName = layerName;
    this.kh = ConvLayerChecks.positive(layerName, "kernel height", kh);
    this.kw = ConvLayerChecks.positive(layerName, "kernel width", kw);
  }

  /** This layer, typed as the concrete class. */
  protected abstract T self();

  public T strides(int s) {
    return strides(s, s);
  }

  public T strides(int sh, int sw) {
    strides = new int[] {ConvLayerChecks.positive(layerName, "stride", sh),
        ConvLayerChecks.positive(layerName, "stride", sw)};
    return self();
  }

  public T padding(Padding padding) {
    this.padding = padding;
    return self();
  }

  public T useBias(boolean useBias) {
    this.useBias = useBias;
    return self();
  }

  /** {@code null} means LINEAR, as Keras' {@code activation=None}. */
  public T activation(Activation activation) {
    this.activation = activation == null ? Activation.LINEAR : activation;
    return self();
  }

  public T biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
    return self();
  }
}

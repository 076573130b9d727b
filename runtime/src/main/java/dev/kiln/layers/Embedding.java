package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * Keras {@code Embedding}: integer tokens {@code [...]} to vectors {@code [..., outputDim]} by a lookup in
 * {@code embeddings [inputDim, outputDim]} (a {@code GatherV2} node). Float tokens are cast to int32 first, as Keras
 * does; a token outside {@code [0, inputDim)} is an {@link IllegalArgumentException} naming it.
 *
 * <p>With {@code maskZero(true)} the output carries the mask {@code tokens != 0} (the graph tensor
 * {@code <layer>/NotEqual:0}), so padding with 0 is skipped downstream:
 *
 * <pre>{@code @Layer final Embedding embed = new Embedding(20000, 64).maskZero(true);}</pre>
 */
public final class Embedding extends AbstractLayer {
  private final int inputDim;
  private final int outputDim;
  private boolean maskZero;
  private Initializer embeddingsInitializer = Initializers.randomUniform(-0.05f, 0.05f);
  private Tensor embeddings;

  public Embedding(int inputDim, int outputDim) {
    if (inputDim <= 0 || outputDim <= 0) {
      throw new IllegalArgumentException("Embedding: inputDim and outputDim must be positive, got " + inputDim + " and "
          + outputDim);
    }
    this.inputDim = inputDim;
    this.outputDim = outputDim;
  }

  /** Whether token 0 is padding: the output's mask is {@code tokens != 0} (Keras {@code mask_zero}). */
  public Embedding maskZero(boolean maskZero) {
    this.maskZero = maskZero;
    return this;
  }

  public Embedding embeddingsInitializer(Initializer embeddingsInitializer) {
    this.embeddingsInitializer = embeddingsInitializer;
    return this;
  }

  public int inputDim() {
    return inputDim;
  }

  public int outputDim() {
    return outputDim;
  }

  @Override
  protected void build(TensorShape inputShape) {
    embeddings = addWeight("embeddings", embeddingsInitializer, inputDim, outputDim);
  }

  @Override
  protected Tensor call(Tensor tokens) {
    return Ops.gather(embeddings, indices(tokens), 0);
  }

  /** The mask {@code tokens != 0} with {@code maskZero}, else none (the input's own mask is not passed on). */
  @Override
  public Tensor computeMask(Tensor inputs, Tensor mask) {
    return maskZero ? Ops.notEqual(indices(inputs), 0) : null;
  }

  private static Tensor indices(Tensor tokens) {
    return tokens.dtype() == DType.INT32 ? tokens : Ops.cast(tokens, DType.INT32);
  }
}

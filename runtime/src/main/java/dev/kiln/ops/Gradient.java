package dev.kiln.ops;

import dev.kiln.Tensor;

/**
 * The backward rule of an op: the gradients of its inputs from those of its outputs. Sessions run inference, so no
 * op defines one yet ({@link Op#gradient()} is {@code null}); a training step would ask each op for it.
 */
public interface Gradient {
  Tensor[] backward(Tensor[] inputs, Tensor[] outputs, Tensor[] outputGradients);
}

package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * Binary ops with broadcasting, scalar operands and every unary op and activation, in one compiled model with
 * three inputs and three outputs (a user's model; {@code ModelConformanceTest} writes the same in TF Java).
 */
public final class ElementwiseZoo extends Model {
  @Layer final Dense mix = new Dense(8).activation(Activation.GELU);
  @Layer final Dense head = new Dense(4);

  @Call
  public Tensor[] forward(@Shape({-1, 6}) Tensor x, @Shape({-1, 6}) Tensor y, @Shape({-1, 1}) Tensor s) {
    Tensor a = Ops.add(x, y);
    Tensor b = Ops.subtract(x, Ops.multiply(y, 0.5f));
    Tensor c = Ops.divide(x, Ops.add(Ops.abs(y), 1f));
    Tensor d = Ops.multiply(a, s);                 // [-1, 6] * [-1, 1]
    Tensor e = Ops.subtract(2f, Ops.divide(1f, Ops.add(Ops.square(s), 0.5f)));
    Tensor binary = Ops.concat(-1, Ops.maximum(a, b), Ops.minimum(a, c), d, Ops.maximum(b, 0.25f), Ops.minimum(c, -0.25f), e);

    Tensor unary = Ops.concat(1,
        Ops.relu(x), Ops.relu6(Ops.multiply(y, 4f)), Ops.sigmoid(x), Ops.tanh(y),
        Ops.elu(x), Ops.elu(y, 0.5f), Ops.leakyRelu(x), Ops.leakyRelu(y, 0.1f),
        Ops.softplus(x), Ops.gelu(x), Ops.gelu(y, true), Ops.silu(x),
        Ops.hardSigmoid(x), Ops.hardSilu(y), Ops.exp(Ops.clip(x, -5f, 5f)), Ops.log(Ops.add(Ops.square(x), 1f)),
        Ops.sqrt(Ops.add(Ops.abs(y), 0.1f)), Ops.negate(x));
    Tensor h = mix.apply(unary);
    return new Tensor[] {binary, unary, Ops.softmax(head.apply(h))};
  }
}

package dev.kiln.conformance.models;

import dev.kiln.*;

/**
 * Minimal reproduction (bug 1 in conformance/README.md): an elementwise op whose result is the second operand
 * of a later op, traced before that later op's first operand. The compiled session fuses {@code m} and the
 * final Add into one loop emitted at {@code m}'s position, before {@code s} is computed.
 */
public final class FusionOrder extends Model {
  @Call
  public Tensor forward(@Shape({-1, 4}) Tensor x) {
    Tensor m = Ops.multiply(x, 0.5f);
    Tensor s = Ops.add(x, x);
    return Ops.add(s, m);
  }
}

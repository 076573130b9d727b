package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * Shaping, reductions, batched matmul, softmax over a middle axis, pad, slice and argmax on a sequence input,
 * with a Dense layer on rank 3 (a user's model; {@code ModelConformanceTest} writes the same in TF Java).
 */
public final class ShapeZoo extends Model {
  static final int UNITS = 5;

  @Layer final Dense seq = new Dense(UNITS).activation(Activation.TANH);
  @Layer final Dense proj = new Dense(3).useBias(false);

  @Call
  public Tensor[] forward(@Shape({-1, 3, 4}) Tensor z) {
    Tensor q = seq.apply(z);                                   // [-1, 3, 5]
    Tensor qt = Ops.transpose(q, 0, 2, 1);                     // [-1, 5, 3]
    Tensor gram = Ops.matmul(q, qt);                           // [-1, 3, 3]
    Tensor flat = Ops.reshape(qt, -1, 15);
    Tensor stats = Ops.concat(1, Ops.mean(q, 1, false), Ops.sum(q, -1, false), Ops.max(q, 2, false),
        Ops.reshape(Ops.mean(gram, -1, true), -1, 3));
    Tensor padded = Ops.pad(q, new int[][] {{0, 0}, {1, 0}, {0, 2}}, 0.5f);   // [-1, 4, 7]
    Tensor cut = Ops.slice(padded, new int[] {0, 1, 2}, new int[] {-1, 2, 4}); // [-1, 2, 4]
    Tensor attention = Ops.softmax(gram, 1);
    Tensor mixed = Ops.matmul(attention, proj.apply(q));       // [-1, 3, 3]
    Tensor pick = Ops.argmax(Ops.flatten(mixed), -1);          // [-1] INT32
    return new Tensor[] {flat, stats, cut, mixed, pick};
  }
}

package dev.kiln.example;

import dev.kiln.*;
import dev.kiln.layers.*;

/** A small text classifier over token ids of any length (API.md §7's example): the sequence model of the tests. */
public final class TextClassifier extends Model {
  @Layer final Embedding embed = new Embedding(50, 8).maskZero(true);
  @Layer final Bidirectional lstm = new Bidirectional(new LSTM(6).returnSequences(true));
  @Layer final MultiHeadAttention attention = new MultiHeadAttention(2, 4);
  @Layer final GlobalAveragePooling1D pool = new GlobalAveragePooling1D();
  @Layer final Dense out = new Dense(3).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
    Tensor x = lstm.apply(embed.apply(tokens));
    x = Ops.add(x, attention.apply(x, x)).withMask(x.mask());
    return out.apply(pool.apply(x));
  }
}

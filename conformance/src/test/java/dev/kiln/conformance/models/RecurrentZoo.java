package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * Keras 3's default GRU ({@code reset_after} true, which TF.js lacks) over masked token embeddings, checked against
 * TensorFlow Java raw ops ({@code GruResetAfterConformanceTest}). 16 and 8 units are whole vectors at 256 bits
 * (kiln-runtime-vector's vector step), 5 units its fallback.
 */
public final class RecurrentZoo {
  private RecurrentZoo() {}

  public static final class Gru16 extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GRU rnn = new GRU(16);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class Gru8Backwards extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GRU rnn = new GRU(8).goBackwards(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class Gru5 extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GRU rnn = new GRU(5);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }
}

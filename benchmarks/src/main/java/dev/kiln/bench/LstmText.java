package dev.kiln.bench;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.DType;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.LSTM;

/**
 * The LSTM text classifier of the sequence benchmarks: token ids of any length, padded with 0 at the end (masked),
 * Embedding 20k x 64, LSTM 128 (its last unmasked output), Dense 4 with softmax (four topics).
 */
public final class LstmText extends Model {
  @Layer final Embedding embed = new Embedding(20000, 64).maskZero(true);
  @Layer final LSTM lstm = new LSTM(128);
  @Layer final Dense out = new Dense(4).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
    return out.apply(lstm.apply(embed.apply(tokens)));
  }
}

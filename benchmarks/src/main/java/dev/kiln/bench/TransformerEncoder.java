package dev.kiln.bench;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Ops;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Dense;
import dev.kiln.layers.LayerNormalization;
import dev.kiln.layers.MultiHeadAttention;

/**
 * The transformer encoder of the sequence benchmarks, as Keras' text-classification example builds its blocks (post
 * normalization): two blocks of {@code x = norm(x + MultiHeadAttention(x, x)); x = norm(x + Dense(Dense(x, relu)))}
 * with d = 128, 4 heads of 32, a feed-forward width of 512, over 128 steps of 128 features (already embedded).
 */
public final class TransformerEncoder extends Model {
  @Layer final MultiHeadAttention attention1 = new MultiHeadAttention(4, 32);
  @Layer final LayerNormalization norm1 = new LayerNormalization().epsilon(1e-6f);
  @Layer final Dense expand1 = new Dense(512).activation(Activation.RELU);
  @Layer final Dense project1 = new Dense(128);
  @Layer final LayerNormalization norm2 = new LayerNormalization().epsilon(1e-6f);
  @Layer final MultiHeadAttention attention2 = new MultiHeadAttention(4, 32);
  @Layer final LayerNormalization norm3 = new LayerNormalization().epsilon(1e-6f);
  @Layer final Dense expand2 = new Dense(512).activation(Activation.RELU);
  @Layer final Dense project2 = new Dense(128);
  @Layer final LayerNormalization norm4 = new LayerNormalization().epsilon(1e-6f);

  @Call
  public Tensor call(@Shape({-1, 128, 128}) Tensor x) {
    x = norm1.apply(Ops.add(x, attention1.apply(x, x)));
    x = norm2.apply(Ops.add(x, project1.apply(expand1.apply(x))));
    x = norm3.apply(Ops.add(x, attention2.apply(x, x)));
    return norm4.apply(Ops.add(x, project2.apply(expand2.apply(x))));
  }
}

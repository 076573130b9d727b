package dev.kiln.example.language;

import dev.kiln.Activation;
import dev.kiln.Call;
import dev.kiln.DType;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.layers.Bidirectional;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.GRU;

/**
 * Imported by kiln-import from model.json (Keras Functional model 'language_net').
 */
public final class LanguageNet extends Model {
  @Layer
  final Embedding embedding = new Embedding(50, 16).maskZero(true);

  @Layer
  final Bidirectional bigru = new Bidirectional(new GRU(48).resetAfter(false));

  @Layer
  final Dense language = new Dense(5).activation(Activation.SOFTMAX);

  @Call
  public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor chars) {
    Tensor embeddingOut = embedding.apply(chars);
    Tensor bigruOut = bigru.apply(embeddingOut);
    Tensor languageOut = language.apply(bigruOut);
    return languageOut;
  }
}

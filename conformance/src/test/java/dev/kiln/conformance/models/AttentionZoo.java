package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/** MultiHeadAttention models checked against TensorFlow Java composed from raw ops ({@code AttentionConformanceTest}). */
public final class AttentionZoo {
  private AttentionZoo() {}

  /** Cross-attention of a run-time-length query over 5 value steps, with an explicit attention mask. */
  public static final class CrossAttention extends Model {
    @Layer final MultiHeadAttention mha = new MultiHeadAttention(3, 2).valueDim(4).outputShape(5);

    @Call
    public Tensor call(@Shape({-1, -1, 6}) Tensor query, @Shape({-1, 5, 4}) Tensor value,
        @Shape(value = {-1, -1, 5}, dtype = DType.BOOL) Tensor mask) {
      return mha.apply(query, value, value, mask);
    }
  }

  /** Causal self-attention over masked token embeddings: query, value and causal masks combined. */
  public static final class MaskedSelfAttention extends Model {
    @Layer final Embedding embed = new Embedding(10, 6).maskZero(true);
    @Layer final MultiHeadAttention mha = new MultiHeadAttention(2, 3).useCausalMask(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      Tensor x = embed.apply(tokens);
      return mha.apply(x, x);
    }
  }

  /**
   * {@link CrossAttention} with 32 value steps and heads of 8 floats: kiln-runtime-vector's vector attention for two
   * or more query rows (keys a multiple of four vectors, value heads of whole vectors at 256 bits).
   */
  public static final class WideCrossAttention extends Model {
    @Layer final MultiHeadAttention mha = new MultiHeadAttention(2, 8).outputShape(16);

    @Call
    public Tensor call(@Shape({-1, -1, 16}) Tensor query, @Shape({-1, 32, 16}) Tensor value,
        @Shape(value = {-1, -1, 32}, dtype = DType.BOOL) Tensor mask) {
      return mha.apply(query, value, value, mask);
    }
  }

  /** {@link MaskedSelfAttention} with heads of 8 floats, for 32 tokens: the vector attention with a causal mask. */
  public static final class WideMaskedSelfAttention extends Model {
    @Layer final Embedding embed = new Embedding(10, 16).maskZero(true);
    @Layer final MultiHeadAttention mha = new MultiHeadAttention(2, 8).useCausalMask(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      Tensor x = embed.apply(tokens);
      return mha.apply(x, x);
    }
  }
}

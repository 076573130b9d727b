package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.ops.DotProductAttention;
import dev.kiln.ops.Reshape;

/**
 * Keras {@code MultiHeadAttention(numHeads, keyDim)} on sequences {@code [batch, steps, features]}:
 * {@code apply(query, value)}, {@code apply(query, value, key)}, {@code apply(query, value, key, attentionMask)}.
 * Weights as Keras' {@code EinsumDense} sublayers: {@code query/kernel [dq, heads, keyDim]}, {@code key/kernel
 * [dk, heads, keyDim]}, {@code value/kernel [dv, heads, valueDim]}, {@code attention_output/kernel [heads, valueDim,
 * out...]} and their biases ({@code [heads, dim]}, {@code [out...]}) with {@code useBias}. The output has the query's
 * shape, or {@code [batch, tq, outputShape...]}, and carries the query's mask.
 *
 * <p>The attention mask is Keras 3's {@code _compute_attention_mask}: the query's mask {@code [b, tq, 1]}, the value's
 * {@code [b, 1, tv]}, the key's (when a key is given), the causal mask with {@code useCausalMask} and the explicit
 * {@code attentionMask [b, tq, tv]}, combined by logical and. Scores are {@code (q·k) / sqrt(keyDim)}; masked scores
 * become {@code -0.7 * 3.38953e38} before the softmax, as Keras 3's {@code ops.dot_product_attention} (its inference
 * path), so a query row with no key left averages the values. The heads run as one fused {@code DotProductAttention}
 * node between the projection GEMMs. Dropout is the identity at inference; {@code attention_axes} other than the
 * steps, and returning the scores, are not supported.
 */
public final class MultiHeadAttention extends AbstractLayer {
  private final int numHeads;
  private final int keyDim;
  private int valueDim;
  private boolean useBias = true;
  private int[] outputShape;
  private boolean useCausalMask;
  private float dropout;
  private Initializer kernelInitializer = Initializers.glorotUniform();
  private Initializer biasInitializer = Initializers.zeros();
  private Projection query;
  private Projection key;
  private Projection value;
  private Projection output;

  public MultiHeadAttention(int numHeads, int keyDim) {
    if (numHeads <= 0 || keyDim <= 0) {
      throw new IllegalArgumentException("MultiHeadAttention: numHeads and keyDim must be positive, got " + numHeads
          + " and " + keyDim);
    }
    this.numHeads = numHeads;
    this.keyDim = keyDim;
    this.valueDim = keyDim;
  }

  /** The size of each head for the value (default {@code keyDim}). */
  public MultiHeadAttention valueDim(int valueDim) {
    this.valueDim = valueDim;
    return this;
  }

  public MultiHeadAttention useBias(boolean useBias) {
    this.useBias = useBias;
    return this;
  }

  /** The output's trailing shape (default: the query's last axis). */
  public MultiHeadAttention outputShape(int... outputShape) {
    this.outputShape = outputShape.clone();
    return this;
  }

  /** Keras' {@code use_causal_mask} call argument, set on the layer: query step {@code i} sees keys {@code j <= i}. */
  public MultiHeadAttention useCausalMask(boolean useCausalMask) {
    this.useCausalMask = useCausalMask;
    return this;
  }

  /** Training only; the identity at inference. */
  public MultiHeadAttention dropout(float dropout) {
    this.dropout = dropout;
    return this;
  }

  public MultiHeadAttention kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
    return this;
  }

  public MultiHeadAttention biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
    return this;
  }

  @Override
  protected void build(TensorShape[] shapes) {
    if (shapes.length < 2 || shapes.length > 4) {
      throw new IllegalArgumentException("MultiHeadAttention takes (query, value), (query, value, key) or (query, value,"
          + " key, attentionMask), got " + shapes.length + " inputs");
    }
    for (int i = 0; i < Math.min(shapes.length, 3); i++) {
      if (shapes[i].rank() != 3 || shapes[i].dim(-1) < 0) {
        throw new IllegalArgumentException("MultiHeadAttention: query, value and key must have rank 3 [batch, steps,"
            + " features] with known features, got " + Shapes.toString(shapes[i].dims()));
      }
    }
    int[] out = outputShape != null ? outputShape : new int[] {shapes[0].dim(-1)};
    query = sublayer("query", new Projection(null, new int[] {numHeads, keyDim}, useBias, kernelInitializer,
        biasInitializer));
    key = sublayer("key", new Projection(null, new int[] {numHeads, keyDim}, useBias, kernelInitializer,
        biasInitializer));
    value = sublayer("value", new Projection(null, new int[] {numHeads, valueDim}, useBias, kernelInitializer,
        biasInitializer));
    output = sublayer("attention_output", new Projection(new int[] {numHeads, valueDim}, out, useBias,
        kernelInitializer, biasInitializer));
  }

  @Override
  protected Tensor call(Tensor... inputs) {
    Tensor q = inputs[0];
    Tensor v = inputs[1];
    Tensor k = inputs.length > 2 ? inputs[2] : v;
    Tensor explicit = inputs.length > 3 ? inputs[3] : null;
    Tensor mask = attentionMask(q.mask(), v.mask(), inputs.length > 2 ? k.mask() : null, explicit);
    Tensor pq = query.apply(q.withMask(null));
    Tensor pk = key.apply(k.withMask(null));
    Tensor pv = value.apply(v.withMask(null));
    DotProductAttention op = new DotProductAttention(numHeads, (float) (1.0 / Math.sqrt(keyDim)), useCausalMask,
        mask != null, false, DotProductAttention.Fill.WHERE);
    Tensor attended = mask != null ? op.apply(pq, pk, pv, mask) : op.apply(pq, pk, pv);
    Tensor y = output.apply(attended);
    if (outputShape != null && outputShape.length > 1) {
      Dim[] in = Dims.of(q);
      Dim[] shape = new Dim[2 + outputShape.length];
      shape[0] = in[0];
      shape[1] = in[1];
      for (int i = 0; i < outputShape.length; i++) shape[2 + i] = Dim.of(outputShape[i]);
      y = new Reshape(shape).apply(y);
    }
    return q.mask() != null ? y.withMask(q.mask()) : y;
  }

  /** Keras 3's {@code _compute_attention_mask} without the causal part, which the fused op applies. */
  private static Tensor attentionMask(Tensor queryMask, Tensor valueMask, Tensor keyMask, Tensor explicit) {
    Tensor auto = null;
    if (queryMask != null) auto = Ops.expandDims(queryMask, -1);
    if (valueMask != null) auto = and(auto, Ops.expandDims(valueMask, -2));
    if (keyMask != null) auto = and(auto, Ops.expandDims(keyMask, -2));
    Tensor m = explicit == null ? null : explicit.dtype() == DType.BOOL ? explicit : Ops.cast(explicit, DType.BOOL);
    if (auto != null) m = m == null ? auto : Ops.logicalAnd(m, auto);
    return m;
  }

  private static Tensor and(Tensor a, Tensor b) {
    return a == null ? b : Ops.logicalAnd(a, b);
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Initializers;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;
import dev.kiln.ops.DotProductAttention;

/**
 * Keras {@code Attention} (Luong-style dot-product attention): {@code apply(query, value)} or {@code apply(query, value,
 * key)} with {@code query [batch, tq, dim]}, {@code value} and {@code key [batch, tv, dim]}; output {@code [batch, tq,
 * dim]}. Scores are {@code query·keyᵀ} ({@link ScoreMode#DOT}, the default) or {@code sum(tanh(query + key))}
 * ({@link ScoreMode#CONCAT}), times the weight {@code scale} with {@code useScale} (and {@code concat_score_weight} in
 * concat mode); a masked value step (the value's mask) gets {@code score - 1e9}, then a softmax over the steps and the
 * weighted sum of the values. The output is zero where the query is masked and carries the query's mask.
 * {@code useCausalMask} stops step {@code i} from attending to {@code j > i}. Dropout is the identity at inference.
 *
 * <p>The dot mode runs as one fused {@code DotProductAttention} node.
 */
public final class Attention extends AbstractLayer {
  /** Keras {@code score_mode}. */
  public enum ScoreMode { DOT, CONCAT }

  private boolean useScale;
  private ScoreMode scoreMode = ScoreMode.DOT;
  private boolean useCausalMask;
  private float dropout;
  private Tensor scale;
  private Tensor concatScoreWeight;

  public Attention() {}

  /** A trainable scalar {@code scale} multiplies the scores (Keras {@code use_scale}). */
  public Attention useScale(boolean useScale) {
    this.useScale = useScale;
    return this;
  }

  public Attention scoreMode(ScoreMode scoreMode) {
    if (scoreMode == null) throw new IllegalArgumentException("Attention: scoreMode must be DOT or CONCAT, got null");
    this.scoreMode = scoreMode;
    return this;
  }

  /** Keras' {@code use_causal_mask} call argument, set on the layer. */
  public Attention useCausalMask(boolean useCausalMask) {
    this.useCausalMask = useCausalMask;
    return this;
  }

  /** Training only; the identity at inference. */
  public Attention dropout(float dropout) {
    this.dropout = dropout;
    return this;
  }

  @Override
  protected void build(TensorShape[] inputShapes) {
    if (inputShapes.length < 2 || inputShapes.length > 3) {
      throw new IllegalArgumentException("Attention takes [query, value] or [query, value, key], got "
          + inputShapes.length + " inputs");
    }
    if (useScale) scale = addWeight("scale", Initializers.ones());
    if (scoreMode == ScoreMode.CONCAT) concatScoreWeight = addWeight("concat_score_weight", Initializers.ones());
  }

  @Override
  protected Tensor call(Tensor... inputs) {
    Tensor q = inputs[0];
    Tensor v = inputs[1];
    Tensor k = inputs.length > 2 ? inputs[2] : v;
    for (Tensor t : inputs) {
      if (t.rank() != 3) {
        throw new IllegalArgumentException("Attention: query, value and key must have rank 3 [batch, steps, dim], got "
            + Shapes.toString(q.shape()) + ", " + Shapes.toString(v.shape()) + ", " + Shapes.toString(k.shape()));
      }
    }
    Tensor valueMask = v.mask() == null ? null : Ops.expandDims(v.mask(), -2);
    Tensor result;
    if (scoreMode == ScoreMode.DOT) {
      DotProductAttention op = new DotProductAttention(1, 1f, useCausalMask, valueMask != null, useScale,
          DotProductAttention.Fill.SUBTRACT);
      Tensor[] in = new Tensor[3 + (valueMask != null ? 1 : 0) + (useScale ? 1 : 0)];
      in[0] = q;
      in[1] = k;
      in[2] = v;
      if (valueMask != null) in[3] = valueMask;
      if (useScale) in[in.length - 1] = scale;
      result = op.apply(in);
    } else {
      result = concatAttention(q, k, v, valueMask);
    }
    if (q.mask() != null) result = Ops.multiply(result, Ops.cast(Ops.expandDims(q.mask(), -1), DType.FLOAT32));
    return result;
  }

  /** Keras' concat scores, then the same masking, softmax and weighted sum as the fused dot mode, as separate ops. */
  private Tensor concatAttention(Tensor q, Tensor k, Tensor v, Tensor valueMask) {
    Tensor sum = Ops.add(Ops.expandDims(q, -2), Ops.expandDims(k, -3));
    if (scale != null) sum = Ops.multiply(scale, sum);
    Tensor scores = Ops.multiply(concatScoreWeight, Ops.sum(Ops.tanh(sum), -1, false));
    Tensor keep = valueMask;
    if (useCausalMask) {
      Tensor causal = Ops.greaterEqual(Ops.expandDims(Ops.range(q, 1), -1), Ops.range(k, 1));
      keep = keep == null ? causal : Ops.logicalAnd(keep, causal);
    }
    if (keep != null) {
      scores = Ops.subtract(scores, Ops.multiply(1e9f, Ops.cast(Ops.logicalNot(keep), DType.FLOAT32)));
    }
    return Ops.matmul(Ops.softmax(scores, -1), v);
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }

  /** The query's mask (Keras: {@code mask[0]}). */
  @Override
  public Tensor computeMask(Tensor[] inputs, Tensor[] masks) {
    return masks[0];
  }
}

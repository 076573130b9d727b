package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.ops.Reshape;

/**
 * Keras {@code TimeDistributed}: applies a layer to every step of {@code [batch, time, ...]}, by folding the time axis
 * into the batch ({@code [batch*time, ...]}) and back, so it works at any run-time length. The wrapped layer's weights
 * sit under {@code <layer>/layer/...}; it gets the mask of each step when it takes one, and the output keeps the
 * input's mask. The wrapped layer must treat batch rows independently (any built-in layer does at inference).
 *
 * <pre>{@code @Layer final TimeDistributed td = new TimeDistributed(new Dense(8));}</pre>
 */
public final class TimeDistributed extends AbstractLayer {
  private final AbstractLayer layer;

  public TimeDistributed(AbstractLayer layer) {
    if (layer == null) throw new IllegalArgumentException("TimeDistributed needs a layer, got null");
    this.layer = sublayer("layer", layer);
  }

  public AbstractLayer layer() {
    return layer;
  }

  @Override
  protected Tensor call(Tensor inputs, boolean training, Tensor mask) {
    if (inputs.rank() < 3) {
      throw new IllegalArgumentException("TimeDistributed: input must have rank 3 or more [batch, time, ...], got "
          + Shapes.toString(inputs.shape()));
    }
    Dim[] in = Dims.of(inputs);
    Dim[] folded = new Dim[in.length - 1];
    folded[0] = in[0].times(in[1]);
    System.arraycopy(in, 2, folded, 1, in.length - 2);
    Tensor stepMask = null;
    if (mask != null && mask.rank() == 2) stepMask = new Reshape(new Dim[] {folded[0]}).apply(mask);
    Tensor y = callWithoutMaskMetadata(layer, new Reshape(folded).apply(inputs), training, stepMask);
    Dim[] out = Dims.of(y);
    Dim[] unfolded = new Dim[out.length + 1];
    unfolded[0] = in[0];
    unfolded[1] = in[1];
    System.arraycopy(out, 1, unfolded, 2, out.length - 1);
    return new Reshape(unfolded).apply(y);
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }
}

package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Initializer;
import dev.kiln.Ops;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;

/**
 * The {@code EinsumDense} projections of {@link MultiHeadAttention}, with Keras' weight layouts: {@code kernel
 * [in..., out...]} and {@code bias [out...]}, where {@code in} is the input's last axis ({@code query/kernel [d, heads,
 * keyDim]}) or given ({@code attention_output/kernel [heads, valueDim, d]}). Computed as one GEMM over the flattened
 * axes, so the output's last axis is the product of {@code out} ({@code heads*keyDim}, the heads side by side).
 */
final class Projection extends AbstractLayer {
  private final int[] in;
  private final int[] out;
  private final boolean useBias;
  private final Initializer kernelInitializer;
  private final Initializer biasInitializer;
  private Tensor kernel;
  private Tensor bias;

  /** {@code in}: the kernel's input axes, or null for the input's last axis. */
  Projection(int[] in, int[] out, boolean useBias, Initializer kernelInitializer, Initializer biasInitializer) {
    this.in = in;
    this.out = out.clone();
    this.useBias = useBias;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
  }

  @Override
  protected void build(TensorShape inputShape) {
    int[] inAxes = in != null ? in : new int[] {inputShape.dim(-1)};
    if (Shapes.size(inAxes) != inputShape.dim(-1)) {
      throw new IllegalArgumentException("projection kernel " + Shapes.toString(inAxes) + " does not fit input "
          + Shapes.toString(inputShape.dims()));
    }
    int[] shape = new int[inAxes.length + out.length];
    System.arraycopy(inAxes, 0, shape, 0, inAxes.length);
    System.arraycopy(out, 0, shape, inAxes.length, out.length);
    kernel = addWeight("kernel", kernelInitializer, shape);
    if (useBias) bias = addWeight("bias", biasInitializer, out);
  }

  @Override
  protected Tensor call(Tensor x) {
    int width = Shapes.size(out);
    Tensor y = Ops.matmul(x, Ops.reshape(kernel, x.dim(-1), width));
    return useBias ? Ops.biasAdd(y, Ops.reshape(bias, width)) : y;
  }
}

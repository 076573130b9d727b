package dev.kiln.graph;

import dev.kiln.Tensor;

/**
 * Executes one graph node eagerly: the general {@code Session.run} path (feeds of any tensor, fetches of
 * any tensor) calls this for each node it must compute. The generated typed {@code call} does not use it.
 * Placeholder and Variable nodes are never executed here: the session supplies their values.
 *
 * <p>SKELETON: a handful of ops; the full op set replaces this.
 */
public final class OpKernels {
  private OpKernels() {}

  public static Tensor[] execute(NodeDef node, Tensor[] inputs) {
    switch (node.op()) {
      case "Identity":
        return new Tensor[] {inputs[0]};
      case "Const":
        return new Tensor[] {Tensor.of(node.attrs().getFloats("value"), node.outputShape(0))};
      case "Add": {
        float[] a = inputs[0].toFloatArray();
        float[] b = inputs[1].toFloatArray();
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return new Tensor[] {Tensor.wrap(a, inputs[0].shape())};
      }
      case "Relu": {
        float[] a = inputs[0].toFloatArray();
        for (int i = 0; i < a.length; i++) a[i] = Math.max(a[i], 0f);
        return new Tensor[] {Tensor.wrap(a, inputs[0].shape())};
      }
      default:
        throw new UnsupportedOperationException(node.name() + ": op " + node.op() + " has no kernel");
    }
  }
}

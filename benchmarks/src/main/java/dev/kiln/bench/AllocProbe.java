package dev.kiln.bench;

import dev.kiln.Tensor;
import java.lang.management.ManagementFactory;

/**
 * Bytes allocated per {@code callInto} with the input and output tensors made once (so the wrapper objects are not
 * counted), measured with {@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes} after warm-up.
 * {@code java -cp benchmarks.jar dev.kiln.bench.AllocProbe [mlp|cnn|mnv2] [batch]}. The README promises 0.
 */
public final class AllocProbe {
  private AllocProbe() {}

  public static void main(String[] args) throws Exception {
    String model = args.length > 0 ? args[0] : "cnn";
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    ModelSpec spec = ModelSpec.byName(model);
    int iters = model.equals("mnv2") ? 20 : 2000;
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    float[] in = Data.input(batch * spec.sampleSize());
    float[] out = new float[batch * spec.outputSize()];
    try (Engine e = spec.kilnCallInto(spec.weights(), batch)) {
      // kilnCallInto wraps the input per call (varargs shape, its clone, the Tensor); a wrap-only loop measures that
      for (int i = 0; i < iters; i++) e.run(in, out);
      long b0 = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < iters; i++) e.run(in, out);
      long b1 = mx.getThreadAllocatedBytes(tid);
      int[] shape = spec.inputShape(batch);
      Object sink = null;
      long w0 = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < iters; i++) sink = Tensor.wrap(in, shape.clone()); // the varargs array too
      long w1 = mx.getThreadAllocatedBytes(tid);
      System.out.printf("%s batch %d: callInto allocates %.0f bytes per call (%.0f of them the input Tensor.wrap)%s%n", model, batch,
          (b1 - b0) / (double) iters, (w1 - w0) / (double) iters, sink == null ? "" : "");
    }
  }
}

package dev.kiln.bench;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

public final class CnnSpec extends ModelSpec {
  @Override public String name() { return "cnn"; }
  @Override public int[] sampleShape() { return new int[] {28, 28, 1}; }
  @Override public int outputSize() { return 10; }
  @Override public GraphDef graphDef() { return KilnSmallCnn.graph().graphDef(); }

  @Override
  public Engine kilnCall(Weights w, int batch) {
    KilnSmallCnn s = KilnSmallCnn.open(w);
    return new Engine() {
      public void run(float[] in, float[] out) {
        Tensor y = s.call(Tensor.of(in, batch, 28, 28, 1));
        System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public Engine kilnCallInto(Weights w, int batch, dev.kiln.SessionOptions options) {
    KilnSmallCnn s = KilnSmallCnn.open(w, options);
    return new Engine() {
      float[] last;
      Tensor y;
      public void run(float[] in, float[] out) {
        if (out != last) { last = out; y = Tensor.wrap(out, batch, 10); }
        s.callInto(Tensor.wrap(in, batch, 28, 28, 1), y);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public Engine kilnEager(Weights w, int batch) {
    SmallCnn m = new SmallCnn();
    KilnSmallCnn.loadInto(m, w);
    return (in, out) -> {
      Tensor y = m.call(Tensor.of(in, batch, 28, 28, 1), false);
      System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
    };
  }

  @Override
  public Operand<TFloat32> tfGraph(Ops tf, Operand<TFloat32> x, Weights w) {
    Operand<TFloat32> h = conv(tf, x, w, "conv1");
    h = tf.nn.maxPool(h, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
    h = conv(tf, h, w, "conv2");
    h = tf.nn.maxPool(h, tf.constant(new int[] {1, 2, 2, 1}), tf.constant(new int[] {1, 2, 2, 1}), "VALID");
    h = tf.reshape(h, tf.constant(new int[] {-1, 5 * 5 * 32}));
    return tf.nn.softmax(tf.nn.biasAdd(tf.linalg.matMul(h, tfConst(tf, w, "out/kernel")), tfConst(tf, w, "out/bias")));
  }

  private static Operand<TFloat32> conv(Ops tf, Operand<TFloat32> x, Weights w, String scope) {
    return tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, tfConst(tf, w, scope + "/kernel"), ones4(), "VALID"), tfConst(tf, w, scope + "/bias")));
  }

  @Override
  public void onnxGraph(OnnxWriter g, Weights w) {
    onnxConv(g, w, "conv1");
    onnxConv(g, w, "conv2");
    onnxDense(g, w, "out");
    g.input("x", 28, 28, 1).output("y", 10);
    long[] k2 = {2, 2};
    g.node("Transpose", new String[] {"x"}, new String[] {"xc"}, "perm", new long[] {0, 3, 1, 2});
    g.node("Conv", new String[] {"xc", "conv1/kernel", "conv1/bias"}, new String[] {"c1"}, "kernel_shape", new long[] {3, 3});
    g.node("Relu", new String[] {"c1"}, new String[] {"r1"});
    g.node("MaxPool", new String[] {"r1"}, new String[] {"p1"}, "kernel_shape", k2, "strides", k2);
    g.node("Conv", new String[] {"p1", "conv2/kernel", "conv2/bias"}, new String[] {"c2"}, "kernel_shape", new long[] {3, 3});
    g.node("Relu", new String[] {"c2"}, new String[] {"r2"});
    g.node("MaxPool", new String[] {"r2"}, new String[] {"p2"}, "kernel_shape", k2, "strides", k2);
    g.node("Transpose", new String[] {"p2"}, new String[] {"p2nhwc"}, "perm", new long[] {0, 2, 3, 1});
    g.node("Flatten", new String[] {"p2nhwc"}, new String[] {"f"}, "axis", 1L);
    g.node("Gemm", new String[] {"f", "out/kernel", "out/bias"}, new String[] {"logits"});
    g.node("Softmax", new String[] {"logits"}, new String[] {"y"}, "axis", -1L);
  }
}

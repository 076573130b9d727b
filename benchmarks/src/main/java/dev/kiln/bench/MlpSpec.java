package dev.kiln.bench;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

public final class MlpSpec extends ModelSpec {
  @Override public String name() { return "mlp"; }
  @Override public int[] sampleShape() { return new int[] {784}; }
  @Override public int outputSize() { return 10; }
  @Override public GraphDef graphDef() { return KilnMlp.graph().graphDef(); }

  @Override
  public Engine kilnCall(Weights w, int batch) {
    KilnMlp s = KilnMlp.open(w);
    return new Engine() {
      public void run(float[] in, float[] out) {
        Tensor y = s.call(Tensor.of(in, batch, 784));
        System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public Engine kilnCallInto(Weights w, int batch, dev.kiln.SessionOptions options) {
    KilnMlp s = KilnMlp.open(w, options);
    return new Engine() {
      float[] last;
      Tensor y;
      public void run(float[] in, float[] out) {
        if (out != last) { last = out; y = Tensor.wrap(out, batch, 10); }
        s.callInto(Tensor.wrap(in, batch, 784), y);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public Engine kilnEager(Weights w, int batch) {
    Mlp m = new Mlp();
    KilnMlp.loadInto(m, w);
    return (in, out) -> {
      Tensor y = m.call(Tensor.of(in, batch, 784), false);
      System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
    };
  }

  @Override
  public Operand<TFloat32> tfGraph(Ops tf, Operand<TFloat32> x, Weights w) {
    Operand<TFloat32> h = tf.nn.relu(tf.nn.biasAdd(tf.linalg.matMul(x, tfConst(tf, w, "hidden/kernel")), tfConst(tf, w, "hidden/bias")));
    return tf.nn.softmax(tf.nn.biasAdd(tf.linalg.matMul(h, tfConst(tf, w, "out/kernel")), tfConst(tf, w, "out/bias")));
  }

  @Override
  public void onnxGraph(OnnxWriter g, Weights w) {
    onnxDense(g, w, "hidden");
    onnxDense(g, w, "out");
    g.input("x", 784).output("y", 10);
    g.node("Gemm", new String[] {"x", "hidden/kernel", "hidden/bias"}, new String[] {"h0"});
    g.node("Relu", new String[] {"h0"}, new String[] {"h1"});
    g.node("Gemm", new String[] {"h1", "out/kernel", "out/bias"}, new String[] {"logits"});
    g.node("Softmax", new String[] {"logits"}, new String[] {"y"}, "axis", -1L);
  }
}

package dev.kiln.bench;

import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.BlockLSTM;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * {@link LstmText}: token ids padded with 0 at the end, Embedding 20k x 64 with the mask, LSTM 128, Dense 4 softmax.
 * TF Java runs the LSTM as one {@code BlockLSTMV2} op (Keras' gate order, the kernels stacked) and ONNX Runtime as
 * one {@code LSTM} node with {@code sequence_lens}; with the padding at the end, both give Keras' masked result as the
 * output at each row's last token (TF: gathered from the outputs of every step; ORT: its {@code Y_h}).
 */
public final class LstmTextSpec extends SequenceSpec {
  static final int VOCABULARY = 20000, EMBEDDING = 64, UNITS = 128, CLASSES = 4;

  @Override public String name() { return "lstm"; }
  @Override public String label() { return "LSTM text classifier"; }
  @Override public int[] lengths() { return new int[] {32, 256}; }
  @Override public boolean tokens() { return true; }
  @Override public int[] inputShape(int batch, int length) { return new int[] {batch, length}; }
  @Override public int outputSize(int length) { return CLASSES; }
  @Override public GraphDef graphDef() { return KilnLstmText.graph().graphDef(); }
  @Override public Object input(int batch, int length) { return tokens(batch, length, VOCABULARY); }

  @Override
  public SequenceEngine kilnCall(Weights w, int batch, int length) {
    KilnLstmText s = KilnLstmText.open(w);
    return new SequenceEngine() {
      public void run(Object in, float[] out) {
        Tensor y = s.call(Tensor.ofInts((int[]) in, batch, length));
        System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public SequenceEngine kilnCallInto(Weights w, int batch, int length, SessionOptions options) {
    KilnLstmText s = KilnLstmText.open(w, options);
    return new SequenceEngine() {
      // both wrapped once per array (wrapping copies nothing), so that bytes per call are callInto's own
      Object lastIn;
      float[] last;
      Tensor x;
      Tensor y;
      public void run(Object in, float[] out) {
        if (in != lastIn) { lastIn = in; x = Tensor.wrapInts((int[]) in, batch, length); }
        if (out != last) { last = out; y = Tensor.wrap(out, batch, CLASSES); }
        s.callInto(x, y);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public SequenceEngine kilnEager(Weights w, int batch, int length) {
    LstmText m = new LstmText();
    KilnLstmText.loadInto(m, w);
    return (in, out) -> {
      Tensor y = m.call(Tensor.ofInts((int[]) in, batch, length));
      System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
    };
  }

  @Override
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> tfGraph(Ops tf, Operand<? extends TType> x, Weights w, int batch, int length) {
    Operand<TInt32> tokens = (Operand<TInt32>) x;
    Operand<TFloat32> embedded = tf.gather(ModelSpec.tfConst(tf, w, "embed/embeddings"), tokens, tf.constant(0));
    Operand<TFloat32> steps = tf.linalg.transpose(embedded, tf.constant(new int[] {1, 0, 2})); // [length, batch, 64]
    // BlockLSTMV2 multiplies [x, h] by one weight [64 + 128, 4 * 128], gates i, f, c, o as Keras
    Operand<TFloat32> kernel = tf.concat(List.of(ModelSpec.tfConst(tf, w, "lstm/kernel"),
        ModelSpec.tfConst(tf, w, "lstm/recurrent_kernel")), tf.constant(0));
    Operand<TFloat32> state = tf.zeros(tf.constant(new long[] {batch, UNITS}), TFloat32.class);
    Operand<TFloat32> peephole = tf.zeros(tf.constant(new long[] {UNITS}), TFloat32.class);
    BlockLSTM<TFloat32> lstm = tf.nn.blockLSTM(tf.constant((long) length), steps, state, state, kernel, peephole,
        peephole, peephole, ModelSpec.tfConst(tf, w, "lstm/bias"), BlockLSTM.usePeephole(false));
    // the output at each row's last token: row b of step (tokens in the row - 1) of h [length * batch, 128]
    Operand<TInt32> used = tf.sum(tf.dtypes.cast(tf.math.notEqual(tokens, tf.constant(0)), TInt32.class),
        tf.constant(1));
    Operand<TInt32> index = tf.math.add(tf.math.mul(tf.math.sub(used, tf.constant(1)), tf.constant(batch)),
        tf.range(tf.constant(0), tf.constant(batch), tf.constant(1)));
    Operand<TFloat32> last = tf.gather(tf.reshape(lstm.h(), tf.constant(new int[] {length * batch, UNITS})), index,
        tf.constant(0));
    return tf.nn.softmax(tf.nn.biasAdd(tf.linalg.matMul(last, ModelSpec.tfConst(tf, w, "out/kernel")),
        ModelSpec.tfConst(tf, w, "out/bias")));
  }

  @Override
  public void onnxGraph(OnnxWriter g, Weights w) {
    g.typedInput("x", OnnxWriter.INT32, "N", "T");
    g.output("y", CLASSES);
    g.initializer("embeddings", w.get("embed/embeddings").toFloatArray(), VOCABULARY, EMBEDDING);
    // ONNX gates i, o, f, c; Keras i, f, c, o. W [1, 4H, in] and R [1, 4H, H] are the kernels transposed.
    int[] kerasGate = {0, 3, 1, 2};
    g.initializer("W", onnxGates(w.get("lstm/kernel").toFloatArray(), EMBEDDING, kerasGate), 1, 4 * UNITS, EMBEDDING);
    g.initializer("R", onnxGates(w.get("lstm/recurrent_kernel").toFloatArray(), UNITS, kerasGate), 1, 4 * UNITS, UNITS);
    float[] bias = w.get("lstm/bias").toFloatArray();
    float[] b = new float[8 * UNITS]; // input bias, then a zero recurrent bias
    for (int gate = 0; gate < 4; gate++) {
      System.arraycopy(bias, kerasGate[gate] * UNITS, b, gate * UNITS, UNITS);
    }
    g.initializer("B", b, 1, 8 * UNITS);
    g.initializer("out/kernel", w.get("out/kernel").toFloatArray(), UNITS, CLASSES);
    g.initializer("out/bias", w.get("out/bias").toFloatArray(), CLASSES);
    g.initializerInt32("zero", new int[] {0});
    g.initializerInt64("axis1", new long[] {1}, 1);
    g.initializerInt64("axis0", new long[] {0}, 1);
    g.node("Gather", new String[] {"embeddings", "x"}, new String[] {"embedded"}, "axis", 0L);
    g.node("Transpose", new String[] {"embedded"}, new String[] {"steps"}, "perm", new long[] {1, 0, 2});
    g.node("Equal", new String[] {"x", "zero"}, new String[] {"padding"});
    g.node("Not", new String[] {"padding"}, new String[] {"mask"});
    g.node("Cast", new String[] {"mask"}, new String[] {"mask32"}, "to", (long) OnnxWriter.INT32);
    g.node("ReduceSum", new String[] {"mask32", "axis1"}, new String[] {"lengths"}, "keepdims", 0L);
    g.node("LSTM", new String[] {"steps", "W", "R", "B", "lengths"}, new String[] {"", "last"}, "hidden_size",
        (long) UNITS);
    g.node("Squeeze", new String[] {"last", "axis0"}, new String[] {"h"});
    g.node("Gemm", new String[] {"h", "out/kernel", "out/bias"}, new String[] {"logits"});
    g.node("Softmax", new String[] {"logits"}, new String[] {"y"}, "axis", -1L);
  }

  /** A Keras kernel {@code [in, 4H]} as ONNX's {@code [4H, in]} with the gate blocks in ONNX order. */
  private static float[] onnxGates(float[] kernel, int in, int[] kerasGate) {
    float[] out = new float[kernel.length];
    for (int gate = 0; gate < 4; gate++) {
      for (int j = 0; j < UNITS; j++) {
        int column = kerasGate[gate] * UNITS + j;
        for (int p = 0; p < in; p++) out[(gate * UNITS + j) * in + p] = kernel[p * 4 * UNITS + column];
      }
    }
    return out;
  }
}

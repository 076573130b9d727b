package dev.kiln.bench;

import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * {@link TransformerEncoder}: two post-normalization blocks (d 128, 4 heads of 32, feed-forward 512) over 128 steps.
 * TF Java and ONNX Runtime get it as Keras' {@code MultiHeadAttention} computes it: the projections as MatMuls, the
 * heads split by Reshape and Transpose, scores by a batched MatMul, the scale, Softmax, a batched MatMul with the
 * values, the heads merged, the output projection; TF's layer normalization from its moments, ONNX's
 * {@code LayerNormalization} (opset 17).
 */
public final class TransformerEncoderSpec extends SequenceSpec {
  static final int LENGTH = 128, D = 128, HEADS = 4, KEY_DIM = 32, FF = 512;
  static final float EPSILON = 1e-6f;

  @Override public String name() { return "encoder"; }
  @Override public String label() { return "transformer encoder"; }
  @Override public int[] lengths() { return new int[] {LENGTH}; }
  @Override public boolean tokens() { return false; }
  @Override public int[] inputShape(int batch, int length) { return new int[] {batch, length, D}; }
  @Override public int outputSize(int length) { return length * D; }
  @Override public GraphDef graphDef() { return KilnTransformerEncoder.graph().graphDef(); }
  @Override public Object input(int batch, int length) { return Data.input(batch * length * D); }
  @Override public int onnxOpset() { return 17; }

  @Override
  public SequenceEngine kilnCall(Weights w, int batch, int length) {
    KilnTransformerEncoder s = KilnTransformerEncoder.open(w);
    return new SequenceEngine() {
      public void run(Object in, float[] out) {
        Tensor y = s.call(Tensor.of((float[]) in, batch, length, D));
        System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public SequenceEngine kilnCallInto(Weights w, int batch, int length, SessionOptions options) {
    KilnTransformerEncoder s = KilnTransformerEncoder.open(w, options);
    return new SequenceEngine() {
      // both wrapped once per array (wrapping copies nothing), so that bytes per call are callInto's own
      Object lastIn;
      float[] last;
      Tensor x;
      Tensor y;
      public void run(Object in, float[] out) {
        if (in != lastIn) { lastIn = in; x = Tensor.wrap((float[]) in, batch, length, D); }
        if (out != last) { last = out; y = Tensor.wrap(out, batch, length, D); }
        s.callInto(x, y);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public SequenceEngine kilnEager(Weights w, int batch, int length) {
    TransformerEncoder m = new TransformerEncoder();
    KilnTransformerEncoder.loadInto(m, w);
    return (in, out) -> {
      Tensor y = m.call(Tensor.of((float[]) in, batch, length, D));
      System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
    };
  }

  // ---- TensorFlow ----------------------------------------------------------------------------------------

  @Override
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> tfGraph(Ops tf, Operand<? extends TType> input, Weights w, int batch, int length) {
    Operand<TFloat32> x = tf.reshape((Operand<TFloat32>) input, tf.constant(new int[] {batch * length, D}));
    for (int block = 1; block <= 2; block++) {
      x = tfNorm(tf, tf.math.add(x, tfAttention(tf, x, w, "attention" + block, batch, length)), w,
          "norm" + (2 * block - 1));
      Operand<TFloat32> hidden = tf.nn.relu(tfDense(tf, x, w, "expand" + block));
      x = tfNorm(tf, tf.math.add(x, tfDense(tf, hidden, w, "project" + block)), w, "norm" + (2 * block));
    }
    return tf.reshape(x, tf.constant(new int[] {batch, length, D}));
  }

  /** Multi-head self-attention on {@code x [batch * length, d]}. */
  private static Operand<TFloat32> tfAttention(Ops tf, Operand<TFloat32> x, Weights w, String scope, int batch,
      int length) {
    Operand<TFloat32> q = tfHeads(tf, tfProjection(tf, x, w, scope + "/query"), batch, length);
    Operand<TFloat32> k = tfHeads(tf, tfProjection(tf, x, w, scope + "/key"), batch, length);
    Operand<TFloat32> v = tfHeads(tf, tfProjection(tf, x, w, scope + "/value"), batch, length);
    q = tf.math.mul(q, tf.constant((float) (1.0 / Math.sqrt(KEY_DIM)))); // as Keras scales the query
    Operand<TFloat32> scores = tf.train.batchMatMul(q, k, TFloat32.class, BatchMatMul.adjY(true));
    Operand<TFloat32> attended = tf.train.batchMatMul(tf.nn.softmax(scores), v, TFloat32.class);
    Operand<TFloat32> merged = tf.reshape(tf.linalg.transpose(attended, tf.constant(new int[] {0, 2, 1, 3})),
        tf.constant(new int[] {batch * length, D}));
    return tfProjection(tf, merged, w, scope + "/attention_output");
  }

  /** {@code [batch * length, heads * dim]} as {@code [batch, heads, length, dim]}. */
  private static Operand<TFloat32> tfHeads(Ops tf, Operand<TFloat32> x, int batch, int length) {
    return tf.linalg.transpose(tf.reshape(x, tf.constant(new int[] {batch, length, HEADS, KEY_DIM})),
        tf.constant(new int[] {0, 2, 1, 3}));
  }

  /** An attention projection: its kernel and bias flattened to {@code [in, out]} and {@code [out]}. */
  private static Operand<TFloat32> tfProjection(Ops tf, Operand<TFloat32> x, Weights w, String scope) {
    Operand<TFloat32> kernel = tf.reshape(ModelSpec.tfConst(tf, w, scope + "/kernel"), tf.constant(new int[] {D, D}));
    Operand<TFloat32> bias = tf.reshape(ModelSpec.tfConst(tf, w, scope + "/bias"), tf.constant(new int[] {D}));
    return tf.nn.biasAdd(tf.linalg.matMul(x, kernel), bias);
  }

  private static Operand<TFloat32> tfDense(Ops tf, Operand<TFloat32> x, Weights w, String scope) {
    return tf.nn.biasAdd(tf.linalg.matMul(x, ModelSpec.tfConst(tf, w, scope + "/kernel")),
        ModelSpec.tfConst(tf, w, scope + "/bias"));
  }

  /** Keras' LayerNormalization over the last axis: {@code (x - mean) * rsqrt(variance + epsilon) * gamma + beta}. */
  private static Operand<TFloat32> tfNorm(Ops tf, Operand<TFloat32> x, Weights w, String scope) {
    Operand<TFloat32> mean = tf.math.mean(x, tf.constant(-1), Mean.keepDims(true));
    Operand<TFloat32> variance = tf.math.mean(tf.math.squaredDifference(x, mean), tf.constant(-1), Mean.keepDims(true));
    Operand<TFloat32> normalized = tf.math.mul(tf.math.sub(x, mean),
        tf.math.rsqrt(tf.math.add(variance, tf.constant(EPSILON))));
    return tf.math.add(tf.math.mul(normalized, ModelSpec.tfConst(tf, w, scope + "/gamma")),
        ModelSpec.tfConst(tf, w, scope + "/beta"));
  }

  // ---- ONNX ----------------------------------------------------------------------------------------------

  @Override
  public void onnxGraph(OnnxWriter g, Weights w) {
    g.input("x", LENGTH, D);
    g.output("y", LENGTH, D);
    g.initializerInt64("heads_shape", new long[] {0, 0, HEADS, KEY_DIM}, 4);
    g.initializerInt64("merged_shape", new long[] {0, 0, D}, 3);
    g.initializer("scale", new float[] {(float) (1.0 / Math.sqrt(KEY_DIM))});
    String x = "x";
    for (int block = 1; block <= 2; block++) {
      String a = onnxAttention(g, w, x, "attention" + block);
      x = onnxNorm(g, w, onnxAdd(g, x, a, "residual" + (2 * block - 1)), "norm" + (2 * block - 1));
      String hidden = onnxDense(g, w, x, "expand" + block, 512);
      g.node("Relu", new String[] {hidden}, new String[] {hidden + "/relu"});
      String f = onnxDense(g, w, hidden + "/relu", "project" + block, D);
      x = onnxNorm(g, w, onnxAdd(g, x, f, "residual" + (2 * block)), "norm" + (2 * block));
    }
    g.node("Identity", new String[] {x}, new String[] {"y"});
  }

  private static String onnxAttention(OnnxWriter g, Weights w, String x, String scope) {
    String q = onnxHeads(g, onnxDense(g, w, x, scope + "/query", D), new long[] {0, 2, 1, 3});
    String k = onnxHeads(g, onnxDense(g, w, x, scope + "/key", D), new long[] {0, 2, 3, 1}); // transposed
    String v = onnxHeads(g, onnxDense(g, w, x, scope + "/value", D), new long[] {0, 2, 1, 3});
    g.node("Mul", new String[] {q, "scale"}, new String[] {q + "/scaled"});
    g.node("MatMul", new String[] {q + "/scaled", k}, new String[] {scope + "/scores"});
    g.node("Softmax", new String[] {scope + "/scores"}, new String[] {scope + "/weights"}, "axis", -1L);
    g.node("MatMul", new String[] {scope + "/weights", v}, new String[] {scope + "/attended"});
    g.node("Transpose", new String[] {scope + "/attended"}, new String[] {scope + "/steps"}, "perm",
        new long[] {0, 2, 1, 3});
    g.node("Reshape", new String[] {scope + "/steps", "merged_shape"}, new String[] {scope + "/merged"});
    return onnxDense(g, w, scope + "/merged", scope + "/attention_output", D);
  }

  /** {@code [batch, length, heads * dim]} as {@code [batch, length, heads, dim]}, then transposed by {@code perm}. */
  private static String onnxHeads(OnnxWriter g, String x, long[] perm) {
    g.node("Reshape", new String[] {x, "heads_shape"}, new String[] {x + "/heads"});
    g.node("Transpose", new String[] {x + "/heads"}, new String[] {x + "/transposed"}, "perm", perm);
    return x + "/transposed";
  }

  /** MatMul and Add with the (flattened) kernel and bias of {@code scope}. */
  private static String onnxDense(OnnxWriter g, Weights w, String x, String scope, int out) {
    float[] kernel = w.get(scope + "/kernel").toFloatArray();
    g.initializer(scope + "/kernel", kernel, kernel.length / out, out);
    g.initializer(scope + "/bias", w.get(scope + "/bias").toFloatArray(), out);
    g.node("MatMul", new String[] {x, scope + "/kernel"}, new String[] {scope + "/product"});
    g.node("Add", new String[] {scope + "/product", scope + "/bias"}, new String[] {scope + "/out"});
    return scope + "/out";
  }

  private static String onnxAdd(OnnxWriter g, String a, String b, String name) {
    g.node("Add", new String[] {a, b}, new String[] {name});
    return name;
  }

  private static String onnxNorm(OnnxWriter g, Weights w, String x, String scope) {
    g.initializer(scope + "/gamma", w.get(scope + "/gamma").toFloatArray(), D);
    g.initializer(scope + "/beta", w.get(scope + "/beta").toFloatArray(), D);
    g.node("LayerNormalization", new String[] {x, scope + "/gamma", scope + "/beta"}, new String[] {scope + "/out"},
        "axis", -1L, "epsilon", EPSILON);
    return scope + "/out";
  }
}

package dev.kiln.bench;

import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** A benchmarked model: its Kiln session and eager model, and the same network written for TF Java and for ONNX. */
public abstract class ModelSpec {
  /** Short name used in benchmark parameters: mlp, cnn, mnv2. */
  public abstract String name();

  /** One sample's shape, channels last (the Kiln and TF input layout). */
  public abstract int[] sampleShape();

  /** Values per sample of the output. */
  public abstract int outputSize();

  /** Kiln's static graph (for the variable names and shapes). */
  public abstract GraphDef graphDef();

  public abstract Engine kilnCall(Weights w, int batch);

  public final Engine kilnCallInto(Weights w, int batch) {
    return kilnCallInto(w, batch, dev.kiln.SessionOptions.defaults());
  }

  /** {@code callInto} on a session opened with {@code options} (another kernel set, another thread count). */
  public abstract Engine kilnCallInto(Weights w, int batch, dev.kiln.SessionOptions options);

  public abstract Engine kilnEager(Weights w, int batch);

  /** The network as TF ops on {@code x} with the weights as constants. */
  public abstract Operand<TFloat32> tfGraph(Ops tf, Operand<TFloat32> x, Weights w);

  /** The network as ONNX nodes from input {@code x} to output {@code y} (NCHW inside, transposed at the edges). */
  public abstract void onnxGraph(OnnxWriter g, Weights w);

  private Weights weights;

  /** The seeded weights every engine uses. */
  public final synchronized Weights weights() {
    if (weights == null) weights = Data.weights(graphDef());
    return weights;
  }

  public final int[] inputShape(int batch) {
    int[] s = sampleShape();
    int[] out = new int[s.length + 1];
    out[0] = batch;
    System.arraycopy(s, 0, out, 1, s.length);
    return out;
  }

  public final int sampleSize() {
    int n = 1;
    for (int d : sampleShape()) n *= d;
    return n;
  }

  // ---- helpers for the TF and ONNX graphs ---------------------------------------------------------------

  static Operand<TFloat32> tfConst(Ops tf, Weights w, String name) {
    int[] shape = w.get(name).shape();
    long[] dims = new long[shape.length];
    for (int i = 0; i < shape.length; i++) dims[i] = shape[i];
    return tf.constant(Shape.of(dims), DataBuffers.of(w.get(name).toFloatArray(), true, false));
  }

  /** A Keras dense kernel [in, out] and bias for ONNX Gemm. */
  static void onnxDense(OnnxWriter g, Weights w, String scope) {
    int[] s = w.get(scope + "/kernel").shape();
    g.initializer(scope + "/kernel", w.get(scope + "/kernel").toFloatArray(), s[0], s[1]);
    g.initializer(scope + "/bias", w.get(scope + "/bias").toFloatArray(), s[1]);
  }

  /** A Keras conv kernel [kh, kw, in, out] as ONNX OIHW, and its bias. */
  static void onnxConv(OnnxWriter g, Weights w, String scope) {
    onnxConvKernel(g, w, scope + "/kernel");
    g.initializer(scope + "/bias", w.get(scope + "/bias").toFloatArray(), w.get(scope + "/bias").shape()[0]);
  }

  /** A Keras conv kernel [kh, kw, in, out], written as the ONNX OIHW initializer {@code name}. */
  static void onnxConvKernel(OnnxWriter g, Weights w, String name) {
    int[] s = w.get(name).shape();
    onnxConvKernel(g, name, w.get(name).toFloatArray(), s[0], s[1], s[2], s[3]);
  }

  /**
   * The kernel {@code k} laid out [kh, kw, ci, co] as the ONNX OIHW initializer {@code name}; a depthwise kernel
   * [kh, kw, C, mult] is the one with {@code ci = 1, co = C * mult} (ONNX's grouped convolution).
   */
  static void onnxConvKernel(OnnxWriter g, String name, float[] k, int kh, int kw, int ci, int co) {
    float[] oihw = new float[k.length];
    for (int y = 0; y < kh; y++)
      for (int x = 0; x < kw; x++)
        for (int i = 0; i < ci; i++)
          for (int o = 0; o < co; o++) oihw[((o * ci + i) * kh + y) * kw + x] = k[((y * kw + x) * ci + i) * co + o];
    g.initializer(name, oihw, co, ci, kh, kw);
  }

  static List<Long> ones4() {
    return List.of(1L, 1L, 1L, 1L);
  }

  /** The specs whose Kiln sessions were compiled in (a model whose layers are missing is left out). */
  public static ModelSpec byName(String name) {
    String cls;
    switch (name) {
      case "mlp": cls = "dev.kiln.bench.MlpSpec"; break;
      case "cnn": cls = "dev.kiln.bench.CnnSpec"; break;
      case "mnv2": cls = "dev.kiln.bench.MobileNetV2Spec"; break;
      default: throw new IllegalArgumentException("unknown model " + name);
    }
    try {
      return (ModelSpec) Class.forName(cls).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }
}

package dev.kiln.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.kiln.SessionOptions;
import dev.kiln.Weights;
import dev.kiln.vector.VectorKernels;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.Collections;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/** The engines of {@link Engines#ALL}, for the sequence models (whose input may be token ids). */
public final class SequenceEngines {
  private SequenceEngines() {}

  public static SequenceEngine open(String engine, SequenceSpec spec, int batch, int length) throws Exception {
    Weights w = spec.weights();
    switch (engine) {
      case "kiln": return spec.kilnCall(w, batch, length);
      case "kiln-into-1t": return spec.kilnCallInto(w, batch, length, SessionOptions.defaults().intraOpThreads(1));
      case "kiln-into": return spec.kilnCallInto(w, batch, length, SessionOptions.defaults());
      case "kiln-vector-1t":
        return spec.kilnCallInto(w, batch, length,
            SessionOptions.defaults().intraOpThreads(1).kernels(VectorKernels.FACTORY));
      case "kiln-vector":
        return spec.kilnCallInto(w, batch, length, SessionOptions.defaults().kernels(VectorKernels.FACTORY));
      case "kiln-eager": return spec.kilnEager(w, batch, length);
      case "tf-1t": return tf(spec, w, batch, length, true);
      case "tf": return tf(spec, w, batch, length, false);
      case "ort-1t": return ort(spec, w, batch, length, true);
      case "ort": return ort(spec, w, batch, length, false);
      default: throw new IllegalArgumentException("unknown engine " + engine);
    }
  }

  /** TF Java, TF1 style, as {@link Engines}: a graph with the weights as constants, runner().feed().fetch().run(). */
  static SequenceEngine tf(SequenceSpec spec, Weights w, int batch, int length, boolean oneThread) {
    Graph g = new Graph();
    Ops tf = Ops.create(g);
    int[] s = spec.inputShape(batch, length);
    long[] dims = new long[s.length];
    for (int i = 0; i < s.length; i++) dims[i] = s[i];
    Shape shape = Shape.of(dims);
    Placeholder<? extends TType> x = spec.tokens()
        ? tf.placeholder(TInt32.class, Placeholder.shape(shape))
        : tf.placeholder(TFloat32.class, Placeholder.shape(shape));
    Operand<TFloat32> y = spec.tfGraph(tf, x, w, batch, length);
    Session session = new Session(g, Engines.tfConfig(oneThread));
    return new SequenceEngine() {
      public void run(Object in, float[] out) {
        try (Tensor t = spec.tokens() ? TInt32.tensorOf(shape, DataBuffers.of((int[]) in, true, false))
                : TFloat32.tensorOf(shape, DataBuffers.of((float[]) in, true, false));
            Result r = session.runner().feed(x, t).fetch(y).run()) {
          ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
        }
      }

      public void close() {
        session.close();
        g.close();
      }
    };
  }

  /** The ONNX model this benchmark writes for {@code spec}. */
  public static byte[] onnxModel(SequenceSpec spec, Weights w) {
    OnnxWriter g = new OnnxWriter(spec.onnxOpset());
    spec.onnxGraph(g, w);
    return g.toBytes();
  }

  static SequenceEngine ort(SequenceSpec spec, Weights w, int batch, int length, boolean oneThread) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = Engines.ortOptions(oneThread);
    OrtSession s = env.createSession(onnxModel(spec, w), opts);
    int[] in = spec.inputShape(batch, length);
    long[] shape = new long[in.length];
    for (int i = 0; i < in.length; i++) shape[i] = in[i];
    return new SequenceEngine() {
      public void run(Object input, float[] out) throws Exception {
        try (OnnxTensor t = spec.tokens() ? OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) input), shape)
                : OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) input), shape);
            OrtSession.Result r = s.run(Collections.singletonMap("x", t))) {
          ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
        }
      }

      public void close() throws Exception {
        s.close();
        opts.close();
      }
    };
  }
}

package dev.kiln.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.kiln.Weights;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/** The engines compared, by name. */
public final class Engines {
  private Engines() {}

  /** Every engine name, in table order. */
  public static final List<String> ALL = List.of("kiln", "kiln-into-1t", "kiln-into", "kiln-vector-1t", "kiln-vector",
      "kiln-eager", "tf-1t", "tf", "ort-1t", "ort");

  public static String describe(String engine) {
    switch (engine) {
      case "kiln": return "Kiln compiled `call`";
      case "kiln-into-1t": return "Kiln compiled `callInto` (preallocated output), 1 thread";
      case "kiln-into": return "Kiln compiled `callInto` (preallocated output), default threads";
      case "kiln-vector-1t": return "Kiln compiled `callInto` with kiln-runtime-vector's Vector API kernels, 1 thread";
      case "kiln-vector": return "Kiln compiled `callInto` with kiln-runtime-vector's Vector API kernels, default threads";
      case "kiln-eager": return "Kiln eager model";
      case "tf-1t": return "TF Java 1.1.0, 1 thread";
      case "tf": return "TF Java 1.1.0, default threads";
      case "ort-1t": return "ONNX Runtime 1.20.0, 1 thread";
      case "ort": return "ONNX Runtime 1.20.0, default threads";
      default: return engine;
    }
  }

  public static Engine open(String engine, ModelSpec spec, int batch) throws Exception {
    Weights w = spec.weights();
    switch (engine) {
      case "kiln": return spec.kilnCall(w, batch);
      case "kiln-into-1t": return spec.kilnCallInto(w, batch, dev.kiln.SessionOptions.defaults().intraOpThreads(1));
      case "kiln-into": return spec.kilnCallInto(w, batch);
      case "kiln-vector-1t":
        return spec.kilnCallInto(w, batch,
            dev.kiln.SessionOptions.defaults().intraOpThreads(1).kernels(dev.kiln.vector.VectorKernels.FACTORY));
      case "kiln-vector":
        return spec.kilnCallInto(w, batch, dev.kiln.SessionOptions.defaults().kernels(dev.kiln.vector.VectorKernels.FACTORY));
      case "kiln-eager": return spec.kilnEager(w, batch);
      case "tf-1t": return tf(spec, w, batch, true);
      case "tf": return tf(spec, w, batch, false);
      case "ort-1t": return ort(spec, w, batch, true);
      case "ort": return ort(spec, w, batch, false);
      default: throw new IllegalArgumentException("unknown engine " + engine);
    }
  }

  /** TF Java, TF1 style: a graph with the weights as constants, a Session, runner().feed().fetch().run(). */
  static Engine tf(ModelSpec spec, Weights w, int batch, boolean oneThread) {
    Graph g = new Graph();
    Ops tf = Ops.create(g);
    int[] sample = spec.sampleShape();
    long[] dims = new long[sample.length + 1];
    dims[0] = -1;
    for (int i = 0; i < sample.length; i++) dims[i + 1] = sample[i];
    Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
    Operand<TFloat32> y = spec.tfGraph(tf, x, w);
    Session s = new Session(g, tfConfig(oneThread));
    dims[0] = batch;
    Shape inShape = Shape.of(dims);
    return new Engine() {
      public void run(float[] in, float[] out) {
        try (TFloat32 t = TFloat32.tensorOf(inShape, DataBuffers.of(in, true, false));
            Result r = s.runner().feed(x, t).fetch(y).run()) {
          ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
        }
      }

      public void close() {
        s.close();
        g.close();
      }
    };
  }

  /** TF's session configuration: intra- and inter-op parallelism 1, or TF's defaults. */
  static ConfigProto tfConfig(boolean oneThread) {
    return oneThread
        ? ConfigProto.newBuilder().setIntraOpParallelismThreads(1).setInterOpParallelismThreads(1).build()
        : ConfigProto.getDefaultInstance();
  }

  /** ORT's session options: intra- and inter-op threads 1, or ORT's defaults. */
  static OrtSession.SessionOptions ortOptions(boolean oneThread) throws Exception {
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    if (oneThread) {
      opts.setIntraOpNumThreads(1);
      opts.setInterOpNumThreads(1);
    }
    return opts;
  }

  /** The ONNX model bytes this benchmark writes for {@code spec}. */
  public static byte[] onnxModel(ModelSpec spec, Weights w) {
    OnnxWriter g = new OnnxWriter();
    spec.onnxGraph(g, w);
    return g.toBytes();
  }

  static Engine ort(ModelSpec spec, Weights w, int batch, boolean oneThread) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = ortOptions(oneThread);
    OrtSession s = env.createSession(onnxModel(spec, w), opts);
    long[] shape = new long[spec.sampleShape().length + 1];
    int[] in = spec.inputShape(batch);
    for (int i = 0; i < in.length; i++) shape[i] = in[i];
    return new Engine() {
      public void run(float[] input, float[] out) throws Exception {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
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

package dev.kiln.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.kiln.Graph;
import dev.kiln.Operation;
import dev.kiln.Output;
import dev.kiln.RunMetadata;
import dev.kiln.RunOptions;
import dev.kiln.Session;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.nio.FloatBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime behind Kiln's {@link Session} interface, for one thing only: {@code run(output, {placeholder:
 * batch})}, which is all {@code KilnTransformer} calls. So the Spark benchmark runs ORT through exactly the same
 * transformer, partition iterator, batching and one-session-per-executor factory as Kiln, and only the engine
 * differs. The ONNX model is translated from the Kiln graph ({@link GraphTranslator}) with the same weights.
 */
final class OrtBackedSession implements Session {
  private final Graph graph;
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession.SessionOptions options;
  private final OrtSession session;
  private final int outputSize;

  OrtBackedSession(Graph graph, Weights weights, int threads) throws OrtException {
    this.graph = graph;
    OnnxWriter g = new OnnxWriter();
    GraphTranslator.onnx(g, graph.graphDef(), weights);
    options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads);
    options.setInterOpNumThreads(1);
    session = env.createSession(g.toBytes(), options);
    int n = 1;
    int[] s = graph.output().shape();
    for (int i = 1; i < s.length; i++) n *= s[i];
    outputSize = n;
  }

  @Override
  public Tensor run(Output fetch, Map<?, ?> feeds, RunOptions runOptions, RunMetadata metadata) {
    Tensor x = (Tensor) feeds.get(graph.placeholders().get(0));
    int[] shape = x.shape();
    long[] dims = new long[shape.length];
    for (int i = 0; i < dims.length; i++) dims[i] = shape[i];
    float[] out = new float[shape[0] * outputSize];
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.floatBuffer(), 0, x.size()), dims);
        OrtSession.Result r = session.run(Collections.singletonMap("x", t))) {
      ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
    int[] outShape = graph.output().shape().clone();
    outShape[0] = shape[0];
    return Tensor.wrap(out, outShape);
  }

  @Override
  public Graph staticGraph() {
    return graph;
  }

  @Override
  public void close() {
    try {
      session.close();
      options.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  private static UnsupportedOperationException onlyOutputs() {
    return new UnsupportedOperationException("OrtBackedSession runs the graph output only");
  }

  @Override
  public Tensor run(String fetch, Map<?, ?> feeds, RunOptions o, RunMetadata m) {
    throw onlyOutputs();
  }

  @Override
  public Object run(Operation fetch, Map<?, ?> feeds, RunOptions o, RunMetadata m) {
    throw onlyOutputs();
  }

  @Override
  public <K> Map<K, Tensor> run(Map<K, ?> fetches, Map<?, ?> feeds, RunOptions o, RunMetadata m) {
    throw onlyOutputs();
  }

  @Override
  public List<Object> run(List<?> fetches, Map<?, ?> feeds, RunOptions o, RunMetadata m) {
    throw onlyOutputs();
  }

  @Override
  public Object[] run(Object[] fetches, Map<?, ?> feeds, RunOptions o, RunMetadata m) {
    throw onlyOutputs();
  }
}

package dev.kiln.conformance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.tensorflow.types.TInt64;

/**
 * The TensorFlow Java oracle, TF1 style: a {@link Graph}, {@code Ops tf = Ops.create(g)}, placeholders fed with
 * Kiln tensors and constants made from Kiln tensors, run with a {@link Session}; results come back as
 * {@link dev.kiln.Tensor}. Every TF resource (graph, session, fed tensors, results) is closed by {@link #close}
 * or right after {@link #run}.
 *
 * <pre>{@code
 * try (Tf t = new Tf()) {
 *   dev.kiln.Tensor y = t.run(t.tf.nn.relu(t.placeholder(x)));
 * }
 * }</pre>
 */
public final class Tf implements AutoCloseable {
  private final Graph graph = new Graph();
  /** The op builder of this graph. */
  public final Ops tf = Ops.create(graph);
  private final Map<Operand<?>, dev.kiln.Tensor> feeds = new LinkedHashMap<>();
  private int placeholders;

  /** Evaluates one graph built by {@code body} and closes everything. */
  public static dev.kiln.Tensor eval(java.util.function.Function<Tf, Operand<?>> body) {
    try (Tf t = new Tf()) {
      return t.run(body.apply(t));
    }
  }

  /** A float placeholder with {@code value}'s full static shape, fed with {@code value} at {@link #run}. */
  public Operand<TFloat32> placeholder(dev.kiln.Tensor value) {
    Operand<TFloat32> p = tf.withName("p" + placeholders++)
        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(longs(value.shape()))));
    feeds.put(p, value);
    return p;
  }

  /** A float constant holding {@code value}'s data and shape. */
  public Operand<TFloat32> constant(dev.kiln.Tensor value) {
    return tf.constant(Shape.of(longs(value.shape())), DataBuffers.of(value.toFloatArray(), true, false));
  }

  /** A float constant from data and shape. */
  public Operand<TFloat32> constant(float[] data, int... shape) {
    return constant(dev.kiln.Tensor.of(data, shape));
  }

  /** A float scalar constant. */
  public Operand<TFloat32> scalar(float v) {
    return tf.constant(v);
  }

  /** A rank-1 int32 constant ({@code axis}, {@code perm}, {@code shape}, {@code begin}, ...). */
  public Operand<TInt32> ints(int... values) {
    return tf.constant(values);
  }

  /** An int32 constant of the given shape ({@code paddings [rank, 2]}). */
  public Operand<TInt32> ints(int[] values, int... shape) {
    return tf.constant(Shape.of(longs(shape)), DataBuffers.of(values, true, false));
  }

  /** Runs the graph once, feeding every placeholder, and returns the one fetch. */
  public dev.kiln.Tensor run(Operand<?> fetch) {
    return run(List.of(fetch)).get(0);
  }

  /** Runs the graph once and returns the fetches in order, as Kiln tensors. */
  public List<dev.kiln.Tensor> run(List<? extends Operand<?>> fetches) {
    List<Tensor> fed = new ArrayList<>();
    try (Session s = new Session(graph)) {
      Session.Runner runner = s.runner();
      for (Map.Entry<Operand<?>, dev.kiln.Tensor> e : feeds.entrySet()) {
        dev.kiln.Tensor v = e.getValue();
        TFloat32 t = TFloat32.tensorOf(Shape.of(longs(v.shape())), DataBuffers.of(v.toFloatArray(), true, false));
        fed.add(t);
        runner.feed(e.getKey(), t);
      }
      for (Operand<?> f : fetches) runner.fetch(f);
      try (Result r = runner.run()) {
        List<dev.kiln.Tensor> out = new ArrayList<>();
        for (int i = 0; i < fetches.size(); i++) out.add(toKiln(r.get(i)));
        return out;
      }
    } finally {
      for (Tensor t : fed) t.close();
    }
  }

  /** Copies a TF result (float32, int32 or int64) into a Kiln tensor; int64 becomes int32. */
  static dev.kiln.Tensor toKiln(Tensor t) {
    long[] dims = t.shape().asArray();
    int[] shape = new int[dims.length];
    for (int i = 0; i < dims.length; i++) shape[i] = Math.toIntExact(dims[i]);
    int n = Math.toIntExact(t.shape().size());
    if (t instanceof TFloat32) {
      float[] data = new float[n];
      ((TFloat32) t).copyTo(DataBuffers.of(data, false, false));
      return dev.kiln.Tensor.wrap(data, shape);
    }
    if (t instanceof TInt32) {
      int[] data = new int[n];
      ((TInt32) t).copyTo(DataBuffers.of(data, false, false));
      return dev.kiln.Tensor.wrapInts(data, shape);
    }
    if (t instanceof TInt64) {
      long[] data = new long[n];
      ((TInt64) t).copyTo(DataBuffers.of(data, false, false));
      int[] ints = new int[n];
      for (int i = 0; i < n; i++) ints[i] = Math.toIntExact(data[i]);
      return dev.kiln.Tensor.wrapInts(ints, shape);
    }
    throw new IllegalArgumentException("unsupported TF result type " + t.dataType());
  }

  static long[] longs(int[] shape) {
    long[] r = new long[shape.length];
    for (int i = 0; i < shape.length; i++) r[i] = shape[i];
    return r;
  }

  @Override
  public void close() {
    graph.close();
  }
}

package dev.kiln.conformance;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.Activation;
import dev.kiln.Graph;
import dev.kiln.Output;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.conformance.models.ConvZoo;
import dev.kiln.conformance.models.ElementwiseZoo;
import dev.kiln.conformance.models.KilnConvZoo;
import dev.kiln.conformance.models.KilnElementwiseZoo;
import dev.kiln.conformance.models.KilnLayerZoo;
import dev.kiln.conformance.models.KilnShapeZoo;
import dev.kiln.conformance.models.LayerZoo;
import dev.kiln.conformance.models.ShapeZoo;
import dev.kiln.graph.NodeDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Sum;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Compiled conformance: the models in {@code dev.kiln.conformance.models} are compiled by the Kiln processor during
 * this module's test compilation, exactly as a user's. For batch sizes 1, 2 and 5, the generated session's
 * {@code call}, its {@code callInto}, its general {@code run}, and the eager model (weights given with
 * {@code loadInto}) are each compared with the same computation written in TF Java over the same weights.
 */
class ModelConformanceTest {
  @AfterAll
  static void report() {
    Check.report();
  }

  /** Random weights for every variable of the graph (biases too, so they matter). */
  static Map<String, Tensor> randomWeights(Graph g, Random r) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (NodeDef v : g.graphDef().variables()) {
      int[] shape = v.outputShape(0);
      float scale = (float) (1.0 / Math.sqrt(shape.length >= 2 ? shape[0] : 4));
      Tensor value = Ops2.scale(Check.gaussian(r, shape), scale);
      // Variances must be positive (else both sides give NaN and the case checks nothing).
      if (v.name().endsWith("moving_variance")) value = dev.kiln.Ops.add(dev.kiln.Ops.abs(value), 0.1f);
      w.put(v.name(), value);
    }
    return w;
  }

  private final List<String> failures = new ArrayList<>();

  /** Checks each output of one Kiln path against TF; failures are collected so every path is reported. */
  void compare(String model, String what, Tensor[] kiln, List<Tensor> tf) {
    assertThat(kiln).hasLength(tf.size());
    String family = (what.startsWith("eager") ? "eager:" : "compiled:") + model;
    for (int i = 0; i < kiln.length; i++) {
      try {
        Check.close(family, what + " output " + i, kiln[i], tf.get(i));
      } catch (AssertionError e) {
        failures.add(e.getMessage());
      }
    }
  }

  @org.junit.jupiter.api.AfterEach
  void reportFailures() {
    if (!failures.isEmpty()) throw new AssertionError(failures.size() + " mismatches:\n" + String.join("\n", failures));
  }

  /** Output tensors for {@code callInto}: the shapes of the graph outputs with the batch filled in. */
  static Tensor[] outputsFor(Graph g, int batch) {
    List<Output> outs = g.outputs();
    Tensor[] r = new Tensor[outs.size()];
    for (int i = 0; i < r.length; i++) {
      int[] shape = outs.get(i).shape();
      for (int d = 0; d < shape.length; d++) if (shape[d] < 0) shape[d] = batch;
      r[i] = Tensor.zeros(outs.get(i).dtype(), shape);
    }
    return r;
  }

  static Tensor[] viaRun(dev.kiln.Session s, Graph g, Map<String, Tensor> feeds) {
    List<Output> outs = g.outputs();
    Map<Object, Object> f = new LinkedHashMap<>(feeds);
    List<Object> got = s.run(new ArrayList<Object>(outs), f);
    Tensor[] r = new Tensor[got.size()];
    for (int i = 0; i < r.length; i++) r[i] = (Tensor) got.get(i);
    return r;
  }

  // ---- ElementwiseZoo ------------------------------------------------------------------------------------

  @ParameterizedTest(name = "ElementwiseZoo batch {0}")
  @ValueSource(ints = {1, 2, 5})
  void elementwiseZoo(int batch) {
    Random r = Check.random("ElementwiseZoo" + batch);
    Map<String, Tensor> w = randomWeights(KilnElementwiseZoo.graph(), r);
    Tensor x = Ops2.scale(Check.gaussian(r, batch, 6), 2f);
    Tensor y = Ops2.scale(Check.gaussian(r, batch, 6), 2f);
    Tensor s = Check.gaussian(r, batch, 1);

    List<Tensor> ref;
    try (Tf t = new Tf()) {
      var tf = t.tf;
      Operand<TFloat32> px = t.placeholder(x);
      Operand<TFloat32> py = t.placeholder(y);
      Operand<TFloat32> ps = t.placeholder(s);
      Operand<TFloat32> a = tf.math.add(px, py);
      Operand<TFloat32> b = tf.math.sub(px, tf.math.mul(py, t.scalar(0.5f)));
      Operand<TFloat32> c = tf.math.div(px, tf.math.add(tf.math.abs(py), t.scalar(1f)));
      Operand<TFloat32> d = tf.math.mul(a, ps);
      Operand<TFloat32> e = tf.math.sub(t.scalar(2f), tf.math.div(t.scalar(1f), tf.math.add(tf.math.square(ps), t.scalar(0.5f))));
      Operand<TFloat32> binary = tf.concat(List.of(tf.math.maximum(a, b), tf.math.minimum(a, c), d,
          tf.math.maximum(b, t.scalar(0.25f)), tf.math.minimum(c, t.scalar(-0.25f)), e), tf.constant(-1));
      Operand<TFloat32> unary = tf.concat(List.of(
          tf.nn.relu(px), tf.nn.relu6(tf.math.mul(py, t.scalar(4f))), tf.math.sigmoid(px), tf.math.tanh(py),
          tf.nn.elu(px), OpConformanceTest.elu(t, py, 0.5f), tf.nn.leakyRelu(px, LeakyRelu.alpha(0.2f)),
          tf.nn.leakyRelu(py, LeakyRelu.alpha(0.1f)), tf.math.softplus(px), OpConformanceTest.geluExact(t, px),
          OpConformanceTest.geluTanh(t, py), OpConformanceTest.silu(t, px), OpConformanceTest.hardSigmoid(t, px),
          OpConformanceTest.hardSilu(t, py), tf.math.exp(tf.clipByValue(px, t.scalar(-5f), t.scalar(5f))),
          tf.math.log(tf.math.add(tf.math.square(px), t.scalar(1f))),
          tf.math.sqrt(tf.math.add(tf.math.abs(py), t.scalar(0.1f))), tf.math.neg(px)), tf.constant(1));
      Operand<TFloat32> h = dense(t, unary, w, "mix", Activation.GELU);
      Operand<TFloat32> probs = tf.nn.softmax(dense(t, h, w, "head", Activation.LINEAR));
      ref = t.run(List.of(binary, unary, probs));
    }

    Weights weights = Weights.of(w);
    try (KilnElementwiseZoo session = KilnElementwiseZoo.open(weights)) {
      compare("ElementwiseZoo", "call batch " + batch, session.call(x, y, s), ref);
      Tensor[] into = outputsFor(KilnElementwiseZoo.graph(), batch);
      session.callInto(x, y, s, into);
      compare("ElementwiseZoo", "callInto batch " + batch, into, ref);
      compare("ElementwiseZoo", "run batch " + batch,
          viaRun(session, KilnElementwiseZoo.graph(), Map.of("x", x, "y", y, "s", s)), ref);
    }
    ElementwiseZoo eager = new ElementwiseZoo();
    KilnElementwiseZoo.loadInto(eager, weights);
    compare("ElementwiseZoo", "eager batch " + batch, eager.forward(x, y, s), ref);
  }

  // ---- ShapeZoo --------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "ShapeZoo batch {0}")
  @ValueSource(ints = {1, 2, 5})
  void shapeZoo(int batch) {
    Random r = Check.random("ShapeZoo" + batch);
    Map<String, Tensor> w = randomWeights(KilnShapeZoo.graph(), r);
    Tensor z = Check.gaussian(r, batch, 3, 4);

    List<Tensor> ref;
    try (Tf t = new Tf()) {
      var tf = t.tf;
      Operand<TFloat32> q = dense(t, t.placeholder(z), w, "seq", Activation.TANH);
      Operand<TFloat32> qt = tf.linalg.transpose(q, t.ints(0, 2, 1));
      Operand<TFloat32> gram = tf.train.batchMatMul(q, qt, TFloat32.class);
      Operand<TFloat32> flat = tf.reshape(qt, t.ints(-1, 15));
      Operand<TFloat32> stats = tf.concat(List.of(
          tf.math.mean(q, tf.constant(1), Mean.keepDims(false)),
          tf.sum(q, tf.constant(-1), Sum.keepDims(false)),
          tf.max(q, tf.constant(2), Max.keepDims(false)),
          tf.reshape(tf.math.mean(gram, tf.constant(-1), Mean.keepDims(true)), t.ints(-1, 3))), tf.constant(1));
      Operand<TFloat32> padded = tf.pad(q, t.ints(new int[] {0, 0, 1, 0, 0, 2}, 3, 2), t.scalar(0.5f));
      Operand<TFloat32> cut = tf.slice(padded, t.ints(0, 1, 2), t.ints(-1, 2, 4));
      Operand<TFloat32> attention = OpConformanceTest.softmax(t, gram, 3, 1);
      Operand<TFloat32> mixed = tf.train.batchMatMul(attention, dense(t, q, w, "proj", Activation.LINEAR), TFloat32.class);
      Operand<TInt32> pick = tf.math.argMax(tf.reshape(mixed, t.ints(batch, -1)), tf.constant(-1), TInt32.class);
      ref = t.run(List.of(flat, stats, cut, mixed, pick));
    }

    Weights weights = Weights.of(w);
    try (KilnShapeZoo session = KilnShapeZoo.open(weights)) {
      compare("ShapeZoo", "call batch " + batch, session.call(z), ref);
      Tensor[] into = outputsFor(KilnShapeZoo.graph(), batch);
      session.callInto(z, into);
      compare("ShapeZoo", "callInto batch " + batch, into, ref);
      compare("ShapeZoo", "run batch " + batch, viaRun(session, KilnShapeZoo.graph(), Map.of("z", z)), ref);
    }
    ShapeZoo eager = new ShapeZoo();
    KilnShapeZoo.loadInto(eager, weights);
    compare("ShapeZoo", "eager batch " + batch, eager.forward(z), ref);
  }

  // ---- LayerZoo --------------------------------------------------------------------------------------------

  /** Was wrong before bug 1 (README.md) was fixed: see {@link RegressionTest}. */
  @ParameterizedTest(name = "LayerZoo compiled batch {0}")
  @ValueSource(ints = {1, 2, 5})
  void layerZooCompiled(int batch) {
    layerZoo(batch, true);
  }

  @ParameterizedTest(name = "LayerZoo eager batch {0}")
  @ValueSource(ints = {1, 2, 5})
  void layerZooEager(int batch) {
    layerZoo(batch, false);
  }

  private void layerZoo(int batch, boolean compiled) {
    Random r = Check.random("LayerZoo" + batch);
    Map<String, Tensor> w = randomWeights(KilnLayerZoo.graph(), r);
    Tensor a = Ops2.scale(Check.gaussian(r, batch, 2, 3, 4), 2f);
    Tensor b = Ops2.scale(Check.gaussian(r, batch, 2, 3, 4), 2f);

    List<Tensor> ref;
    try (Tf t = new Tf()) {
      var tf = t.tf;
      Operand<TFloat32> pa = t.placeholder(a);
      Operand<TFloat32> pb = t.placeholder(b);
      Operand<TFloat32> sum = tf.math.add(tf.math.add(pa, pb), tf.math.mul(pa, t.scalar(0.5f)));
      Operand<TFloat32> avg = tf.math.div(tf.math.add(tf.math.add(pa, pb), sum), t.scalar(3f));
      Operand<TFloat32> merged = tf.concat(List.of(tf.math.sub(pa, pb), tf.math.mul(pa, pb), avg,
          tf.math.maximum(pa, pb), tf.math.minimum(pa, pb)), tf.constant(-1));
      Operand<TFloat32> capped = tf.select(tf.math.less(merged, t.scalar(0f)), tf.math.mul(merged, t.scalar(0.1f)),
          tf.math.minimum(merged, t.scalar(2.5f)));
      Operand<TFloat32> rl = tf.concat(List.of(tf.nn.relu(merged), tf.nn.relu6(tf.math.mul(merged, t.scalar(3f))),
          capped, tf.nn.leakyRelu(merged, LeakyRelu.alpha(0.3f))), tf.constant(-1));
      Operand<TFloat32> p = tf.linalg.transpose(rl, t.ints(0, 3, 1, 2));
      Operand<TFloat32> f = tf.reshape(p, t.ints(batch, -1));
      Operand<TFloat32> act = OpConformanceTest.silu(t, tf.reshape(f, t.ints(batch, -1, 4)));
      Operand<TFloat32> h = dense(t, act, w, "dense", Activation.RELU6);
      ref = t.run(List.of(merged, OpConformanceTest.softmax(t, h, 3, 1), f));
    }

    Weights weights = Weights.of(w);
    if (!compiled) {
      LayerZoo eager = new LayerZoo();
      KilnLayerZoo.loadInto(eager, weights);
      compare("LayerZoo", "eager batch " + batch, eager.forward(a, b, false), ref);
      return;
    }
    try (KilnLayerZoo session = KilnLayerZoo.open(weights)) {
      compare("LayerZoo", "call batch " + batch, session.call(a, b), ref);
      Tensor[] into = outputsFor(KilnLayerZoo.graph(), batch);
      session.callInto(a, b, into);
      compare("LayerZoo", "callInto batch " + batch, into, ref);
      compare("LayerZoo", "run batch " + batch, viaRun(session, KilnLayerZoo.graph(), Map.of("a", a, "b", b)), ref);
    }
  }

  // ---- ConvZoo ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "ConvZoo batch {0}")
  @ValueSource(ints = {1, 2, 5})
  void convZoo(int batch) {
    Random r = Check.random("ConvZoo" + batch);
    Map<String, Tensor> w = randomWeights(KilnConvZoo.graph(), r);
    Tensor image = Check.gaussian(r, batch, 10, 9, 3);

    List<Tensor> ref;
    try (Tf t = new Tf()) {
      var tf = t.tf;
      List<Long> one = List.of(1L, 1L, 1L, 1L);
      Operand<TFloat32> x = tf.pad(t.placeholder(image), t.ints(new int[] {0, 0, 1, 1, 1, 1, 0, 0}, 4, 2), t.scalar(0f));
      Operand<TFloat32> c = tf.nn.conv2d(x, t.constant(w.get("stem/kernel")), List.of(1L, 2L, 2L, 1L), "SAME");
      Operand<TFloat32> h = tf.nn.relu(tf.nn.fusedBatchNorm(c, t.constant(w.get("bn/gamma")), t.constant(w.get("bn/beta")),
          t.constant(w.get("bn/moving_mean")), t.constant(w.get("bn/moving_variance")),
          FusedBatchNorm.epsilon(1e-3f), FusedBatchNorm.isTraining(false)).y());
      Operand<TFloat32> d = tf.nn.relu6(tf.nn.biasAdd(tf.nn.depthwiseConv2dNative(h, t.constant(w.get("dw/depthwise_kernel")),
          one, "SAME"), t.constant(w.get("dw/bias"))));
      Operand<TFloat32> e = tf.nn.biasAdd(tf.nn.conv2d(d, t.constant(w.get("dilated/kernel")), one, "SAME",
          Conv2d.dilations(1L, 2L, 2L, 1L)), t.constant(w.get("dilated/bias")));
      Operand<TFloat32> res = tf.math.add(h, e);
      Operand<TFloat32> p = tf.nn.maxPool(res, t.ints(1, 2, 2, 1), t.ints(1, 2, 2, 1), "VALID");
      Operand<TFloat32> a = tf.nn.avgPool(p, List.of(1L, 3L, 3L, 1L), one, "SAME");
      Operand<TFloat32> up = tf.image.resizeNearestNeighbor(a, t.ints(6, 6), ResizeNearestNeighbor.halfPixelCenters(true));
      Operand<TFloat32> mean = tf.math.mean(up, tf.constant(-1), Mean.keepDims(true));
      Operand<TFloat32> centered = tf.math.sub(up, mean);
      Operand<TFloat32> var = tf.math.mean(tf.math.square(centered), tf.constant(-1), Mean.keepDims(true));
      Operand<TFloat32> u = tf.math.add(tf.math.mul(tf.math.mul(centered, tf.math.rsqrt(tf.math.add(var, t.scalar(1e-3f)))),
          t.constant(w.get("norm/gamma"))), t.constant(w.get("norm/beta")));
      Operand<TFloat32> g = tf.math.mean(u, t.ints(1, 2), Mean.keepDims(false));
      ref = t.run(List.of(u, dense(t, g, w, "head", Activation.SOFTMAX)));
    }

    Weights weights = Weights.of(w);
    try (KilnConvZoo session = KilnConvZoo.open(weights)) {
      compare("ConvZoo", "call batch " + batch, session.call(image), ref);
      Tensor[] into = outputsFor(KilnConvZoo.graph(), batch);
      session.callInto(image, into);
      compare("ConvZoo", "callInto batch " + batch, into, ref);
      compare("ConvZoo", "run batch " + batch, viaRun(session, KilnConvZoo.graph(), Map.of("image", image)), ref);
    }
    ConvZoo eager = new ConvZoo();
    KilnConvZoo.loadInto(eager, weights);
    compare("ConvZoo", "eager batch " + batch, eager.forward(image, false), ref);
  }

  // ---- helpers ---------------------------------------------------------------------------------------------

  /** Keras Dense in TF over the weights {@code name/kernel} and (if present) {@code name/bias}, any input rank. */
  static Operand<TFloat32> dense(Tf t, Operand<TFloat32> x, Map<String, Tensor> w, String name, Activation a) {
    Tensor kernel = w.get(name + "/kernel");
    Tensor bias = w.get(name + "/bias");
    long[] dims = x.shape().asArray();
    int[] in = new int[dims.length];
    for (int i = 0; i < dims.length; i++) in[i] = (int) dims[i];
    return LayerConformanceTest.denseTf(t, x, in, t.constant(kernel), bias == null ? null : t.constant(bias), a);
  }

  static final class Ops2 {
    static Tensor scale(Tensor x, float k) {
      return dev.kiln.Ops.multiply(x, k);
    }
  }
}

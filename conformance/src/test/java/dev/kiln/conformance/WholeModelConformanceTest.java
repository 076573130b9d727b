package dev.kiln.conformance;

import dev.kiln.Graph;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.vector.VectorKernels;
import dev.kiln.Weights;
import dev.kiln.example.vision.KilnMobileNetV2;
import dev.kiln.example.vision.KilnResNet;
import dev.kiln.example.vision.MobileNetV2;
import dev.kiln.example.vision.ResNet;
import dev.kiln.graph.NodeDef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Whole models written as Kiln user code ({@code dev.kiln.example.vision}: MobileNetV2 as keras.applications builds
 * it, 224×224×3, alpha 1.0, 1000 classes; a ResNet-style network of bottleneck blocks, 64×64×3, 10 classes) against
 * the same network built layer by layer in TF Java over the same seeded random weights: the generated session's
 * {@code call} and the eager model ({@code loadInto}) at batch 1 and 4, softmax outputs within {@link #ABS_TOL}
 * absolute. Intermediate tensors of the logical graph, fetched by name through the session's {@code run}, are
 * compared with the TF graph's corresponding nodes (with {@link Check}'s relative metric: their scale is arbitrary).
 *
 * <p>Errors are recorded as {@code whole:<model> b<batch> <path>} (absolute, probabilities) and
 * {@code whole:<model> fetch <node>} (relative) in {@code target/conformance-errors.txt}.
 */
class WholeModelConformanceTest {
  /** The largest allowed absolute difference between Kiln's and TF's probabilities. */
  static final double ABS_TOL = 1e-4;
  static final int[] BATCHES = {1, 4};
  /** The scale of the gammas closing a residual branch (see {@link #randomWeights}). */
  static final float RESIDUAL_GAMMA = 0.3f;

  @AfterAll
  static void report() {
    Check.report();
  }

  // ---- weights and inputs -----------------------------------------------------------------------------------

  /**
   * Seeded random weights for every variable of {@code g}: conv and dense kernels He-scaled by their fan-in
   * ({@code kh * kw * in} for Conv2D, {@code kh * kw} for a depthwise kernel, {@code in} for Dense), BatchNorm
   * moving variances in [0.5, 1.5) (around 1), gammas 1 ± 0.1, betas, moving means and biases ~ 0.1 N(0, 1).
   *
   * <p>The gammas named {@code residualGamma} (the BatchNorm closing a residual branch) are scaled by
   * {@link #RESIDUAL_GAMMA}: with every gamma near 1 and statistics that do not match the activations, each
   * identity-shortcut block adds a unit-variance branch to the stream, the ResNet's features grow about 1.5x per
   * block (rms 14 after six) and its softmax is one-hot for every image. Trained ResNets (and "zero-gamma"
   * initialization) keep those gammas small. MobileNetV2's linear bottlenecks do not need it ({@code null}).
   */
  static Map<String, Tensor> randomWeights(Graph g, Random r, String residualGamma) {
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (NodeDef v : g.graphDef().variables()) {
      int[] shape = v.outputShape(0);
      String name = v.name();
      int fanIn = 1;
      if (name.endsWith("depthwise_kernel")) {
        fanIn = shape[0] * shape[1];
      } else {
        for (int i = 0; i < shape.length - 1; i++) fanIn *= shape[i];
      }
      double he = Math.sqrt(2.0 / Math.max(1, fanIn));
      float[] d = new float[Check.size(shape)];
      for (int i = 0; i < d.length; i++) {
        if (name.endsWith("moving_variance")) {
          d[i] = 0.5f + r.nextFloat();
        } else if (name.endsWith("gamma")) {
          d[i] = (float) (1 + 0.1 * r.nextGaussian());
          if (residualGamma != null && name.endsWith(residualGamma)) d[i] *= RESIDUAL_GAMMA;
        } else if (name.endsWith("beta") || name.endsWith("moving_mean") || name.endsWith("bias")) {
          d[i] = (float) (0.1 * r.nextGaussian());
        } else {
          d[i] = (float) (he * r.nextGaussian());
        }
      }
      w.put(name, Tensor.of(d, shape));
    }
    return w;
  }

  /** An image batch in [-1, 1) (keras.applications' MobileNetV2 preprocessing range). */
  static Tensor image(Random r, int batch, int size) {
    return Check.uniform(r, -1f, 1f, batch, size, size, 3);
  }

  // ---- the TF networks --------------------------------------------------------------------------------------

  /** Builds a TF network and records its nodes under the Kiln graph's node names. */
  static final class Net {
    final Tf t;
    final Map<String, Tensor> w;
    final Map<String, Operand<TFloat32>> nodes = new LinkedHashMap<>();

    Net(Tf t, Map<String, Tensor> w) {
      this.t = t;
      this.w = w;
    }

    Operand<TFloat32> weight(String name) {
      Tensor v = w.get(name);
      if (v == null) throw new AssertionError("no weight " + name + " in the Kiln graph");
      return t.constant(v);
    }

    Operand<TFloat32> record(String kilnNode, Operand<TFloat32> op) {
      nodes.put(kilnNode, op);
      return op;
    }

    Operand<TFloat32> conv(String layer, Operand<TFloat32> x, int stride, String padding, boolean bias) {
      Operand<TFloat32> y = record(layer + "/Conv2D",
          t.tf.nn.conv2d(x, weight(layer + "/kernel"), List.of(1L, (long) stride, (long) stride, 1L), padding));
      return bias ? record(layer + "/BiasAdd", t.tf.nn.biasAdd(y, weight(layer + "/bias"))) : y;
    }

    Operand<TFloat32> depthwise(String layer, Operand<TFloat32> x, int stride, String padding) {
      return record(layer + "/DepthwiseConv2dNative", t.tf.nn.depthwiseConv2dNative(x,
          weight(layer + "/depthwise_kernel"), List.of(1L, (long) stride, (long) stride, 1L), padding));
    }

    Operand<TFloat32> batchNorm(String layer, Operand<TFloat32> x, float epsilon) {
      return record(layer + "/BatchNorm", t.tf.nn.fusedBatchNorm(x, weight(layer + "/gamma"), weight(layer + "/beta"),
          weight(layer + "/moving_mean"), weight(layer + "/moving_variance"),
          FusedBatchNorm.epsilon(epsilon), FusedBatchNorm.isTraining(false)).y());
    }

    /** Zero padding of H and W: {@code {top, bottom, left, right}}. */
    Operand<TFloat32> pad(Operand<TFloat32> x, int top, int bottom, int left, int right) {
      return t.tf.pad(x, t.ints(new int[] {0, 0, top, bottom, left, right, 0, 0}, 4, 2), t.scalar(0f));
    }

    /** GlobalAveragePooling2D, then Dense + softmax. */
    Operand<TFloat32> classifier(String pool, Operand<TFloat32> x) {
      Operand<TFloat32> g = record(pool + "/Mean", t.tf.math.mean(x, t.ints(1, 2), Mean.keepDims(false)));
      Operand<TFloat32> logits = record("predictions/BiasAdd",
          t.tf.nn.biasAdd(t.tf.linalg.matMul(g, weight("predictions/kernel")), weight("predictions/bias")));
      return record("predictions/Softmax", t.tf.nn.softmax(logits));
    }
  }

  /** keras.applications.MobileNetV2(alpha=1.0, classes=1000) at 224×224×3, as TF ops. */
  static Operand<TFloat32> mobileNetV2(Net n, Operand<TFloat32> image) {
    var tf = n.t.tf;
    final float eps = 1e-3f;
    Operand<TFloat32> x = tf.nn.relu6(n.batchNorm("stemBn", n.conv("stem", image, 2, "SAME", false), eps));
    // (expansion, filters, repeats, first stride): keras.applications' _inverted_res_block calls.
    int[][] stages = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
        {6, 320, 1, 1}};
    int in = 32;
    int b = 0;
    for (int[] stage : stages) {
      for (int i = 0; i < stage[2]; i++, b++) {
        int stride = i == 0 ? stage[3] : 1;
        int filters = stage[1];
        String p = "blocks/" + b + "/";
        Operand<TFloat32> y = x;
        if (b > 0) y = tf.nn.relu6(n.batchNorm(p + "expandBn", n.conv(p + "expand", y, 1, "SAME", false), eps));
        if (stride == 2) {
          // imagenet_utils.correct_pad(kernel 3): one pixel after, and one before only for an odd size.
          long h = y.shape().size(1);
          long wd = y.shape().size(2);
          y = n.record(p + "Pad", n.pad(y, (int) (h % 2), 1, (int) (wd % 2), 1));
        }
        y = tf.nn.relu6(n.batchNorm(p + "depthwiseBn", n.depthwise(p + "depthwise", y, stride,
            stride == 1 ? "SAME" : "VALID"), eps));
        y = n.batchNorm(p + "projectBn", n.conv(p + "project", y, 1, "SAME", false), eps);
        x = in == filters && stride == 1 ? n.record(p + "Add", tf.math.add(x, y)) : y;
        in = filters;
      }
    }
    x = tf.nn.relu6(n.batchNorm("headBn", n.conv("head", x, 1, "SAME", false), eps));
    return n.classifier("pool", x);
  }

  /** ResNet50's stem and v1 bottleneck blocks (three stages of two, 16/32/64 filters), 64×64×3, 10 classes. */
  static Operand<TFloat32> resNet(Net n, Operand<TFloat32> image) {
    var tf = n.t.tf;
    final float eps = 1.001e-5f;
    Operand<TFloat32> x = tf.nn.relu(n.batchNorm("stemBn", n.conv("stem", n.pad(image, 3, 3, 3, 3), 2, "VALID", true), eps));
    x = n.record("pool/MaxPool", tf.nn.maxPool(n.record("poolPad/Pad", n.pad(x, 1, 1, 1, 1)), n.t.ints(1, 3, 3, 1), n.t.ints(1, 2, 2, 1), "VALID"));
    int[] filters = {16, 32, 64};
    int in = 32;
    int b = 0;
    for (int s = 0; s < filters.length; s++) {
      for (int i = 0; i < 2; i++, b++) {
        int f = filters[s];
        int stride = i == 0 && s > 0 ? 2 : 1;
        String p = "blocks/" + b + "/";
        Operand<TFloat32> shortcut = stride != 1 || in != 4 * f
            ? n.batchNorm(p + "shortcutBn", n.conv(p + "shortcut", x, stride, "VALID", true), eps)
            : x;
        Operand<TFloat32> y = tf.nn.relu(n.batchNorm(p + "reduceBn", n.conv(p + "reduce", x, stride, "VALID", true), eps));
        y = tf.nn.relu(n.batchNorm(p + "convBn", n.conv(p + "conv", y, 1, "SAME", true), eps));
        y = n.batchNorm(p + "expandBn", n.conv(p + "expand", y, 1, "VALID", true), eps);
        x = tf.nn.relu(n.record(p + "Add", tf.math.add(shortcut, y)));
        in = 4 * f;
      }
    }
    return n.classifier("avg", x);
  }

  // ---- comparison -------------------------------------------------------------------------------------------

  private final List<String> failures = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void reportFailures() {
    if (!failures.isEmpty()) throw new AssertionError(failures.size() + " mismatches:\n" + String.join("\n", failures));
  }

  static double absError(Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape(), b.shape())) return Double.POSITIVE_INFINITY;
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    double d = 0;
    for (int i = 0; i < x.length; i++) {
      double e = Math.abs((double) x[i] - y[i]);
      if (!(e <= d)) d = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
    }
    return d;
  }

  void compareProbabilities(String model, int batch, String path, Tensor kiln, Tensor tf) {
    double e = absError(kiln, tf);
    Check.record("whole:" + model + " b" + batch + " " + path, e);
    System.out.printf("[whole] %s batch %d %-8s max |kiln - tf| = %.3e%n", model, batch, path, e);
    if (!(e <= ABS_TOL)) {
      failures.add(model + " batch " + batch + " " + path + " (seed " + Check.SEED + "): max abs error " + e + " > "
          + ABS_TOL + "; kiln shape " + Arrays.toString(kiln.shape()) + ", tf shape " + Arrays.toString(tf.shape()));
    }
  }

  void compareFetched(String model, String node, Tensor kiln, Tensor tf) {
    try {
      Check.close("whole:" + model + " fetch " + node, node, kiln, tf);
    } catch (AssertionError e) {
      failures.add(e.getMessage());
    }
  }

  /**
   * The softmax is meaningful: a probability distribution, neither one-hot nor uniform, and it depends on the
   * image (rows of the batch differ). Prints the largest probability.
   */
  void checkSane(String model, Tensor probs) {
    int batch = probs.dim(0);
    int classes = probs.dim(1);
    float[] p = probs.toFloatArray();
    double maxP = 0;
    double minMax = 1;
    double rowDiff = 0;
    for (int i = 0; i < batch; i++) {
      double sum = 0;
      double rowMax = 0;
      for (int j = 0; j < classes; j++) {
        sum += p[i * classes + j];
        rowMax = Math.max(rowMax, p[i * classes + j]);
        if (i > 0) rowDiff = Math.max(rowDiff, Math.abs(p[i * classes + j] - p[j]));
      }
      maxP = Math.max(maxP, rowMax);
      minMax = Math.min(minMax, rowMax);
      if (Math.abs(sum - 1) > 1e-4) failures.add(model + ": row " + i + " of the softmax sums to " + sum);
    }
    System.out.printf("[whole] %s batch %d: max probability %.4f (uniform %.4f), largest difference between images %.3e%n",
        model, batch, maxP, 1.0 / classes, rowDiff);
    if (maxP > 0.99) failures.add(model + ": softmax is one-hot (max probability " + maxP + "): weights too large");
    if (minMax < 2.0 / classes) {
      failures.add(model + ": softmax is nearly uniform (max probability " + minMax + "): weights too small");
    }
    if (batch > 1 && rowDiff < 1e-4) failures.add(model + ": the output hardly depends on the image (" + rowDiff + ")");
  }

  /** TF's outputs for one batch: the probabilities, then each fetched node. */
  static List<Tensor> tfReference(Map<String, Tensor> w, Tensor image,
      java.util.function.BiFunction<Net, Operand<TFloat32>, Operand<TFloat32>> net, List<String> fetched) {
    try (Tf t = new Tf()) {
      Net n = new Net(t, w);
      List<Operand<TFloat32>> fetches = new ArrayList<>();
      fetches.add(net.apply(n, t.placeholder(image)));
      for (String node : fetched) {
        Operand<TFloat32> op = n.nodes.get(node);
        if (op == null) throw new AssertionError("the TF network has no node recorded as " + node);
        fetches.add(op);
      }
      return t.run(fetches);
    }
  }

  // ---- the tests --------------------------------------------------------------------------------------------

  static final List<String> MOBILENET_FETCHED = List.of("blocks/3/Pad", "blocks/5/project/Conv2D", "blocks/5/Add", "headBn/BatchNorm");
  static final List<String> RESNET_FETCHED = List.of("poolPad/Pad", "pool/MaxPool", "blocks/2/conv/Conv2D", "blocks/3/expandBn/BatchNorm", "blocks/3/Add");

  /** The generated code on kiln-runtime-vector's kernels too (their fused paths: depthwise + pointwise, Winograd). */
  static final SessionOptions VECTOR_TWO_THREADS =
      SessionOptions.defaults().kernels(VectorKernels.FACTORY).intraOpThreads(2);

  @Test
  void mobileNetV2() {
    Graph g = KilnMobileNetV2.graph();
    Random r = Check.random("WholeModel MobileNetV2");
    Map<String, Tensor> w = randomWeights(g, r, null);
    Weights weights = Weights.of(w);
    MobileNetV2 eager = new MobileNetV2();
    KilnMobileNetV2.loadInto(eager, weights);
    try (KilnMobileNetV2 session = KilnMobileNetV2.open(weights);
        KilnMobileNetV2 vector = KilnMobileNetV2.open(weights, VECTOR_TWO_THREADS)) {
      for (int batch : BATCHES) {
        Tensor x = image(r, batch, 224);
        List<Tensor> ref = tfReference(w, x, WholeModelConformanceTest::mobileNetV2, MOBILENET_FETCHED);
        checkSane("MobileNetV2", ref.get(0));
        compareProbabilities("MobileNetV2", batch, "compiled", session.call(x), ref.get(0));
        compareProbabilities("MobileNetV2", batch, "compiled, vector kernels", vector.call(x), ref.get(0));
        compareProbabilities("MobileNetV2", batch, "eager", eager.call(x), ref.get(0));
        fetchAll("MobileNetV2", session, x, MOBILENET_FETCHED, ref);
      }
    }
  }

  @Test
  void resNet() {
    Graph g = KilnResNet.graph();
    Random r = Check.random("WholeModel ResNet");
    Map<String, Tensor> w = randomWeights(g, r, "expandBn/gamma");
    Weights weights = Weights.of(w);
    ResNet eager = new ResNet();
    KilnResNet.loadInto(eager, weights);
    try (KilnResNet session = KilnResNet.open(weights);
        KilnResNet vector = KilnResNet.open(weights, VECTOR_TWO_THREADS)) {
      for (int batch : BATCHES) {
        Tensor x = image(r, batch, 64);
        List<Tensor> ref = tfReference(w, x, WholeModelConformanceTest::resNet, RESNET_FETCHED);
        checkSane("ResNet", ref.get(0));
        compareProbabilities("ResNet", batch, "compiled", session.call(x), ref.get(0));
        compareProbabilities("ResNet", batch, "compiled, vector kernels", vector.call(x), ref.get(0));
        compareProbabilities("ResNet", batch, "eager", eager.call(x), ref.get(0));
        fetchAll("ResNet", session, x, RESNET_FETCHED, ref);
      }
    }
  }

  /** Fetches each named node of the logical graph through the session and compares it with TF's node. */
  void fetchAll(String model, dev.kiln.Session session, Tensor x, List<String> nodes, List<Tensor> ref) {
    for (int i = 0; i < nodes.size(); i++) {
      Tensor got = session.run(nodes.get(i) + ":0", Map.of("image", x));
      compareFetched(model, nodes.get(i), got, ref.get(i + 1));
    }
  }
}

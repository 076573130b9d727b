package dev.kiln.norm;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.DType;
import dev.kiln.Initializers;
import dev.kiln.NormOps;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Cropping1D;
import dev.kiln.layers.Cropping2D;
import dev.kiln.layers.LayerNormalization;
import dev.kiln.layers.UpSampling1D;
import dev.kiln.layers.UpSampling2D;
import dev.kiln.layers.ZeroPadding1D;
import dev.kiln.layers.ZeroPadding2D;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NormLayersTest {
  private static Tensor t(float[] v, int... shape) {
    return Tensor.of(v, shape);
  }

  private static Tensor v(float... v) {
    return Tensor.of(v, v.length);
  }

  private static void assertValues(Tensor x, int[] shape, float... want) {
    assertThat(x.shape()).isEqualTo(shape);
    assertThat(x.toFloatArray()).usingTolerance(1e-6).containsExactly(want).inOrder();
  }

  private static NodeDef node(List<NodeDef> nodes, String name) {
    for (NodeDef n : nodes) if (n.name().equals(name)) return n;
    throw new AssertionError("no node " + name + " in " + nodes);
  }

  // ---- BatchNormalization ---------------------------------------------------------------------------------

  @Test
  void batchNormalizationInferenceWithLoadedWeights() {
    // x [[1, 2], [3, 4]], gamma [2, 1], beta [0, 1], mean [1, 2], var [3.999, 0.999] (+ eps 1e-3 = [4, 1])
    // s = [1, 1], t = beta - mean * s = [-1, -1] -> [0, 1, 2, 3]
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("bn/gamma", v(2, 1));
    w.put("bn/beta", v(0, 1));
    w.put("bn/moving_mean", v(1, 2));
    w.put("bn/moving_variance", v(3.999f, 0.999f));
    BatchNormalization bn = new BatchNormalization();
    assertThat(bn.epsilon()).isEqualTo(1e-3f);
    bn.loadWeights("bn", Weights.of(w));
    assertValues(bn.apply(t(new float[] {1, 2, 3, 4}, 2, 2)), new int[] {2, 2}, 0, 1, 2, 3);
    assertThat(bn.weights().keySet()).containsExactly("gamma", "beta", "moving_mean", "moving_variance").inOrder();
    assertThat(bn.apply(t(new float[] {1, 2, 3, 4}, 2, 2), false).toFloatArray())
        .isEqualTo(bn.apply(t(new float[] {1, 2, 3, 4}, 2, 2)).toFloatArray());
  }

  @Test
  void batchNormalizationWithoutCenterAndScale() {
    // defaults: moving_mean 0, moving_variance 1 -> y = x / sqrt(1 + 1e-3); no gamma / beta weights
    BatchNormalization bn = new BatchNormalization().center(false).scale(false);
    Tensor y = bn.apply(t(new float[] {1, -2, 3, 4}, 2, 2));
    float k = (float) (1 / Math.sqrt(1.001));
    assertValues(y, new int[] {2, 2}, k, -2 * k, 3 * k, 4 * k);
    assertThat(bn.weights().keySet()).containsExactly("moving_mean", "moving_variance").inOrder();
    BatchNormalization onlyScale = new BatchNormalization().center(false);
    onlyScale.apply(t(new float[] {1, 2}, 1, 2));
    assertThat(onlyScale.weights().keySet()).containsExactly("gamma", "moving_mean", "moving_variance").inOrder();
  }

  @Test
  void batchNormalizationAxis1AndMinus1() {
    // x [1, 2, 3] (channels on axis 1): channel 0 = {1, 2, 3}, channel 1 = {4, 5, 6}
    // moving_mean [2, 5] (constant init 2 is not per-channel, so load), var 0.999 + 1e-3 = 1, gamma 1, beta 0
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("bn/gamma", v(1, 3));
    w.put("bn/beta", v(0, 0));
    w.put("bn/moving_mean", v(2, 5));
    w.put("bn/moving_variance", v(0.999f, 0.999f));
    BatchNormalization axis1 = new BatchNormalization().axis(1);
    axis1.loadWeights("bn", Weights.of(w));
    // channel 0: [-1, 0, 1], channel 1: 3 * [-1, 0, 1]
    assertValues(axis1.apply(t(new float[] {1, 2, 3, 4, 5, 6}, 1, 2, 3)), new int[] {1, 2, 3}, -1, 0, 1, -3, 0, 3);
    assertThat(axis1.weights().get("gamma").shape()).isEqualTo(new int[] {2});
    // axis -1 on [1, 3, 2]: the same numbers transposed
    BatchNormalization last = new BatchNormalization().axis(-1);
    last.loadWeights("bn", Weights.of(w));
    assertValues(last.apply(t(new float[] {1, 4, 2, 5, 3, 6}, 1, 3, 2)), new int[] {1, 3, 2}, -1, -3, 0, 0, 1, 3);
  }

  @Test
  void batchNormalizationTrainingUsesBatchStatisticsAndUpdatesMovingOnes() {
    // x [4, 1] = [1, 2, 3, 4]: batch mean 2.5, biased variance 1.25 -> (x - 2.5) / sqrt(1.251)
    // moving_mean = 0 * 0.99 + 2.5 * 0.01 = 0.025; moving_variance = 1 * 0.99 + 1.25 * 0.01 = 1.0025
    BatchNormalization bn = new BatchNormalization();
    Tensor y = bn.apply(t(new float[] {1, 2, 3, 4}, 4, 1), true);
    double s = Math.sqrt(1.251);
    assertValues(y, new int[] {4, 1}, (float) (-1.5 / s), (float) (-0.5 / s), (float) (0.5 / s), (float) (1.5 / s));
    assertThat(bn.weights().get("moving_mean").toFloatArray()).usingTolerance(1e-7).containsExactly(0.025f);
    assertThat(bn.weights().get("moving_variance").toFloatArray()).usingTolerance(1e-7).containsExactly(1.0025f);
    // over every axis but the channel: [2, 2, 2] with axis 1 -> channel 0 = {0, 1, 4, 5}, channel 1 = {2, 3, 6, 7}
    BatchNormalization bn1 = new BatchNormalization().axis(1).momentum(0f);
    bn1.apply(t(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2), true);
    assertThat(bn1.weights().get("moving_mean").toFloatArray()).usingTolerance(1e-7).containsExactly(2.5f, 4.5f).inOrder();
    assertThat(bn1.weights().get("moving_variance").toFloatArray()).usingTolerance(1e-6).containsExactly(4.25f, 4.25f).inOrder();
  }

  @Test
  void batchNormalizationTracesOneNodeAndRejectsTraining() {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 5, 5, 8);
      tracer.pushScope("bn");
      BatchNormalization bn = new BatchNormalization().epsilon(1e-5f);
      Tensor y = bn.apply(x);
      assertThrows(IllegalArgumentException.class, () -> bn.apply(x, true));
      tracer.popScope();
      assertThat(y.shape()).isEqualTo(new int[] {-1, 5, 5, 8});
      NodeDef n = y.symbol().node();
      assertThat(n.name()).isEqualTo("bn/BatchNorm");
      assertThat(n.inputs()).asList()
          .containsExactly("x:0", "bn/moving_mean:0", "bn/moving_variance:0", "bn/gamma:0", "bn/beta:0").inOrder();
      assertThat(n.attrs().getInt("axis")).isEqualTo(3);
      assertThat(n.attrs().getFloat("epsilon")).isEqualTo(1e-5f);
      List<NodeDef> nodes = tracer.nodes();
      assertThat(node(nodes, "bn/moving_variance").opType()).isEqualTo("Variable");
      assertThat(node(nodes, "bn/moving_variance").outputShape(0)).isEqualTo(new int[] {8});
      assertThat(node(nodes, "bn/moving_variance").attrs().getString("initializer")).isEqualTo("ones");
    } finally {
      tracer.end();
    }
  }

  // ---- LayerNormalization ---------------------------------------------------------------------------------

  @Test
  void layerNormalizationOneAxis() {
    // rows [1, 3] and [0, 4]: mean 2, var 1 and 4; eps 1e-3 -> [-1, 1] / sqrt(1.001), [-2, 2] / sqrt(4.001)
    LayerNormalization ln = new LayerNormalization();
    assertThat(ln.epsilon()).isEqualTo(1e-3f);
    Tensor y = ln.apply(t(new float[] {1, 3, 0, 4}, 2, 2));
    float a = (float) (1 / Math.sqrt(1.001));
    float b = (float) (2 / Math.sqrt(4.001));
    assertValues(y, new int[] {2, 2}, -a, a, -b, b);
    assertThat(ln.weights().keySet()).containsExactly("gamma", "beta").inOrder();
    assertThat(ln.weights().get("gamma").shape()).isEqualTo(new int[] {2});
    // gamma 2, beta 1 via initializers
    LayerNormalization scaled = new LayerNormalization().gammaInitializer(Initializers.constant(2f))
        .betaInitializer(Initializers.ones());
    assertValues(scaled.apply(t(new float[] {1, 3}, 1, 2)), new int[] {1, 2}, 1 - 2 * a, 1 + 2 * a);
  }

  @Test
  void layerNormalizationTwoAxesAndNoParams() {
    // x [1, 2, 2] = [[0, 2], [4, 6]] over axes (1, 2): mean 3, var 5 -> (x - 3) / sqrt(5.001)
    LayerNormalization ln = new LayerNormalization().axis(1, 2).center(false).scale(false);
    float k = (float) (1 / Math.sqrt(5.001));
    assertValues(ln.apply(t(new float[] {0, 2, 4, 6}, 1, 2, 2)), new int[] {1, 2, 2}, -3 * k, -k, k, 3 * k);
    assertThat(ln.weights()).isEmpty();
    LayerNormalization two = new LayerNormalization().axis(-1, -2).epsilon(4f);
    two.apply(t(new float[] {0, 2, 4, 6}, 1, 2, 2));
    assertThat(two.weights().get("gamma").shape()).isEqualTo(new int[] {2, 2});
    assertThat(two.weights().get("beta").shape()).isEqualTo(new int[] {2, 2});
    // var 5 + eps 4 = 9 -> [-1, -1/3, 1/3, 1]
    assertValues(two.apply(t(new float[] {0, 2, 4, 6}, 1, 2, 2)), new int[] {1, 2, 2}, -1, -1f / 3, 1f / 3, 1);
  }

  @Test
  void layerNormalizationTraces() {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 6, 4);
      tracer.pushScope("norm");
      Tensor y = new LayerNormalization().axis(1, 2).epsilon(1e-6f).apply(x);
      tracer.popScope();
      NodeDef n = y.symbol().node();
      assertThat(n.name()).isEqualTo("norm/LayerNorm");
      assertThat(y.shape()).isEqualTo(new int[] {-1, 6, 4});
      assertThat(n.inputs()).asList().containsExactly("x:0", "norm/gamma:0", "norm/beta:0").inOrder();
      assertThat(n.attrs().getInts("axes")).isEqualTo(new int[] {1, 2});
      assertThat(node(tracer.nodes(), "norm/gamma").outputShape(0)).isEqualTo(new int[] {6, 4});
    } finally {
      tracer.end();
    }
  }

  // ---- padding, cropping, upsampling ----------------------------------------------------------------------

  @Test
  void zeroPadding() {
    Tensor one = t(new float[] {5}, 1, 1, 1, 1);
    assertValues(new ZeroPadding2D().apply(one), new int[] {1, 3, 3, 1}, 0, 0, 0, 0, 5, 0, 0, 0, 0);
    assertValues(new ZeroPadding2D(1, 0).apply(one), new int[] {1, 3, 1, 1}, 0, 5, 0);
    // top 1, bottom 0, left 0, right 2 -> [[0, 0, 0], [5, 0, 0]]
    assertValues(new ZeroPadding2D(1, 0, 0, 2).apply(one), new int[] {1, 2, 3, 1}, 0, 0, 0, 5, 0, 0);
    assertThat(new ZeroPadding2D(2).apply(one).shape()).isEqualTo(new int[] {1, 5, 5, 1});
    assertValues(new ZeroPadding1D(1, 2).apply(t(new float[] {1, 2}, 1, 2, 1)), new int[] {1, 5, 1}, 0, 1, 2, 0, 0);
    assertValues(new ZeroPadding1D(1).apply(t(new float[] {1, 2}, 1, 1, 2)), new int[] {1, 3, 2}, 0, 0, 1, 2, 0, 0);
    assertThrows(IllegalArgumentException.class, () -> new ZeroPadding2D(-1));
  }

  @Test
  void cropping() {
    Tensor x = t(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 3, 3, 1);
    // top 1, bottom 0, left 0, right 1: rows 1..2, cols 0..1 -> [4, 5, 7, 8]
    assertValues(new Cropping2D(1, 0, 0, 1).apply(x), new int[] {1, 2, 2, 1}, 4, 5, 7, 8);
    assertValues(new Cropping2D(1).apply(x), new int[] {1, 1, 1, 1}, 5);
    assertValues(new Cropping2D(0, 1).apply(x), new int[] {1, 3, 1, 1}, 2, 5, 8);
    assertValues(new Cropping1D(1, 2).apply(t(new float[] {1, 2, 3, 4, 5}, 1, 5, 1)), new int[] {1, 2, 1}, 2, 3);
    assertValues(new Cropping1D().apply(t(new float[] {1, 2, 3}, 1, 3, 1)), new int[] {1, 1, 1}, 2);
    assertThrows(IllegalArgumentException.class, () -> new Cropping2D(2).apply(x));
  }

  @Test
  void upSampling() {
    Tensor x = t(new float[] {1, 2, 3, 4}, 1, 2, 2, 1);
    assertThat(new UpSampling2D().apply(x).toFloatArray()).isEqualTo(NormOps.resize(x, 2, 2, "nearest").toFloatArray());
    assertValues(new UpSampling2D(1, 2).apply(x), new int[] {1, 2, 4, 1}, 1, 1, 2, 2, 3, 3, 4, 4);
    // bilinear 2x2 -> 4x4 (half-pixel, see NormOpsTest): row 1 = [1.5, 1.75, 2.25, 2.5]
    Tensor b = new UpSampling2D(2).interpolation("bilinear").apply(x);
    assertThat(b.shape()).isEqualTo(new int[] {1, 4, 4, 1});
    assertThat(b.toFloatArray()[4]).isEqualTo(1.5f);
    assertThat(b.toFloatArray()[7]).isEqualTo(2.5f);
    // [1, 2, 2] = steps [1, 2], [3, 4], size 3 -> each step three times
    assertValues(new UpSampling1D(3).apply(t(new float[] {1, 2, 3, 4}, 1, 2, 2)), new int[] {1, 6, 2},
        1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4);
    assertThat(new UpSampling1D().apply(t(new float[] {1, 2, 3, 4}, 2, 2, 1)).toFloatArray())
        .usingExactEquality().containsExactly(1f, 1f, 2f, 2f, 3f, 3f, 4f, 4f).inOrder();
    assertThrows(IllegalArgumentException.class, () -> new UpSampling2D().interpolation("area"));
  }

  @Test
  void paddingCroppingUpsamplingTraceWithUnknownBatch() {
    Tracer tracer = Tracer.begin();
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 4, 5, 3);
      Tensor p = new ZeroPadding2D(1, 2, 3, 4).apply(x);
      assertThat(p.shape()).isEqualTo(new int[] {-1, 7, 12, 3});
      assertThat(p.symbol().node().opType()).isEqualTo("Pad");
      assertThat(p.symbol().node().attrs().getInts("paddings")).isEqualTo(new int[] {0, 0, 1, 2, 3, 4, 0, 0});
      Tensor c = new Cropping2D(1, 0, 2, 1).apply(x);
      assertThat(c.shape()).isEqualTo(new int[] {-1, 3, 2, 3});
      NodeDef slice = c.symbol().node();
      assertThat(slice.opType()).isEqualTo("Slice");
      assertThat(slice.attrs().getInts("begin")).isEqualTo(new int[] {0, 1, 2, 0});
      assertThat(slice.attrs().getInts("size")).isEqualTo(new int[] {-1, 3, 2, 3});
      Tensor u = new UpSampling2D(2, 3).interpolation("bilinear").apply(x);
      assertThat(u.shape()).isEqualTo(new int[] {-1, 8, 15, 3});
      assertThat(u.symbol().node().attrs().getInts("scale")).isEqualTo(new int[] {2, 3});
      Tensor s = tracer.placeholder("s", 1, DType.FLOAT32, -1, 5, 2);
      Tensor u1 = new UpSampling1D(2).apply(s);
      assertThat(u1.shape()).isEqualTo(new int[] {-1, 10, 2});
      NodeDef last = u1.symbol().node();
      assertThat(last.opType()).isEqualTo("Reshape");
      NodeDef resize = node(tracer.nodes(), NodeDef.nodeOf(last.input(0)));
      assertThat(resize.opType()).isEqualTo("Resize");
      assertThat(resize.outputShape(0)).isEqualTo(new int[] {-1, 10, 1, 2});
      assertThat(resize.attrs().getString("method")).isEqualTo("nearest");
      Tensor c1 = new Cropping1D(1, 2).apply(s);
      assertThat(c1.symbol().node().attrs().getInts("size")).isEqualTo(new int[] {-1, 2, 2});
      assertThat(new ZeroPadding1D(2, 0).apply(s).shape()).isEqualTo(new int[] {-1, 7, 2});
    } finally {
      tracer.end();
    }
  }
}

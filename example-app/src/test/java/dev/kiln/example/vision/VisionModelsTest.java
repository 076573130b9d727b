package dev.kiln.example.vision;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Graph;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * MobileNetV2 and a ResNet-style network, written as users write Kiln models (block classes, arrays of blocks,
 * loops): the fused compiled session (BatchNorm folded into convolutions, residual adds and activations in the
 * convolution epilogue, zero padding folded into the next convolution) computes what the eager model computes.
 * TensorFlow is the oracle in the conformance module; here the eager path, built from the runtime's unfused ops,
 * is.
 */
class VisionModelsTest {
  /** Seeded random weights; variances positive and near 1 so BatchNorm keeps activations in range. */
  static Weights randomWeights(GraphDef graph, long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (NodeDef v : graph.variables()) {
      int[] shape = v.outputShape(0);
      float[] data = new float[Shapes.size(shape)];
      int fanIn = 1;
      for (int i = 0; i < shape.length - 1; i++) fanIn *= shape[i];
      double scale = Math.sqrt(2.0 / Math.max(1, fanIn));
      String name = v.name();
      for (int i = 0; i < data.length; i++) {
        double g = r.nextGaussian();
        data[i] = (float) (name.endsWith("moving_variance") ? 0.5 + Math.abs(g) * 0.5
            : name.endsWith("gamma") ? 1 + 0.1 * g
            : name.endsWith("beta") || name.endsWith("moving_mean") || name.endsWith("bias") ? 0.1 * g
            : g * scale);
      }
      w.put(name, Tensor.of(data, shape));
    }
    return Weights.of(w);
  }

  static Tensor randomImage(int batch, int size, long seed) {
    Random r = new Random(seed);
    float[] d = new float[batch * size * size * 3];
    for (int i = 0; i < d.length; i++) d[i] = r.nextFloat() * 2 - 1;
    return Tensor.of(d, batch, size, size, 3);
  }

  static double relativeError(Tensor a, Tensor b) {
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i] - y[i]));
      scale = Math.max(scale, Math.abs(y[i]));
    }
    return diff / scale;
  }

  @Test
  void resNetCompiledEqualsEagerAndRun() {
    Graph g = KilnResNet.graph();
    Weights w = randomWeights(g.graphDef(), 11);
    Tensor x = randomImage(2, 64, 12);
    ResNet eager = new ResNet();
    KilnResNet.loadInto(eager, w);
    Tensor expected = eager.call(x);
    try (KilnResNet s = KilnResNet.open(w)) {
      Tensor compiled = s.call(x);
      Tensor general = s.run(g.output(), Collections.singletonMap("image", x));
      assertThat(compiled.shape()).isEqualTo(new int[] {2, 10});
      assertWithMessage("compiled vs eager").that(relativeError(compiled, expected)).isAtMost(1e-5);
      assertWithMessage("run vs eager").that(relativeError(general, expected)).isAtMost(1e-5);
      // An intermediate BatchNorm output, folded away in the fast path, can still be fetched.
      Tensor bn = s.run("blocks/3/expandBn/BatchNorm:0", Collections.singletonMap("image", x));
      assertThat(bn.shape()).isEqualTo(new int[] {2, 8, 8, 128});
    }
  }

  @Test
  void mobileNetV2CompiledEqualsEager() {
    Graph g = KilnMobileNetV2.graph();
    assertThat(g.placeholder("image").shape()).isEqualTo(new int[] {-1, 224, 224, 3});
    assertThat(g.operation("blocks/16/project/Conv2D").output(0).shape()).isEqualTo(new int[] {-1, 7, 7, 320});
    Weights w = randomWeights(g.graphDef(), 21);
    int weightCount = 0;
    long params = 0;
    for (String n : w.names()) {
      weightCount++;
      params += w.get(n).size();
    }
    // keras.applications.MobileNetV2(): 3,538,984 parameters in 262 weight tensors.
    assertThat(params).isEqualTo(3_538_984L);
    assertThat(weightCount).isEqualTo(262);
    Tensor x = randomImage(1, 224, 22);
    MobileNetV2 eager = new MobileNetV2();
    KilnMobileNetV2.loadInto(eager, w);
    Tensor expected = eager.call(x);
    try (KilnMobileNetV2 s = KilnMobileNetV2.open(w)) {
      Tensor compiled = s.call(x);
      assertWithMessage("compiled vs eager").that(relativeError(compiled, expected)).isAtMost(1e-5);
      float sum = 0;
      for (float p : compiled.toFloatArray()) sum += p;
      assertThat((double) sum).isWithin(1e-4).of(1.0);
    }
  }

  @Test
  void mobileNetCommandPrintsTopFiveAndTiming() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    MobileNetCommand.Result r = MobileNetCommand.run(null, null, 5, 2, new PrintStream(bytes, true, "UTF-8"));
    String out = bytes.toString(StandardCharsets.UTF_8.name());
    assertThat(out).contains("weights: none given, using initialized weights (seed 5)");
    assertThat(out).contains("top-5:");
    assertThat(out).contains("time per image:");
    assertThat(r.top5).hasLength(5);
    float[] p = r.probabilities.toFloatArray();
    for (int i = 1; i < 5; i++) assertThat(p[r.top5[i - 1]]).isAtLeast(p[r.top5[i]]);
  }
}

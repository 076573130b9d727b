package dev.kiln.conformance;

import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.io.Json;
import dev.kiln.io.JsonReader;
import dev.kiln.layers.ActivationLayer;
import dev.kiln.layers.Add;
import dev.kiln.layers.Average;
import dev.kiln.layers.AveragePooling2D;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.DepthwiseConv2D;
import dev.kiln.layers.GlobalAveragePooling2D;
import dev.kiln.layers.MaxPooling2D;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Concatenate;
import dev.kiln.layers.Cropping2D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.LayerNormalization;
import dev.kiln.layers.ReLU;
import dev.kiln.layers.Softmax;
import dev.kiln.layers.UpSampling2D;
import dev.kiln.layers.ZeroPadding2D;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Keras-level defaults that TF ops do not show (BatchNormalization epsilon, pooling strides, padding modes, layer
 * argument defaults), against {@code keras-defaults.json}: Keras layers built with default arguments in
 * TensorFlow.js (CPU backend) by {@code conformance/fixtures/make-fixtures.mjs}, with fixed weights and inputs.
 * Each Kiln layer is built with Kiln's defaults (the same required arguments only), given the same weights, and
 * must give the same output within 1e-5 ({@link Check} metric).
 *
 * <p>Layers not in Kiln yet (LeakyReLU, ELU layer classes) are built reflectively and the case is skipped, with
 * a message, while the class does not exist; it runs as soon as the layer is merged.
 */
class KerasDefaultsTest {
  static final double TOL = 1e-5;
  static final Map<String, Map<?, ?>> CASES = new LinkedHashMap<>();

  @BeforeAll
  static void load() throws IOException {
    Map<?, ?> doc;
    try (InputStream in = KerasDefaultsTest.class.getResourceAsStream("/keras-defaults.json")) {
      doc = (Map<?, ?>) Json.parse(JsonReader.upTo(in, 1 << 24));
    }
    for (Object e : (List<?>) doc.get("cases")) CASES.put((String) ((Map<?, ?>) e).get("name"), (Map<?, ?>) e);
  }

  private static double number(Object jsonNumber) {
    return ((Number) jsonNumber).doubleValue();
  }

  @AfterAll
  static void report() {
    Check.report();
  }

  /** The Kiln layer for each fixture case, built with Kiln's defaults and the case's required arguments. */
  static Map<String, Supplier<AbstractLayer>> kilnLayers() {
    Map<String, Supplier<AbstractLayer>> m = new LinkedHashMap<>();
    m.put("Dense defaults", () -> new Dense(3));
    m.put("Dense defaults rank 3", () -> new Dense(3));
    m.put("BatchNormalization defaults", BatchNormalization::new);
    m.put("LayerNormalization defaults", LayerNormalization::new);
    m.put("Dropout inference", () -> new Dropout(0.5f));
    m.put("ReLU maxValue 6", () -> new ReLU(6f));
    m.put("ReLU defaults", ReLU::new);
    // Kiln has no LeakyReLU / ELU layer classes (yet): reflective, skipped while missing.
    m.put("LeakyReLU defaults", () -> reflect("LeakyReLU"));
    m.put("ELU defaults", () -> reflect("ELU"));
    m.put("Softmax defaults", Softmax::new);
    m.put("Concatenate defaults", Concatenate::new);
    m.put("Add", Add::new);
    m.put("Average", Average::new);
    m.put("Flatten", Flatten::new);
    m.put("Conv2D defaults", () -> new Conv2D(2, 3));
    m.put("DepthwiseConv2D defaults", () -> new DepthwiseConv2D(3));
    m.put("MaxPooling2D defaults", () -> new MaxPooling2D(2));
    m.put("AveragePooling2D defaults", () -> new AveragePooling2D(2));
    m.put("GlobalAveragePooling2D", GlobalAveragePooling2D::new);
    m.put("UpSampling2D defaults", UpSampling2D::new);
    m.put("ZeroPadding2D defaults", ZeroPadding2D::new);
    m.put("Cropping2D", () -> new Cropping2D(1, 0, 0, 2));
    return m;
  }

  /** {@code new dev.kiln.layers.<name>(intArgs...)}, or a skipped case when the class is not merged yet. */
  static AbstractLayer reflect(String name, int... args) {
    Class<?> c;
    try {
      c = Class.forName("dev.kiln.layers." + name);
    } catch (ClassNotFoundException e) {
      assumeTrue(false, "layer not merged yet: dev.kiln.layers." + name);
      throw new AssertionError(e);
    }
    Class<?>[] types = new Class<?>[args.length];
    Object[] values = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      types[i] = int.class;
      values[i] = args[i];
    }
    try {
      return (AbstractLayer) c.getConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("dev.kiln.layers." + name + " has no public constructor with " + args.length
          + " int argument(s), as API.md requires", e);
    }
  }

  static Tensor tensor(Object json) {
    Map<?, ?> o = (Map<?, ?>) json;
    List<?> s = (List<?>) o.get("shape");
    int[] shape = new int[s.size()];
    for (int i = 0; i < shape.length; i++) shape[i] = ((Number) s.get(i)).intValue();
    List<?> v = (List<?>) o.get("values");
    float[] data = new float[v.size()];
    for (int i = 0; i < data.length; i++) data[i] = ((Number) v.get(i)).floatValue();
    return Tensor.of(data, shape);
  }

  @TestFactory
  List<DynamicTest> layersWithDefaultArguments() {
    List<DynamicTest> tests = new ArrayList<>();
    Map<String, Supplier<AbstractLayer>> layers = kilnLayers();
    for (Map<?, ?> c : CASES.values()) {
      String name = (String) c.get("name");
      tests.add(DynamicTest.dynamicTest(name + " (" + c.get("layer") + ")", () -> {
        Supplier<AbstractLayer> make = layers.get(name);
        assertWithMessage("no Kiln layer mapped for fixture case '%s'", name).that(make).isNotNull();
        AbstractLayer layer = make.get();
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) c.get("weights")).entrySet()) {
          w.put((String) e.getKey(), tensor(e.getValue()));
        }
        layer.loadWeights("", Weights.of(w));
        List<?> ins = (List<?>) c.get("inputs");
        Tensor[] xs = new Tensor[ins.size()];
        for (int i = 0; i < xs.length; i++) xs[i] = tensor(ins.get(i));
        Tensor y = xs.length == 1 ? layer.apply(xs[0], false) : layer.apply(xs);
        assertWithMessage("weights the Kiln layer created for '%s'", name).that(layer.weights().keySet())
            .containsExactlyElementsIn(w.keySet());
        Check.close("keras-defaults:" + c.get("layer"), name, y, tensor(c.get("output")), TOL);
      }));
    }
    return tests;
  }

  // ---- defaults that only the config shows -----------------------------------------------------------------

  static Map<?, ?> config(String caseName) {
    return (Map<?, ?>) CASES.get(caseName).get("config");
  }

  @Test
  void batchNormalizationEpsilonAndMomentum() {
    Map<?, ?> cfg = config("BatchNormalization defaults");
    BatchNormalization bn = new BatchNormalization();
    assertWithMessage("epsilon").that((double) bn.epsilon()).isWithin(1e-9).of(number(cfg.get("epsilon")));
    assertWithMessage("momentum").that((double) bn.momentum()).isWithin(1e-7).of(number(cfg.get("momentum")));
  }

  @Test
  void layerNormalizationEpsilon() {
    Map<?, ?> cfg = config("LayerNormalization defaults");
    assertWithMessage("epsilon").that((double) new LayerNormalization().epsilon())
        .isWithin(1e-9).of(number(cfg.get("epsilon")));
  }

  /**
   * Kiln has no LeakyReLU layer yet; the Keras layer's default slope is 0.3, while {@code Activation.LEAKY_RELU}
   * and {@code Ops.leakyRelu(x)} use 0.2 (keras.activations.leaky_relu / tf.nn.leaky_relu). This pins the
   * fixture's value so a future LeakyReLU layer is checked against it (by the dynamic case above).
   */
  @Test
  void leakyReluLayerDefaultAlphaIsNotTheActivationDefault() {
    assertWithMessage("Keras LeakyReLU default alpha").that(number(config("LeakyReLU defaults").get("alpha")))
        .isWithin(1e-9).of(0.3);
    Tensor x = Tensor.of(new float[] {-1f}, 1, 1);
    assertWithMessage("Activation.LEAKY_RELU slope").that((double) new ActivationLayer(Activation.LEAKY_RELU).apply(x).getFloat(0, 0))
        .isWithin(1e-7).of(-0.2);
  }
}

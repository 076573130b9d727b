package dev.kiln.example.digits;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.example.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The digits example: the compiled CNN against TF.js's predictions, and the TF.js weight converter. */
class DigitsTest {
  /** The TF.js model written by digits/train.mjs (tests run in example-app). */
  static final Path MODEL_JSON = Paths.get("digits", "model", "model.json");

  static DigitsCommand.Result result;
  static String output;

  @BeforeAll
  static void runDigitsCommand() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, "UTF-8");
    result = DigitsCommand.run(2, out);
    output = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  void accuracyIsAtLeast97Percent() {
    assertThat(result.count).isEqualTo(1000);
    assertThat(result.accuracy()).isAtLeast(0.97);
  }

  @Test
  void predictionsEqualTfjsOnEveryDigit() throws IOException {
    DigitsTestSet test = DigitsTestSet.load();
    for (int i = 0; i < test.count; i++) {
      assertWithMessage("digit %s", i).that(result.predicted[i]).isEqualTo(test.tfjsClass(i));
    }
    assertThat(result.agreeWithTfjs).isEqualTo(test.count);
  }

  @Test
  void probabilitiesWithin1e4OfTfjs() throws IOException {
    DigitsTestSet test = DigitsTestSet.load();
    float[] p = result.probabilities.toFloatArray();
    assertThat(p.length).isEqualTo(test.tfjsProbabilities.length);
    for (int i = 0; i < p.length; i++) {
      assertWithMessage("digit %s class %s", i / 10, i % 10).that((double) p[i])
          .isWithin(1e-4).of(test.tfjsProbabilities[i]);
    }
    assertThat(result.maxProbabilityDiff).isAtMost(1e-4);
  }

  @Test
  void confusionMatrixCountsEveryDigitOnce() {
    int total = 0;
    int diagonal = 0;
    for (int r = 0; r < 10; r++) {
      for (int c = 0; c < 10; c++) total += result.confusion[r][c];
      diagonal += result.confusion[r][r];
    }
    assertThat(total).isEqualTo(result.count);
    assertThat(diagonal).isEqualTo(result.correct);
  }

  @Test
  void outputReportsAccuracyConfusionAgreementAndTime() {
    assertThat(output).contains("accuracy: ");
    assertThat(output).contains("confusion matrix");
    assertThat(output).contains("predictions equal to TF.js's: 1000/1000");
    assertThat(output).contains("time per digit: ");
  }

  @Test
  void mainRunsTheDigitsCommand() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"digits", "--repeat", "1"}, new PrintStream(bytes, true, "UTF-8"), System.err);
    assertThat(status).isEqualTo(0);
    assertThat(new String(bytes.toByteArray(), StandardCharsets.UTF_8)).contains("predictions equal to TF.js's: 1000/1000");
  }

  @Test
  void eagerModelMatchesCompiledSession() throws IOException {
    DigitsTestSet test = DigitsTestSet.load();
    DigitsNet model = new DigitsNet();
    KilnDigitsNet.loadInto(model, DigitsCommand.weights());
    float[] eager = model.call(test.images(0, 50), false).toFloatArray();
    float[] compiled = result.probabilities.toFloatArray();
    for (int i = 0; i < eager.length; i++) assertThat((double) eager[i]).isWithin(1e-5).of(compiled[i]);
  }

  // ---- the converter -----------------------------------------------------------------------------------

  @Test
  void bundledWeightsAreTheConvertersOutput() throws IOException {
    assertSameWeights(ConvertTfjsWeights.convert(MODEL_JSON.toFile()), DigitsCommand.weights());
  }

  @Test
  void converterUsesKilnNames() throws IOException {
    Weights w = ConvertTfjsWeights.convert(MODEL_JSON.toFile());
    assertThat(w.names()).containsExactly("conv1/kernel", "conv1/bias", "conv2/kernel", "conv2/bias",
        "denseHidden/kernel", "denseHidden/bias", "denseOut/kernel", "denseOut/bias");
    assertThat(w.get("conv1/kernel").shape()).isEqualTo(new int[] {3, 3, 1, 8});
    assertThat(w.get("denseHidden/kernel").shape()).isEqualTo(new int[] {576, 64});
  }

  @Test
  void converterMatchesByNameNotPosition(@TempDir Path dir) throws IOException {
    Weights original = ConvertTfjsWeights.convert(MODEL_JSON.toFile());
    Map<String, Object> model = readModel();
    // Every weight spec with its bytes, then a shuffled manifest over two shards whose bytes follow the new order.
    List<Object> specs = new ArrayList<>();
    Map<Object, byte[]> bytesOf = new LinkedHashMap<>();
    for (Object g : list(model.get("weightsManifest"))) {
      Map<String, Object> group = map(g);
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      for (Object p : list(group.get("paths"))) all.write(Files.readAllBytes(MODEL_JSON.resolveSibling((String) p)));
      byte[] b = all.toByteArray();
      int offset = 0;
      for (Object s : list(group.get("weights"))) {
        int n = 4;
        for (Object d : list(map(s).get("shape"))) n *= ((Number) d).intValue();
        bytesOf.put(s, java.util.Arrays.copyOfRange(b, offset, offset + n));
        specs.add(s);
        offset += n;
      }
    }
    List<Object> shuffled = new ArrayList<>(specs);
    Collections.shuffle(shuffled, new Random(3));
    assertThat(shuffled).isNotEqualTo(specs);
    java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
    for (Object s : shuffled) data.write(bytesOf.get(s));
    byte[] d = data.toByteArray();
    int half = d.length / 2;
    Files.write(dir.resolve("a.bin"), java.util.Arrays.copyOfRange(d, 0, half));
    Files.write(dir.resolve("b.bin"), java.util.Arrays.copyOfRange(d, half, d.length));
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("paths", java.util.Arrays.<Object>asList("a.bin", "b.bin"));
    group.put("weights", shuffled);
    model.put("weightsManifest", Collections.<Object>singletonList(group));
    Path json = dir.resolve("model.json");
    Files.write(json, JsonWriter.write(model).getBytes(StandardCharsets.UTF_8));

    Weights converted = ConvertTfjsWeights.convert(json.toFile());
    assertSameWeights(converted, original);
    KilnDigitsNet.open(converted).close();
  }

  @Test
  void weightOfNoLayerIsAnError(@TempDir Path dir) throws IOException {
    Map<String, Object> model = readModel();
    Map<String, Object> first = map(list(map(list(model.get("weightsManifest")).get(0)).get("weights")).get(0));
    first.put("name", "nosuchlayer/kernel");
    for (Object g : list(model.get("weightsManifest"))) {
      for (Object p : list(map(g).get("paths"))) {
        Files.copy(MODEL_JSON.resolveSibling((String) p), dir.resolve((String) p));
      }
    }
    Path json = dir.resolve("model.json");
    Files.write(json, JsonWriter.write(model).getBytes(StandardCharsets.UTF_8));
    IOException e = assertThrows(IOException.class, () -> ConvertTfjsWeights.convert(json.toFile()));
    assertThat(e).hasMessageThat().contains("nosuchlayer/kernel");
  }

  @Test
  void lowerCamelCaseOfKerasNames() {
    assertThat(ConvertTfjsWeights.lowerCamelCase("dense_hidden")).isEqualTo("denseHidden");
    assertThat(ConvertTfjsWeights.lowerCamelCase("conv1")).isEqualTo("conv1");
    assertThat(ConvertTfjsWeights.lowerCamelCase("max_pooling2d_1")).isEqualTo("maxPooling2d1");
    assertThat(ConvertTfjsWeights.lowerCamelCase("Dense_Out")).isEqualTo("denseOut");
  }

  // ---- helpers -----------------------------------------------------------------------------------------

  static void assertSameWeights(Weights actual, Weights expected) {
    assertThat(actual.names()).containsExactlyElementsIn(expected.names());
    for (String name : expected.names()) {
      Tensor a = actual.get(name);
      Tensor e = expected.get(name);
      assertWithMessage(name).that(a.shape()).isEqualTo(e.shape());
      assertWithMessage(name).that(a.toFloatArray()).isEqualTo(e.toFloatArray());
    }
  }

  static Map<String, Object> readModel() throws IOException {
    return map(ConvertTfjsWeights.Json.parse(new String(Files.readAllBytes(MODEL_JSON), StandardCharsets.UTF_8)));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  /** Writes what ConvertTfjsWeights.Json reads. */
  static final class JsonWriter {
    static String write(Object v) {
      StringBuilder sb = new StringBuilder();
      write(v, sb);
      return sb.toString();
    }

    private static void write(Object v, StringBuilder sb) {
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Map) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          if (!first) sb.append(',');
          first = false;
          write(e.getKey(), sb);
          sb.append(':');
          write(e.getValue(), sb);
        }
        sb.append('}');
      } else if (v instanceof List) {
        sb.append('[');
        boolean first = true;
        for (Object o : (List<?>) v) {
          if (!first) sb.append(',');
          first = false;
          write(o, sb);
        }
        sb.append(']');
      } else if (v instanceof String) {
        sb.append('"');
        for (char c : ((String) v).toCharArray()) {
          if (c == '"' || c == '\\') sb.append('\\').append(c);
          else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
        sb.append('"');
      } else if (v instanceof Double) {
        double d = (Double) v;
        sb.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d));
      } else {
        sb.append(v);
      }
    }
  }
}

package dev.kiln.example.digits;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.example.Main;
import dev.kiln.example.WeightsAssert;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.kiln.importer.ImportResult;
import dev.kiln.importer.KerasImporter;

/** The digits example: the compiled CNN against TF.js's predictions, and the bundled import. */
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

  // ---- the import ----------------------------------------------------------------------------------------

  /** DigitsNet.java and digits.safetensors are exactly what kiln-import writes for the TF.js model. */
  @Test
  void bundledModelIsTheImportersOutput() throws Exception {
    ImportResult imported = KerasImporter.importModel(MODEL_JSON, "dev.kiln.example.digits", "DigitsNet");
    String bundled = new String(Files.readAllBytes(Paths.get("src/main/java/dev/kiln/example/digits/DigitsNet.java")),
        StandardCharsets.UTF_8);
    assertThat(bundled).isEqualTo(imported.javaSource);
    WeightsAssert.assertSameWeights(imported.weights, DigitsCommand.weights());
    assertThat(imported.weights.names()).containsExactly("conv1/kernel", "conv1/bias", "conv2/kernel", "conv2/bias",
        "denseHidden/kernel", "denseHidden/bias", "denseOut/kernel", "denseOut/bias");
  }
}

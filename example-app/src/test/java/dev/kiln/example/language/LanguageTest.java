package dev.kiln.example.language;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Tensor;
import dev.kiln.example.Main;
import dev.kiln.example.WeightsAssert;
import dev.kiln.importer.ImportResult;
import dev.kiln.importer.KerasImporter;
import dev.kiln.text.TextVectorization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The language example: the compiled character-level GRU against TF.js's predictions on the held-back words, the
 * text front end against the training script's ids, and the bundled import.
 */
class LanguageTest {
  /** The TF.js model written by language/train.mjs (tests run in example-app). */
  static final Path MODEL_JSON = Paths.get("language", "model", "model.json");

  static LanguageTestSet test;
  static LanguageCommand.TestResult result;
  static String output;

  @BeforeAll
  static void runLanguageTest() throws IOException {
    test = LanguageTestSet.load();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    result = LanguageCommand.test(1, new PrintStream(bytes, true, "UTF-8"));
    output = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  void heldBackWordsAreTheFiveLanguages() {
    assertThat(test.count()).isEqualTo(1000);
    int[] perLanguage = new int[5];
    for (int label : test.labels) perLanguage[label]++;
    assertThat(perLanguage).isEqualTo(new int[] {200, 200, 200, 200, 200});
  }

  @Test
  void accuracyIsAtLeast90Percent() {
    assertThat(result.count).isEqualTo(1000);
    assertThat(result.accuracy()).isAtLeast(0.90);
  }

  /** In batches of 64 (padded to the longest word, the mask hiding the padding) and one word at a time. */
  @Test
  void predictionsEqualTfjsOnEveryWord() {
    for (int i = 0; i < test.count(); i++) {
      assertWithMessage("word %s (%s)", i, test.words.get(i)).that(result.predicted[i]).isEqualTo(test.tfjsClasses[i]);
    }
    assertThat(result.agreeWithTfjs).isEqualTo(test.count());
    assertThat(result.agreeWithTfjsOneAtATime).isEqualTo(test.count());
  }

  @Test
  void probabilitiesWithin1e5OfTfjs() {
    for (int i = 0; i < result.probabilities.length; i++) {
      assertWithMessage("word %s class %s", i / 5, i % 5).that((double) result.probabilities[i])
          .isWithin(1e-5).of(test.tfjsProbabilities[i]);
    }
    assertThat(result.maxProbabilityDiff).isAtMost(1e-5);
  }

  /** Kiln's TextVectorization gives each word the ids train.mjs gave it (its restatement of Keras' preprocessing). */
  @Test
  void textVectorizationGivesTheTrainingScriptsIds() throws IOException {
    TextVectorization vectorizer = LanguageCommand.vectorizer();
    for (int i = 0; i < test.count(); i++) {
      assertWithMessage("ids of %s", test.words.get(i)).that(vectorizer.indices(test.words.get(i))).isEqualTo(test.ids[i]);
    }
    Tensor batch = vectorizer.apply(test.words.subList(0, 64));
    int longest = 0;
    for (int i = 0; i < 64; i++) longest = Math.max(longest, test.ids[i].length);
    assertThat(batch.shape()).isEqualTo(new int[] {64, longest});
    assertThat(Arrays.copyOfRange(batch.toIntArray(), 0, longest))
        .isEqualTo(Arrays.copyOf(test.ids[0], longest)); // padded with 0
  }

  @Test
  void eagerModelMatchesCompiledSession() throws IOException {
    LanguageNet model = new LanguageNet();
    KilnLanguageNet.loadInto(model, LanguageCommand.weights());
    TextVectorization vectorizer = LanguageCommand.vectorizer();
    float[] eager = model.call(vectorizer.apply(test.words.subList(100, 164))).toFloatArray();
    for (int i = 0; i < eager.length; i++) {
      assertThat((double) eager[i]).isWithin(1e-5).of(result.probabilities[100 * 5 + i]);
    }
  }

  @Test
  void outputReportsAccuracyAgreementAndTimes() {
    assertThat(output).contains("accuracy: ");
    assertThat(output).contains("predictions equal to TF.js's: 1000/1000 in batches of 64, 1000/1000 one word at a time");
    assertThat(output).contains("ms at batch 1");
    assertThat(output).contains("ms at batch 64");
  }

  @Test
  void mainPrintsEachWordsLanguage() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    String[] words = {test.words.get(0), test.words.get(200), test.words.get(400), "!!!", "seed"};
    String[] args = new String[words.length + 1];
    args[0] = "language";
    System.arraycopy(words, 0, args, 1, words.length);
    int status = Main.run(args, new PrintStream(bytes, true, "UTF-8"), System.err);
    assertThat(status).isEqualTo(0);
    String printed = new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    assertThat(printed).contains("word");
    assertThat(printed).contains("!!!: no letters left after standardizing, skipped");
    for (int i : new int[] {0, 200, 400}) {
      String row = printed.lines().filter(l -> l.startsWith(test.words.get(i) + " ")).findFirst().orElseThrow();
      assertThat(row).endsWith("   " + LanguageTestSet.LANGUAGES.get(test.tfjsClasses[i]));
    }
    assertThat(printed.lines().anyMatch(l -> l.startsWith("seed "))).isTrue();
  }

  @Test
  void mainRefusesLanguageWithoutWords() throws IOException {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {"language"}, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, "UTF-8"));
    assertThat(status).isEqualTo(2);
    assertThat(new String(err.toByteArray(), StandardCharsets.UTF_8)).contains("error: language needs words (or --test)");
  }

  // ---- the import ----------------------------------------------------------------------------------------

  /** LanguageNet.java and language.safetensors are exactly what kiln-import writes for the TF.js model. */
  @Test
  void bundledModelIsTheImportersOutput() throws Exception {
    ImportResult imported = KerasImporter.importModel(MODEL_JSON, "dev.kiln.example.language", "LanguageNet");
    String bundled = new String(Files.readAllBytes(Paths.get("src/main/java/dev/kiln/example/language/LanguageNet.java")),
        StandardCharsets.UTF_8);
    assertThat(bundled).isEqualTo(imported.javaSource);
    WeightsAssert.assertSameWeights(imported.weights, LanguageCommand.weights());
    assertThat(imported.weights.names()).containsExactly("embedding/embeddings", "bigru/forward_layer/kernel",
        "bigru/forward_layer/recurrent_kernel", "bigru/forward_layer/bias", "bigru/backward_layer/kernel",
        "bigru/backward_layer/recurrent_kernel", "bigru/backward_layer/bias", "language/kernel", "language/bias");
  }

  /** The vocabulary's size is the embedding's input size. */
  @Test
  void vocabularyFitsTheEmbedding() throws IOException {
    assertThat(LanguageCommand.vectorizer().vocabularySize())
        .isEqualTo(LanguageCommand.weights().get("embedding/embeddings").dim(0));
  }
}

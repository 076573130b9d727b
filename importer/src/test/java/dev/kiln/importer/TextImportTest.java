package dev.kiln.importer;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.importer.KerasFileWriter.list;
import static dev.kiln.importer.KerasFileWriter.map;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.io.Json;
import dev.kiln.text.StringLookup;
import dev.kiln.text.TextVectorization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text layers in front of a model: the {@code text_lstm} fixture (tokens -> Embedding -> LSTM -> Dense, TF.js) with a
 * Keras {@code TextVectorization} or {@code StringLookup} put before it in .keras and .h5 files written the way Keras
 * saves them. The importer must make the string input an INT32 placeholder, write the vocabulary beside the weights
 * and document how to load it; {@code dev.kiln.text} configured as documented must give, for the fixture's texts, the
 * token ids the fixture script computed by restating Keras, and the session must then compute TF.js's outputs.
 */
class TextImportTest {
  static final Path FIXTURE = FixtureImportTest.FIXTURES.resolve("text_lstm");

  @TempDir Path tmp;

  @Test
  void textVectorizationWithVocabularyInConfig() throws Exception {
    Path file = tmp.resolve("text.keras");
    writer(textVectorization(vocabulary())).writeKeras3(file);
    Path out = importChecked(file, "TextVectorization");
    checkTexts(out);
    Path cli = tmp.resolve("cli");
    ImportHarness.Outcome o = ImportHarness.run(file, "com.example", "MyNet", cli);
    assertThat(o.status()).isEqualTo(0);
    assertThat(o.out()).contains("MyNet.textVectorization.vocabulary.txt (a text layer's vocabulary: see the class's"
        + " Javadoc for its use)");
    assertThat(Files.readString(cli.resolve("MyNet.textVectorization.vocabulary.txt")))
        .isEqualTo("\n[UNK]\n" + String.join("\n", vocabulary()));
  }

  /** An adapted layer: Keras 3 writes the vocabulary as an asset of the archive, special tokens first. */
  @Test
  void textVectorizationWithVocabularyAsAsset() throws Exception {
    Path file = tmp.resolve("adapted.keras");
    String asset = "\n[UNK]\n" + String.join("\n", vocabulary());
    writer(textVectorization(null)).writeKeras3(file, c -> {},
        Map.of("assets/layers/text_vectorization/vocabulary.txt", asset));
    Path out = importChecked(file, "TextVectorization");
    assertThat(Files.readString(out.resolve("MyNet.textVectorization.vocabulary.txt"))).isEqualTo(asset);
    checkTexts(out);
  }

  @Test
  void textVectorizationInKeras2H5() throws Exception {
    Path file = tmp.resolve("text.h5");
    writer(textVectorization(vocabulary())).writeH5(file, false);
    Path out = importChecked(file, "TextVectorization");
    checkTexts(out);
  }

  /** A Sequential whose first layer is the text layer: Keras 2 gives it the input's shape and dtype, Keras 3 an InputLayer. */
  @Test
  void sequentialStartingWithTextVectorization() throws Exception {
    Map<String, Object> model = textVectorization(vocabulary());
    Map<String, Object> topology = map(model.get("modelTopology"));
    List<Object> layers = new ArrayList<>();
    for (Object l : list(map(topology.get("config")).get("layers"))) {
      Map<String, Object> layer = map(l);
      if (layer.get("class_name").equals("InputLayer")) continue;
      layer.remove("inbound_nodes");
      layer.remove("name");
      layers.add(layer);
    }
    Map<String, Object> first = map(map(layers.get(0)).get("config"));
    first.put("batch_input_shape", KerasFileWriter.parse("[null, 1]"));
    first.put("dtype", "string");
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", "sequential_text");
    config.put("layers", layers);
    topology.put("class_name", "Sequential");
    topology.put("config", config);
    Path h5 = tmp.resolve("sequential.h5");
    writer(model).writeH5(h5, false);
    checkTexts(importChecked(h5, "TextVectorization", "textVectorizationInput"));
    Path keras = tmp.resolve("sequential.keras");
    writer(model).writeKeras3(keras);
    checkTexts(importChecked(keras, "TextVectorization", "inputLayer"));
  }

  @Test
  void stringLookupOnPresplitWords() throws Exception {
    Path file = tmp.resolve("lookup.keras");
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", "string_lookup");
    config.put("mask_token", "");
    config.put("vocabulary", vocabulary());
    config.put("output_mode", "int");
    writer(withTextLayer("StringLookup", config, List.of(6))).writeKeras3(file);
    Path out = importChecked(file, "StringLookup");
    StringLookup lookup = new StringLookup().maskToken("")
        .vocabulary(out.resolve("MyNet.stringLookup.vocabulary.txt").toFile());
    // the fixture's texts, split as Keras does, padded with the mask token
    List<String> texts = texts();
    String[][] words = new String[texts.size()][6];
    TextVectorization splitter = new TextVectorization().vocabulary("x");
    for (int i = 0; i < words.length; i++) {
      List<String> tokens = splitter.tokens(texts.get(i));
      for (int t = 0; t < 6; t++) words[i][t] = t < tokens.size() ? tokens.get(t) : "";
    }
    checkIds(lookup.apply(words), out);
  }

  @Test
  void textLayerRefusals() throws Exception {
    assertRefused(withOption("output_mode", "multi_hot"), "layer 'text_vectorization' (TextVectorization): output_mode"
        + " 'multi_hot' is not supported (int only)");
    assertRefused(withOption("split", null), "split None is not supported by kiln-import");
    assertRefused(withOption("ragged", true), "ragged is not supported (Kiln pads a batch with 0, Keras' dense output)");
    assertRefused(withOption("vocabulary", "/home/me/vocab.txt"), "vocabulary '/home/me/vocab.txt' is a file path,"
        + " which the model file does not contain");
    assertRefused(withOption("vocabulary", List.of("the", "cat", "the")), "layer 'text_vectorization'"
        + " (TextVectorization): TextVectorization: the vocabulary has the token \"the\" twice, at index 2 and 4");
    assertRefused(textVectorization(null), "vocabulary is missing: neither the config nor the file holds one");
    assertRefused(withOption("vocabulary", List.of("the", "two\nlines")), "layer 'text_vectorization'"
        + " (TextVectorization): token \"two\\u000alines\" at index 3 holds a line break: it cannot be written to a"
        + " vocabulary file of one token per line");
    Map<String, Object> lookup = new LinkedHashMap<>();
    lookup.put("name", "string_lookup");
    lookup.put("invert", true);
    lookup.put("vocabulary", vocabulary());
    assertRefused(withTextLayer("StringLookup", lookup, List.of(6)), "invert is not supported");
  }

  @Test
  void twoTextLayersOnOneInputAreRefused() throws Exception {
    Map<String, Object> model = textVectorization(vocabulary());
    Map<String, Object> second = map(KerasFileWriter.parse(Json.write(layer(model, "text_vectorization"))));
    second.put("name", "second");
    map(second.get("config")).put("name", "second");
    list(map(map(model.get("modelTopology")).get("config")).get("layers")).add(2, second);
    assertRefused(model, "layers 'text_vectorization' and 'second' both read input 'text'; one text layer per string"
        + " input is supported");
  }

  /** A string input read by another layer than a text layer. */
  @Test
  void stringInputIntoEmbeddingIsRefused() throws Exception {
    Map<String, Object> model = model();
    Map<String, Object> input = layer(model, "tokens");
    map(input.get("config")).put("dtype", "string");
    assertRefused(model, "input 'tokens' holds strings: only a TextVectorization or StringLookup layer of the"
        + " outermost model may read it");
  }

  // ---- checks ----------------------------------------------------------------------------------------------------

  /** Imports, checks the placeholder and the documentation, and returns the output folder. */
  private Path importChecked(Path file, String kind) throws Exception {
    return importChecked(file, kind, kind.equals("StringLookup") ? "words" : "text");
  }

  private Path importChecked(Path file, String kind, String input) throws Exception {
    Path out = tmp.resolve("out-" + file.getFileName());
    ImportResult r = KerasImporter.importModel(file, "com.example", "MyNet");
    r.write(out);
    String field = kind.equals("StringLookup") ? "stringLookup" : "textVectorization";
    assertThat(r.vocabularies.keySet()).containsExactly("MyNet." + field + ".vocabulary.txt");
    assertThat(r.javaSource).contains("@Shape(value = {-1, 6}, dtype = DType.INT32) Tensor " + input);
    assertThat(r.javaSource).contains(" * " + kind + " " + field + " = new " + kind + "()\n");
    assertThat(r.javaSource).contains(".vocabulary(new File(\"MyNet." + field + ".vocabulary.txt\"));");
    if (kind.equals("TextVectorization")) assertThat(r.javaSource).contains("    .outputSequenceLength(6)\n");
    else assertThat(r.javaSource).contains("    .maskToken(\"\")\n");
    return out;
  }

  /**
   * TextVectorization configured as the documentation says gives the fixture's ids (Keras' restated by the script),
   * and the session computes TF.js's outputs from them.
   */
  private static void checkTexts(Path out) throws Exception {
    TextVectorization tv = new TextVectorization().outputSequenceLength(6)
        .vocabulary(out.resolve("MyNet.textVectorization.vocabulary.txt").toFile());
    checkIds(tv.apply(texts()), out);
  }

  private static void checkIds(Tensor ids, Path out) throws Exception {
    Tensor expected = FixtureImportTest.inputs(FIXTURE.resolve("reference.json"))[0];
    assertWithMessage("token ids").that(ids.toIntArray()).isEqualTo(expected.toIntArray());
    assertThat(ids.shape()).isEqualTo(expected.shape());
    CompiledImport compiled = CompiledImport.compile(out, "com.example", "MyNet");
    Weights w = Weights.load(out.resolve("MyNet.safetensors").toFile());
    FixtureImportTest.compare(compiled.runSession(w, ids), FIXTURE.resolve("reference.json"), "session");
    FixtureImportTest.compare(compiled.runEager(w, ids), FIXTURE.resolve("reference.json"), "eager");
  }

  private void assertRefused(Map<String, Object> model, String message) throws Exception {
    Path file = Files.createTempFile(tmp, "refused", ".keras");
    writer(model).writeKeras3(file);
    ImportException e = org.junit.jupiter.api.Assertions.assertThrows(ImportException.class,
        () -> KerasImporter.importModel(file, "com.example", "MyNet"));
    assertThat(e).hasMessageThat().contains(message);
  }

  // ---- the fixture with a text layer in front ---------------------------------------------------------------------

  private static List<String> vocabulary() throws Exception {
    return strings("vocabulary");
  }

  private static List<String> texts() throws Exception {
    return strings("texts");
  }

  private static List<String> strings(String key) throws Exception {
    List<String> out = new ArrayList<>();
    for (Object t : list(FixtureImportTest.reference(FIXTURE.resolve("reference.json")).get(key))) out.add((String) t);
    return out;
  }

  /** model.json's tree. */
  private static Map<String, Object> model() throws Exception {
    return map(ImportHarness.readJson(FIXTURE.resolve("model.json")));
  }

  private static Map<String, Object> layer(Map<String, Object> model, String name) {
    for (Object l : list(map(map(model.get("modelTopology")).get("config")).get("layers"))) {
      if (name.equals(map(l).get("name"))) return map(l);
    }
    throw new AssertionError("no layer " + name);
  }

  private static Map<String, Object> textVectorization(List<String> vocabulary) throws Exception {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", "text_vectorization");
    config.put("max_tokens", null == vocabulary ? dev.kiln.io.Json.NULL : (Object) 20);
    config.put("standardize", "lower_and_strip_punctuation");
    config.put("split", "whitespace");
    config.put("ngrams", dev.kiln.io.Json.NULL);
    config.put("output_mode", "int");
    config.put("output_sequence_length", 6);
    config.put("pad_to_max_tokens", false);
    config.put("sparse", false);
    config.put("ragged", false);
    config.put("vocabulary", vocabulary == null ? dev.kiln.io.Json.NULL : vocabulary);
    config.put("idf_weights", dev.kiln.io.Json.NULL);
    config.put("encoding", "utf-8");
    return withTextLayer("TextVectorization", config, List.of(1));
  }

  private static Map<String, Object> withOption(String key, Object value) throws Exception {
    Map<String, Object> model = textVectorization(vocabulary());
    map(layer(model, "text_vectorization").get("config")).put(key, value == null ? dev.kiln.io.Json.NULL : value);
    return model;
  }

  /**
   * The fixture with a string input ({@code text} of shape {@code [None, 1]}, or {@code words [None, 6]}) read by a
   * text layer whose output feeds the embedding, in the Keras 2 / TF.js topology form.
   */
  private static Map<String, Object> withTextLayer(String cls, Map<String, Object> config, List<Object> inputShape)
      throws Exception {
    Map<String, Object> model = model();
    Map<String, Object> topology = map(map(model.get("modelTopology")).get("config"));
    String input = cls.equals("StringLookup") ? "words" : "text";
    Map<String, Object> in = layer(model, "tokens");
    in.put("name", input);
    Map<String, Object> inConfig = map(in.get("config"));
    inConfig.put("name", input);
    inConfig.put("dtype", "string");
    List<Object> shape = new ArrayList<>();
    shape.add(dev.kiln.io.Json.NULL);
    shape.addAll(inputShape);
    inConfig.put("batch_input_shape", shape);
    Map<String, Object> text = new LinkedHashMap<>();
    text.put("name", config.get("name"));
    text.put("class_name", cls);
    text.put("config", config);
    text.put("inbound_nodes", List.of(List.of(List.of(input, 0, 0, new LinkedHashMap<>()))));
    list(topology.get("layers")).add(1, text);
    Map<String, Object> embedding = layer(model, "embedding");
    embedding.put("inbound_nodes", List.of(List.of(List.of(config.get("name"), 0, 0, new LinkedHashMap<>()))));
    topology.put("input_layers", List.of(List.of(input, 0, 0)));
    return model;
  }

  /** A writer over the changed model.json (written beside a copy of the fixture's shard). */
  private KerasFileWriter writer(Map<String, Object> model) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "model");
    Files.copy(FIXTURE.resolve("shard1.bin"), dir.resolve("shard1.bin"));
    ImportHarness.writeJson(dir.resolve("model.json"), model);
    return new KerasFileWriter(dir.resolve("model.json"));
  }
}

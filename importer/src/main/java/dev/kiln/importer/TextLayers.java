package dev.kiln.importer;

import dev.kiln.text.Split;
import dev.kiln.text.Standardize;
import dev.kiln.text.StringLookup;
import dev.kiln.text.TextVectorization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Keras' {@code TextVectorization} and {@code StringLookup} layers, read from a model file into Kiln's
 * {@code dev.kiln.text} classes, which run them outside the session (strings are not graph tensors). The vocabulary
 * comes from the layer's config or, in a {@code .keras} archive, from the {@code vocabulary.txt} asset Keras saves
 * for an adapted layer. The runtime's own classes check it (repeated tokens, the mask token out of place).
 */
final class TextLayers {
  /** Special tokens shown in the generated documentation as Java literals: nothing that could end a comment. */
  private static final Pattern PLAIN_TOKEN = Pattern.compile("[A-Za-z0-9 _.:#\\[\\]-]{0,40}");

  /** What a text layer becomes: the preprocessor, its setters as documentation, and its output's shape. */
  static final class Converted {
    final Object preprocessor;
    final List<String> setters;
    final int[] outputShape;

    Converted(Object preprocessor, List<String> setters, int[] outputShape) {
      this.preprocessor = preprocessor;
      this.setters = setters;
      this.outputShape = outputShape;
    }
  }

  private final String layer;
  private final String cls;
  private final JsonValue c;
  private final byte[] asset;
  private final List<String> setters = new ArrayList<>();

  private TextLayers(String layer, String cls, JsonValue config, byte[] asset) {
    this.layer = layer;
    this.cls = cls;
    this.c = config;
    this.asset = asset;
  }

  static boolean isTextLayer(String cls) {
    return cls.equals("TextVectorization") || cls.equals("StringLookup");
  }

  /**
   * @param inputShape the string input's batch shape ({@code [-1]} or {@code [-1, 1]} for TextVectorization)
   * @param asset the layer's {@code vocabulary.txt} from a {@code .keras} archive, or null
   * @param vocabularyFile the file name the documentation loads the vocabulary from
   */
  static Converted convert(String layer, String cls, JsonValue config, int[] inputShape, byte[] asset,
      String vocabularyFile) throws ImportException {
    TextLayers t = new TextLayers(layer, cls, config, asset);
    try {
      return cls.equals("TextVectorization") ? t.textVectorization(inputShape, vocabularyFile)
          : t.stringLookup(inputShape, vocabularyFile);
    } catch (IllegalArgumentException | IllegalStateException | IOException e) {
      throw new ImportException("layer '" + layer + "' (" + cls + "): " + e.getMessage(), e);
    }
  }

  private ImportException refuse(String option, String why) {
    return new ImportException("layer '" + layer + "' (" + cls + "): " + option + " " + why);
  }

  private Converted textVectorization(int[] inputShape, String vocabularyFile) throws ImportException, IOException {
    if (!(inputShape.length == 1 || (inputShape.length == 2 && inputShape[1] == 1))) {
      throw refuse("input shape " + java.util.Arrays.toString(inputShape), "is not supported (one string per example:"
          + " [None] or [None, 1])");
    }
    commonOptions();
    TextVectorization tv = new TextVectorization();
    JsonValue standardize = c.get("standardize");
    Standardize st = standardize.isMissing() ? Standardize.LOWER_AND_STRIP_PUNCTUATION : standardize(standardize);
    tv.standardize(st);
    if (st != Standardize.LOWER_AND_STRIP_PUNCTUATION) setters.add(".standardize(Standardize." + st + ")");
    JsonValue split = c.get("split");
    Split sp = split.isMissing() ? Split.WHITESPACE : split(split);
    tv.split(sp);
    if (sp != Split.WHITESPACE) setters.add(".split(Split." + sp + ")");
    JsonValue ngrams = c.get("ngrams");
    if (!ngrams.isAbsent()) {
      if (ngrams.isArray()) {
        int[] widths = ModelReader.ints(ngrams);
        tv.ngrams(widths);
        setters.add(widths.length == 1 ? ".ngrams(new int[] {" + widths[0] + "})" : ".ngrams(" + join(widths) + ")");
      } else {
        tv.ngrams(ngrams.asInt());
        setters.add(".ngrams(" + ngrams.asInt() + ")");
      }
    }
    int length = -1;
    if (c.has("output_sequence_length")) {
      length = c.get("output_sequence_length").asInt();
      tv.outputSequenceLength(length);
      setters.add(".outputSequenceLength(" + length + ")");
    }
    if (c.has("max_tokens")) {
      tv.maxTokens(c.get("max_tokens").asInt());
      setters.add(".maxTokens(" + c.get("max_tokens").asInt() + ")");
    }
    if (c.has("ragged") && c.get("ragged").asBoolean()) {
      throw refuse("ragged", "is not supported (Kiln pads a batch with 0, Keras' dense output)");
    }
    List<String> given = configVocabulary();
    if (given != null) tv.vocabulary(given);
    else tv.vocabulary(assetStream());
    setters.add(".vocabulary(new File(\"" + vocabularyFile + "\"))");
    return new Converted(tv, setters, new int[] {-1, length});
  }

  private Converted stringLookup(int[] inputShape, String vocabularyFile) throws ImportException, IOException {
    commonOptions();
    if (c.has("invert") && c.get("invert").asBoolean()) throw refuse("invert", "is not supported (indices to strings)");
    if (c.has("vocabulary_dtype") && !c.get("vocabulary_dtype").asString().equals("string")) {
      throw refuse("vocabulary_dtype '" + c.get("vocabulary_dtype").asString() + "'", "is not supported (strings only)");
    }
    StringLookup lookup = new StringLookup();
    if (c.has("mask_token")) {
      String mask = plain("mask_token");
      lookup.maskToken(mask);
      setters.add(".maskToken(\"" + mask + "\")");
    }
    if (c.has("oov_token")) {
      String oov = plain("oov_token");
      lookup.oovToken(oov);
      if (!oov.equals("[UNK]")) setters.add(".oovToken(\"" + oov + "\")");
    }
    if (c.has("num_oov_indices")) {
      int n = c.get("num_oov_indices").asInt();
      lookup.numOovIndices(n);
      if (n != 1) setters.add(".numOovIndices(" + n + ")");
    }
    if (c.has("max_tokens")) {
      lookup.maxTokens(c.get("max_tokens").asInt());
      setters.add(".maxTokens(" + c.get("max_tokens").asInt() + ")");
    }
    List<String> given = configVocabulary();
    if (given != null) lookup.vocabulary(given);
    else lookup.vocabulary(assetStream());
    setters.add(".vocabulary(new File(\"" + vocabularyFile + "\"))");
    return new Converted(lookup, setters, inputShape.clone());
  }

  /** Options both layers share: int output only, UTF-8 only. */
  private void commonOptions() throws ImportException {
    if (c.has("output_mode") && !c.get("output_mode").asString().equals("int")) {
      throw refuse("output_mode '" + c.get("output_mode").asString() + "'", "is not supported (int only)");
    }
    if (c.has("encoding")) {
      String encoding = c.get("encoding").asString().toLowerCase(Locale.ROOT).replace("_", "-");
      if (!encoding.equals("utf-8") && !encoding.equals("utf8")) {
        throw refuse("encoding '" + c.get("encoding").asString() + "'", "is not supported (UTF-8 only)");
      }
    }
  }

  private Standardize standardize(JsonValue v) throws ImportException {
    if (v.isAbsent()) return Standardize.NONE;
    if (!v.isString()) throw refuse("standardize " + v.describe(), "is not supported (a custom function)");
    switch (v.asString()) {
      case "lower_and_strip_punctuation": return Standardize.LOWER_AND_STRIP_PUNCTUATION;
      case "lower": return Standardize.LOWER;
      case "strip_punctuation": return Standardize.STRIP_PUNCTUATION;
      default: throw refuse("standardize '" + v.asString() + "'", "is not supported (a custom function?)");
    }
  }

  private Split split(JsonValue v) throws ImportException {
    if (v.isAbsent()) {
      throw refuse("split None", "is not supported by kiln-import (whitespace or character; Kiln's TextVectorization"
          + " has Split.NONE for code of your own)");
    }
    if (!v.isString()) throw refuse("split " + v.describe(), "is not supported (a custom function)");
    switch (v.asString()) {
      case "whitespace": return Split.WHITESPACE;
      case "character": return Split.CHARACTER;
      default: throw refuse("split '" + v.asString() + "'", "is not supported (a custom function?)");
    }
  }

  /** The config's vocabulary list, or null when the layer was adapted (Keras keeps it as an asset then). */
  private List<String> configVocabulary() throws ImportException {
    JsonValue v = c.get("vocabulary");
    if (v.isAbsent()) return null;
    if (v.isString()) {
      throw refuse("vocabulary '" + v.asString() + "'", "is a file path, which the model file does not contain");
    }
    List<String> out = new ArrayList<>();
    for (JsonValue e : v.elements()) out.add(e.asString());
    return out;
  }

  private ByteArrayInputStream assetStream() throws ImportException {
    if (asset == null) {
      throw refuse("vocabulary", "is missing: neither the config nor the file holds one (Keras 2 .h5 files keep only a"
          + " vocabulary given to the constructor)");
    }
    return new ByteArrayInputStream(asset);
  }

  /** A special token written into the documentation as a Java literal: refused when it is not plain text. */
  private String plain(String option) throws ImportException {
    String token = c.get(option).asString();
    if (!PLAIN_TOKEN.matcher(token).matches()) {
      throw refuse(option, "is not supported unless made of at most 40 letters, digits, spaces and _.:#[]-");
    }
    return token;
  }

  private static String join(int[] v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length; i++) sb.append(i == 0 ? "" : ", ").append(v[i]);
    return sb.toString();
  }
}

package dev.kiln.text;

import dev.kiln.Tensor;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Keras' {@code StringLookup} at inference, in {@code output_mode="int"}: tokens to indices through a vocabulary.
 * Strings are not graph tensors, so this runs before a session, on the caller's side; its output feeds an
 * {@code INT32} placeholder (an {@link dev.kiln.layers.Embedding}, usually).
 *
 * <pre>{@code
 * StringLookup lookup = new StringLookup().vocabulary("a", "b", "c");   // Keras defaults: no mask token, one OOV index
 * lookup.index("b");                                                     // 2  (0 is "[UNK]", the OOV index)
 * Tensor ids = lookup.apply(new String[][] {{"a", "c"}, {"zzz", "b"}});  // INT32 [[1, 3], [0, 2]]
 * }</pre>
 *
 * <p>Indices are Keras': the mask token (when {@link #maskToken} is set) is 0, then come {@link #numOovIndices} OOV
 * indices, then the vocabulary in order. A token outside the vocabulary gets the OOV index; with several OOV indices
 * it gets {@code tf.strings.to_hash_bucket_fast(token, n)} (FarmHash {@code Fingerprint64} of its UTF-8 bytes modulo
 * {@code n}), with none it is an {@link IllegalArgumentException}. A vocabulary that starts with exactly the special
 * tokens (as the one Keras saves does) has them dropped, as Keras' {@code set_vocabulary} does.
 *
 * <p>Configure once, then call from any number of threads: lookups only read. Not supported: {@code invert}, output
 * modes other than {@code "int"} (one-hot, multi-hot, count, TF-IDF), and {@code adapt} (a vocabulary is given).
 */
public final class StringLookup {
  private static final String NAME = "StringLookup";

  private final String name;
  private int maxTokens;
  private int numOovIndices = 1;
  private String maskToken;
  private String oovToken = "[UNK]";
  private List<String> given;
  private volatile Vocabulary vocabulary;

  /** Keras' defaults: no mask token, one OOV index, OOV token {@code "[UNK]"}, no vocabulary yet. */
  public StringLookup() {
    this(NAME);
  }

  StringLookup(String name) {
    this.name = name;
  }

  /** Keras {@code max_tokens}: the largest vocabulary accepted, special tokens included ({@code 0}: no limit). */
  public StringLookup maxTokens(int maxTokens) {
    if (maxTokens < 0) throw new IllegalArgumentException(name + ": maxTokens must be at least 0, got " + maxTokens);
    rebuild(given, maskToken, oovToken, numOovIndices, maxTokens);
    this.maxTokens = maxTokens;
    return this;
  }

  /** Keras {@code num_oov_indices} (default 1). */
  public StringLookup numOovIndices(int numOovIndices) {
    if (numOovIndices < 0) {
      throw new IllegalArgumentException(name + ": numOovIndices must be at least 0, got " + numOovIndices);
    }
    rebuild(given, maskToken, oovToken, numOovIndices, maxTokens);
    this.numOovIndices = numOovIndices;
    return this;
  }

  /** Keras {@code mask_token}: the token of index 0 ({@code null}, the default, for none). */
  public StringLookup maskToken(String maskToken) {
    rebuild(given, maskToken, oovToken, numOovIndices, maxTokens);
    this.maskToken = maskToken;
    return this;
  }

  /** Keras {@code oov_token} (default {@code "[UNK]"}): how {@link #getVocabulary()} lists the OOV indices. */
  public StringLookup oovToken(String oovToken) {
    if (oovToken == null) throw new IllegalArgumentException(name + ": oovToken must not be null");
    rebuild(given, maskToken, oovToken, numOovIndices, maxTokens);
    this.oovToken = oovToken;
    return this;
  }

  /** Keras {@code vocabulary}, as a list of tokens (with or without the special tokens in front). */
  public StringLookup vocabulary(List<String> tokens) {
    List<String> copy = Collections.unmodifiableList(Arrays.asList(tokens.toArray(new String[0])));
    rebuild(copy, maskToken, oovToken, numOovIndices, maxTokens);
    this.given = copy;
    return this;
  }

  public StringLookup vocabulary(String... tokens) {
    return vocabulary(Arrays.asList(tokens));
  }

  /**
   * A vocabulary file: UTF-8, one token per line, as Keras saves it ({@code vocabulary.txt} in a {@code .keras}
   * archive, special tokens first) or as Keras' {@code vocabulary=} argument takes it (tokens only). Lines end at
   * {@code \n}, {@code \r\n} or {@code \r}; one line break at the end of the file is not a token.
   */
  public StringLookup vocabulary(File file) throws IOException {
    return vocabulary(VocabularyFile.read(file));
  }

  /** {@link #vocabulary(File)} from a stream (a class-path resource, say); the stream is read to its end, not closed. */
  public StringLookup vocabulary(InputStream in) throws IOException {
    return vocabulary(VocabularyFile.read(in, "<stream>"));
  }

  /** The index of one token. */
  public int index(String token) {
    return table().indexOf(token);
  }

  /** The indices of {@code tokens}, in order. */
  public int[] indices(List<String> tokens) {
    Vocabulary table = table();
    int[] out = new int[tokens.size()];
    for (int i = 0; i < out.length; i++) out[i] = table.indexOf(tokens.get(i));
    return out;
  }

  /** INT32 {@code [n]}: the indices of {@code tokens}. */
  public Tensor apply(String... tokens) {
    return Tensor.wrapInts(indices(Arrays.asList(tokens)), tokens.length);
  }

  /**
   * INT32 {@code [rows, columns]}, as Keras looks up a dense string tensor; the rows must be equally long (pad them
   * with the mask token, which is 0).
   */
  public Tensor apply(String[][] tokens) {
    int columns = tokens.length == 0 ? 0 : tokens[0].length;
    int[] out = new int[tokens.length * columns];
    Vocabulary table = table();
    for (int r = 0; r < tokens.length; r++) {
      if (tokens[r].length != columns) {
        throw new IllegalArgumentException(name + ": row " + r + " has " + tokens[r].length + " tokens, row 0 has "
            + columns + "; pad the rows to one length with the mask token");
      }
      for (int c = 0; c < columns; c++) out[r * columns + c] = table.indexOf(tokens[r][c]);
    }
    return Tensor.wrapInts(out, tokens.length, columns);
  }

  /** Keras {@code get_vocabulary()}: every index's token, the mask token and the OOV tokens first. */
  public List<String> getVocabulary() {
    return table().entries();
  }

  /** Keras {@code vocabulary_size()}: the number of indices, special ones included. */
  public int vocabularySize() {
    return table().entries().size();
  }

  /**
   * Writes {@link #getVocabulary()} as Keras writes its {@code vocabulary.txt} asset (UTF-8, joined by {@code "\n"}),
   * which {@link #vocabulary(File)} reads back. A token holding a line break cannot be written.
   */
  public void saveVocabulary(OutputStream out) throws IOException {
    out.write(VocabularyFile.format(getVocabulary()).getBytes(StandardCharsets.UTF_8));
  }

  Vocabulary table() {
    Vocabulary table = vocabulary;
    if (table == null) throw new IllegalStateException(name + ": no vocabulary; set one with vocabulary(...)");
    return table;
  }

  /**
   * Settings may come in any order: once there is a vocabulary, each setter rebuilds (and checks) the table with its
   * new value before storing it, so a refused setting leaves the lookup as it was.
   */
  private void rebuild(List<String> given, String maskToken, String oovToken, int numOovIndices, int maxTokens) {
    if (given != null) vocabulary = Vocabulary.build(name, given, maskToken, oovToken, numOovIndices, maxTokens);
  }
}

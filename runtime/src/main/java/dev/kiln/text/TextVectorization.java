package dev.kiln.text;

import dev.kiln.Tensor;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Keras' {@code TextVectorization} at inference, in {@code output_mode="int"}: strings to token indices. Strings are
 * not graph tensors, so this runs before a session, on the caller's side; its output feeds an {@code INT32}
 * placeholder, usually of shape {@code {-1, -1}} or {@code {-1, outputSequenceLength}}.
 *
 * <pre>{@code
 * TextVectorization vectorize = new TextVectorization()          // lower_and_strip_punctuation, whitespace
 *     .outputSequenceLength(8)
 *     .vocabulary(new File("vocabulary.txt"));                    // as Keras saves it: "", "[UNK]", then the tokens
 * Tensor tokens = vectorize.apply("The quick brown fox!", "Hello"); // INT32 [2, 8]
 * try (KilnSentiment session = KilnSentiment.open(weights)) {
 *   Tensor scores = session.call(tokens);
 * }
 * }</pre>
 *
 * <p>What Keras 3 does, step by step ({@code keras/src/layers/preprocessing/text_vectorization.py}):
 * <ol>
 *   <li>{@link #standardize}: lowercase the ASCII letters and/or remove the 32 ASCII punctuation characters (see
 *       {@link Standardize}: {@code "ÉCOLE"} stays {@code "École"}, as in Keras);
 *   <li>{@link #split}: runs of ASCII whitespace, or one token per character (code point), or none;
 *   <li>{@link #ngrams}: optionally the n-grams of the tokens, joined by a space, width by width;
 *   <li>lookup, as {@link StringLookup} with mask token {@code ""} (index 0, also the padding) and one OOV index
 *       (1, token {@code "[UNK]"}): the vocabulary's tokens start at 2;
 *   <li>{@link #outputSequenceLength}: each text's indices cut or padded with 0 to that length; without it a batch is
 *       padded to its longest text (Keras' dense output).
 * </ol>
 *
 * <p>Configure once, then call from any number of threads: vectorizing only reads. Not supported: output modes other
 * than {@code "int"}, callables as {@code standardize} or {@code split}, {@code adapt} (a vocabulary is given), and
 * ragged output (use {@link #indices(String)} per text).
 */
public final class TextVectorization {
  private static final String NAME = "TextVectorization";

  private final StringLookup lookup = new StringLookup(NAME).maskToken("");
  private Standardize standardize = Standardize.LOWER_AND_STRIP_PUNCTUATION;
  private Split split = Split.WHITESPACE;
  private int[] ngrams;
  private int outputSequenceLength;

  /** Keras' defaults: {@code lower_and_strip_punctuation}, {@code whitespace}, no n-grams, no fixed length. */
  public TextVectorization() {}

  /** Keras {@code max_tokens}: the largest vocabulary accepted, {@code ""} and {@code "[UNK]"} included. */
  public TextVectorization maxTokens(int maxTokens) {
    lookup.maxTokens(maxTokens);
    return this;
  }

  /** Keras {@code standardize}. */
  public TextVectorization standardize(Standardize standardize) {
    if (standardize == null) throw new IllegalArgumentException(NAME + ": standardize must not be null (use NONE)");
    this.standardize = standardize;
    return this;
  }

  /** Keras {@code split}. */
  public TextVectorization split(Split split) {
    if (split == null) throw new IllegalArgumentException(NAME + ": split must not be null (use NONE)");
    this.split = split;
    return this;
  }

  /**
   * Keras {@code ngrams=n}: the n-grams of every width from 1 to {@code n} (1-grams are the tokens themselves).
   * {@code ngrams(2, 3)} or {@code ngrams(new int[] {2})} is Keras' tuple form: exactly those widths.
   */
  public TextVectorization ngrams(int n) {
    int[] widths = new int[Math.max(n, 0)];
    for (int i = 0; i < widths.length; i++) widths[i] = i + 1;
    return ngrams(widths);
  }

  /** Keras {@code ngrams=(w1, w2, ...)}: the n-grams of exactly these widths, in this order. */
  public TextVectorization ngrams(int... widths) {
    if (widths.length == 0) throw new IllegalArgumentException(NAME + ": ngrams needs at least one width");
    for (int w : widths) {
      if (w < 1) throw new IllegalArgumentException(NAME + ": an n-gram width must be at least 1, got " + w);
    }
    this.ngrams = widths.clone();
    return this;
  }

  /** Keras {@code output_sequence_length}: every text gives exactly this many indices (cut, or padded with 0). */
  public TextVectorization outputSequenceLength(int length) {
    if (length < 1) throw new IllegalArgumentException(NAME + ": outputSequenceLength must be at least 1, got " + length);
    this.outputSequenceLength = length;
    return this;
  }

  /** Keras {@code vocabulary}: the tokens, with or without {@code ""} and {@code "[UNK]"} in front. */
  public TextVectorization vocabulary(List<String> tokens) {
    lookup.vocabulary(tokens);
    return this;
  }

  public TextVectorization vocabulary(String... tokens) {
    lookup.vocabulary(tokens);
    return this;
  }

  /** A vocabulary file, one token per line (see {@link StringLookup#vocabulary(File)}). */
  public TextVectorization vocabulary(File file) throws IOException {
    lookup.vocabulary(file);
    return this;
  }

  /** {@link #vocabulary(File)} from a stream (a class-path resource, say); read to its end, not closed. */
  public TextVectorization vocabulary(InputStream in) throws IOException {
    lookup.vocabulary(in);
    return this;
  }

  /** Keras {@code get_vocabulary()}: {@code ""}, {@code "[UNK]"}, then the tokens. */
  public List<String> getVocabulary() {
    return lookup.getVocabulary();
  }

  /** Keras {@code vocabulary_size()}. */
  public int vocabularySize() {
    return lookup.vocabularySize();
  }

  /** Writes the vocabulary as Keras' {@code vocabulary.txt} (see {@link StringLookup#saveVocabulary}). */
  public void saveVocabulary(OutputStream out) throws IOException {
    lookup.saveVocabulary(out);
  }

  /** The tokens of {@code text} before the lookup: standardized, split, n-grams. */
  public List<String> tokens(String text) {
    if (ngrams != null && split == Split.NONE) {
      throw new IllegalStateException(NAME + ": ngrams need a split (split is NONE)");
    }
    List<String> tokens = Tokenizer.split(Tokenizer.standardize(text, standardize), split);
    return ngrams == null ? tokens : Tokenizer.ngrams(tokens, ngrams);
  }

  /** One text's indices: {@code outputSequenceLength} of them if it is set, else one per token. */
  public int[] indices(String text) {
    int[] ids = lookup.indices(tokens(text));
    return outputSequenceLength > 0 ? Arrays.copyOf(ids, outputSequenceLength) : ids;
  }

  /**
   * INT32 {@code [texts, length]}, {@code length} being {@code outputSequenceLength} or else the longest text's
   * token count (shorter texts padded with 0), as Keras' dense output.
   */
  public Tensor apply(String... texts) {
    return apply(Arrays.asList(texts));
  }

  public Tensor apply(List<String> texts) {
    int[][] rows = new int[texts.size()][];
    int length = outputSequenceLength;
    for (int i = 0; i < rows.length; i++) {
      rows[i] = indices(texts.get(i));
      length = Math.max(length, rows[i].length);
    }
    int[] out = new int[rows.length * length];
    for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, out, i * length, rows[i].length);
    return Tensor.wrapInts(out, rows.length, length);
  }
}

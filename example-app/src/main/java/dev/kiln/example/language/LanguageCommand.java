package dev.kiln.example.language;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.text.Split;
import dev.kiln.text.TextVectorization;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The example app's {@code language} command: which of five languages a word is written in, by {@link LanguageNet}
 * (a character-level Embedding with mask_zero, a bidirectional GRU and a softmax, trained with TensorFlow.js on
 * Debian's word lists and imported by kiln-import). Words become character ids with {@link TextVectorization}
 * (Keras' {@code split="character"}, default standardization, the bundled vocabulary); a batch is padded with 0 to
 * its longest word, which the embedding's mask hides from the GRU.
 */
public final class LanguageCommand {
  /** The classpath resources holding the weights and the character vocabulary. */
  public static final String WEIGHTS = "/language.safetensors";
  public static final String VOCABULARY = "/language-vocabulary.txt";
  /** Words per session call. */
  public static final int BATCH = 64;

  private LanguageCommand() {}

  /** What {@code language --test} computed over the held-back words. */
  public static final class TestResult {
    /** The session's probabilities in batches of {@link #BATCH}, {@code [n, 5]}. */
    public final float[] probabilities;
    public final int[] predicted;
    public final int correct;
    public final int count;
    /** Predictions equal to TF.js's, in batches of {@link #BATCH} and one word at a time. */
    public final int agreeWithTfjs;
    public final int agreeWithTfjsOneAtATime;
    /** Largest |Kiln − TF.js| over all probabilities, both ways of calling. */
    public final double maxProbabilityDiff;
    /** Milliseconds per word, text to probabilities (medians). */
    public final double millisPerWordBatch1;
    public final double millisPerWordBatch64;

    TestResult(float[] probabilities, int[] predicted, int correct, int count, int agreeWithTfjs,
        int agreeWithTfjsOneAtATime, double maxProbabilityDiff, double millisPerWordBatch1, double millisPerWordBatch64) {
      this.probabilities = probabilities;
      this.predicted = predicted;
      this.correct = correct;
      this.count = count;
      this.agreeWithTfjs = agreeWithTfjs;
      this.agreeWithTfjsOneAtATime = agreeWithTfjsOneAtATime;
      this.maxProbabilityDiff = maxProbabilityDiff;
      this.millisPerWordBatch1 = millisPerWordBatch1;
      this.millisPerWordBatch64 = millisPerWordBatch64;
    }

    public double accuracy() {
      return (double) correct / count;
    }
  }

  /** The bundled weights. */
  public static Weights weights() throws IOException {
    InputStream in = open(WEIGHTS);
    try {
      return Weights.load(in);
    } finally {
      in.close();
    }
  }

  /** Keras' TextVectorization as the model was trained with: one token per character, the bundled vocabulary. */
  public static TextVectorization vectorizer() throws IOException {
    InputStream in = open(VOCABULARY);
    try {
      return new TextVectorization().split(Split.CHARACTER).vocabulary(in);
    } finally {
      in.close();
    }
  }

  private static InputStream open(String resource) throws IOException {
    InputStream in = LanguageCommand.class.getResourceAsStream(resource);
    if (in == null) throw new IOException("resource " + resource + " is missing (see README: Language example)");
    return in;
  }

  /**
   * The languages' probabilities for {@code words}, {@code [n, 5]} row-major, in session calls of {@link #BATCH} words
   * of similar length: a batch is padded to its longest word, and the GRU spends as much time on a masked step as on
   * any other, so words are batched in order of length (and the rows put back in the caller's order).
   */
  public static float[] classify(KilnLanguageNet session, TextVectorization vectorizer, List<String> words) {
    int k = LanguageTestSet.LANGUAGES.size();
    Integer[] order = new Integer[words.size()];
    int[] lengths = new int[words.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
      lengths[i] = vectorizer.tokens(words.get(i)).size();
    }
    Arrays.sort(order, (a, b) -> Integer.compare(lengths[a], lengths[b]));
    float[] p = new float[words.size() * k];
    List<String> batch = new ArrayList<>(BATCH);
    for (int from = 0; from < order.length; from += BATCH) {
      int to = Math.min(order.length, from + BATCH);
      batch.clear();
      for (int i = from; i < to; i++) batch.add(words.get(order[i]));
      float[] out = session.call(vectorizer.apply(batch)).toFloatArray();
      for (int i = from; i < to; i++) System.arraycopy(out, (i - from) * k, p, order[i] * k, k);
    }
    return p;
  }

  /** {@code language WORD...}: each word's probabilities and most likely language. */
  public static float[] words(List<String> words, PrintStream out) throws IOException {
    TextVectorization vectorizer = vectorizer();
    List<String> kept = new ArrayList<>();
    for (String w : words) {
      if (vectorizer.tokens(w).isEmpty()) out.println(w + ": no letters left after standardizing, skipped");
      else kept.add(w);
    }
    float[] p;
    try (KilnLanguageNet session = KilnLanguageNet.open(weights())) {
      p = classify(session, vectorizer, kept);
    }
    int k = LanguageTestSet.LANGUAGES.size();
    int width = 4;
    for (String w : kept) width = Math.max(width, w.length());
    StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "word"));
    for (String language : LanguageTestSet.LANGUAGES) head.append(String.format(Locale.ROOT, " %8s", language));
    out.println(head.append("   language"));
    for (int i = 0; i < kept.size(); i++) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", kept.get(i)));
      int best = 0;
      for (int c = 0; c < k; c++) {
        row.append(String.format(Locale.ROOT, " %8.4f", p[i * k + c]));
        if (p[i * k + c] > p[i * k + best]) best = c;
      }
      out.println(row.append("   ").append(LanguageTestSet.LANGUAGES.get(best)));
    }
    return p;
  }

  /**
   * {@code language --test}: accuracy on the held-back words, agreement with TF.js (in batches of {@link #BATCH}, and
   * one word at a time), and the time per word from text to probabilities at batch 1 and batch {@link #BATCH}.
   */
  public static TestResult test(int repeats, PrintStream out) throws IOException {
    LanguageTestSet test = LanguageTestSet.load();
    TextVectorization vectorizer = vectorizer();
    int n = test.count();
    int k = LanguageTestSet.LANGUAGES.size();
    float[] batched;
    float[] single = new float[n * k];
    double[] batch64 = new double[Math.max(1, repeats)];
    double[] batch1 = new double[Math.min(n, 200)];
    try (KilnLanguageNet session = KilnLanguageNet.open(weights())) {
      batched = classify(session, vectorizer, test.words); // also sizes the workspaces
      for (int r = 0; r < batch64.length; r++) {
        long t0 = System.nanoTime();
        classify(session, vectorizer, test.words);
        batch64[r] = (System.nanoTime() - t0) / 1e6 / n;
      }
      Tensor one = Tensor.zeros(1, k);
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        session.callInto(vectorizer.apply(test.words.get(i)), one);
        long t1 = System.nanoTime();
        if (i < batch1.length) batch1[i] = (t1 - t0) / 1e6;
        System.arraycopy(one.toFloatArray(), 0, single, i * k, k);
      }
    }
    int[] predicted = new int[n];
    int correct = 0;
    int agree = 0;
    int agreeSingle = 0;
    double maxDiff = 0;
    for (int i = 0; i < n; i++) {
      predicted[i] = argmax(batched, i, k);
      if (predicted[i] == test.labels[i]) correct++;
      if (predicted[i] == test.tfjsClasses[i]) agree++;
      if (argmax(single, i, k) == test.tfjsClasses[i]) agreeSingle++;
      for (int c = 0; c < k; c++) {
        maxDiff = Math.max(maxDiff, Math.abs(batched[i * k + c] - test.tfjsProbabilities[i * k + c]));
        maxDiff = Math.max(maxDiff, Math.abs(single[i * k + c] - test.tfjsProbabilities[i * k + c]));
      }
    }
    Arrays.sort(batch64);
    Arrays.sort(batch1);
    double perWord64 = batch64[batch64.length / 2];
    double perWord1 = batch1[batch1.length / 2];
    out.println("Kiln language: LanguageNet (Embedding mask_zero -> Bidirectional GRU -> Dense softmax), weights "
        + WEIGHTS.substring(1) + " trained with TensorFlow.js on Debian's word lists");
    out.println(String.format(Locale.ROOT, "held-back words: %d (%s)", n, String.join(", ", LanguageTestSet.LANGUAGES)));
    out.println(String.format(Locale.ROOT, "accuracy: %.4f (%d/%d)", (double) correct / n, correct, n));
    int[][] confusion = new int[k][k];
    for (int i = 0; i < n; i++) confusion[test.labels[i]][predicted[i]]++;
    for (int r = 0; r < k; r++) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-8s", LanguageTestSet.LANGUAGES.get(r)));
      for (int c = 0; c < k; c++) row.append(String.format(Locale.ROOT, " %5d", confusion[r][c]));
      out.println(row);
    }
    out.println(String.format(Locale.ROOT, "predictions equal to TF.js's: %d/%d in batches of %d, %d/%d one word at a time",
        agree, n, BATCH, agreeSingle, n));
    out.println(String.format(Locale.ROOT, "largest probability difference from TF.js: %.3e", maxDiff));
    out.println(String.format(Locale.ROOT, "time per word (text to probabilities): %.4f ms at batch 1 (median of %d),"
        + " %.4f ms at batch %d (median of %d runs over all words)", perWord1, batch1.length, perWord64, BATCH,
        batch64.length));
    return new TestResult(batched, predicted, correct, n, agree, agreeSingle, maxDiff, perWord1, perWord64);
  }

  private static int argmax(float[] p, int row, int k) {
    int best = 0;
    for (int c = 1; c < k; c++) if (p[row * k + c] > p[row * k + best]) best = c;
    return best;
  }
}

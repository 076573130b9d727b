package dev.kiln.example.language;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The held-back words of the language example with TensorFlow.js's predictions for them, as written by
 * {@code example-app/language/train.mjs}: gzip of UTF-8 text, a {@code #} header line, then one word per line,
 * tab-separated: the word, its language, TF.js's language, TF.js's probabilities of the {@link #LANGUAGES} (float32
 * written with 9 significant digits) and the token ids the script gave the model (space-separated).
 */
public final class LanguageTestSet {
  /** The classpath resource holding the held-back words. */
  public static final String RESOURCE = "/language-test.tsv.gz";
  /** The model's classes, in output order. */
  public static final List<String> LANGUAGES = Arrays.asList("english", "german", "french", "spanish", "italian");

  public final List<String> words;
  /** The language of each word (an index into {@link #LANGUAGES}). */
  public final int[] labels;
  public final int[] tfjsClasses;
  /** TF.js's probabilities, {@code words × languages}. */
  public final float[] tfjsProbabilities;
  /** The token ids train.mjs computed for each word. */
  public final int[][] ids;

  private LanguageTestSet(List<String> words, int[] labels, int[] tfjsClasses, float[] tfjsProbabilities, int[][] ids) {
    this.words = words;
    this.labels = labels;
    this.tfjsClasses = tfjsClasses;
    this.tfjsProbabilities = tfjsProbabilities;
    this.ids = ids;
  }

  /** The bundled test set. */
  public static LanguageTestSet load() throws IOException {
    InputStream in = LanguageTestSet.class.getResourceAsStream(RESOURCE);
    if (in == null) throw new IOException("resource " + RESOURCE + " is missing (see README: Language example)");
    try {
      return read(in);
    } finally {
      in.close();
    }
  }

  /** Reads the gzipped format above. */
  public static LanguageTestSet read(InputStream gz) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(gz), "UTF-8"));
    List<String> words = new ArrayList<>();
    List<int[]> labels = new ArrayList<>();
    List<float[]> probabilities = new ArrayList<>();
    List<int[]> ids = new ArrayList<>();
    int k = LANGUAGES.size();
    int lineNumber = 0;
    for (String line; (line = in.readLine()) != null; ) {
      lineNumber++;
      if (line.startsWith("#") || line.isEmpty()) continue;
      String[] f = line.split("\t", -1);
      if (f.length != 4 + k) {
        throw new IOException(RESOURCE + " line " + lineNumber + ": " + f.length + " fields, expected " + (4 + k));
      }
      words.add(f[0]);
      labels.add(new int[] {language(f[1], lineNumber), language(f[2], lineNumber)});
      float[] p = new float[k];
      for (int c = 0; c < k; c++) p[c] = Float.parseFloat(f[3 + c]);
      probabilities.add(p);
      String[] t = f[3 + k].split(" ");
      int[] row = new int[t.length];
      for (int i = 0; i < t.length; i++) row[i] = Integer.parseInt(t[i]);
      ids.add(row);
    }
    int n = words.size();
    int[] label = new int[n];
    int[] tfjs = new int[n];
    float[] probs = new float[n * k];
    for (int i = 0; i < n; i++) {
      label[i] = labels.get(i)[0];
      tfjs[i] = labels.get(i)[1];
      System.arraycopy(probabilities.get(i), 0, probs, i * k, k);
    }
    return new LanguageTestSet(words, label, tfjs, probs, ids.toArray(new int[0][]));
  }

  private static int language(String name, int line) throws IOException {
    int i = LANGUAGES.indexOf(name);
    if (i < 0) throw new IOException(RESOURCE + " line " + line + ": unknown language " + name);
    return i;
  }

  public int count() {
    return words.size();
  }
}

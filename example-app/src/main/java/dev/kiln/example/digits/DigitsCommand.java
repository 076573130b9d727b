package dev.kiln.example.digits;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * The example app's {@code digits} command: classifies the held-back MNIST digits with the compiled
 * {@link DigitsNet} session and the bundled weights (trained with TensorFlow.js), and prints the accuracy, the
 * confusion matrix, how many predictions equal TF.js's and the time per digit.
 */
public final class DigitsCommand {
  /** The classpath resource holding the weights. */
  public static final String WEIGHTS = "/digits.safetensors";
  /** Digits per session call. */
  public static final int BATCH = 100;
  /** Digits classified one at a time per timed round. */
  static final int SINGLES = 200;
  /** Untimed rounds before the timed ones. */
  static final int WARM_UP_ROUNDS = 3;

  /** What the command computed. */
  public static final class Result {
    /** The session's probabilities, {@code [n, 10]}. */
    public final Tensor probabilities;
    public final int[] predicted;
    /** {@code confusion[label][predicted]}. */
    public final int[][] confusion;
    public final int correct;
    public final int count;
    /** Predictions equal to TF.js's. */
    public final int agreeWithTfjs;
    /** Largest |Kiln − TF.js| over all probabilities. */
    public final double maxProbabilityDiff;
    /** Milliseconds per digit in batches of {@link #BATCH} (median of the timed runs over all digits). */
    public final double millisPerDigitBatched;
    /** Milliseconds per digit classified one at a time (median of the timed runs of {@link #SINGLES} digits). */
    public final double millisPerDigitSingle;

    Result(Tensor probabilities, int[] predicted, int[][] confusion, int correct, int count, int agreeWithTfjs,
        double maxProbabilityDiff, double millisPerDigitBatched, double millisPerDigitSingle) {
      this.probabilities = probabilities;
      this.predicted = predicted;
      this.confusion = confusion;
      this.correct = correct;
      this.count = count;
      this.agreeWithTfjs = agreeWithTfjs;
      this.maxProbabilityDiff = maxProbabilityDiff;
      this.millisPerDigitBatched = millisPerDigitBatched;
      this.millisPerDigitSingle = millisPerDigitSingle;
    }

    public double accuracy() {
      return (double) correct / count;
    }
  }

  private DigitsCommand() {}

  /** The bundled weights. */
  public static Weights weights() throws IOException {
    InputStream in = DigitsCommand.class.getResourceAsStream(WEIGHTS);
    if (in == null) throw new IOException("resource " + WEIGHTS + " is missing (see README: Digits example)");
    try {
      return Weights.load(in);
    } finally {
      in.close();
    }
  }

  public static Result run(int repeats, PrintStream out) throws IOException {
    DigitsTestSet test = DigitsTestSet.load();
    Weights weights = weights();
    int n = test.count;
    int k = test.classes;
    // Batches of BATCH digits (the last one may be smaller), each classified with the typed fast path.
    int batches = (n + BATCH - 1) / BATCH;
    Tensor[] images = new Tensor[batches];
    Tensor[] outs = new Tensor[batches];
    for (int b = 0; b < batches; b++) {
      int from = b * BATCH;
      int to = Math.min(n, from + BATCH);
      images[b] = test.images(from, to);
      outs[b] = Tensor.zeros(to - from, k);
    }
    // Both ways are warmed up first (C2 compiles each path's kernels), then timed in alternating rounds, so that a
    // busy machine's slow minutes fall on both alike: per digit, all batches, then the first SINGLES digits one by one.
    int singles = Math.min(n, SINGLES);
    Tensor[] oneByOne = new Tensor[singles];
    for (int i = 0; i < singles; i++) oneByOne[i] = test.images(i, i + 1);
    Tensor one = Tensor.zeros(1, k);
    double[] batched = new double[Math.max(1, repeats)];
    double[] single = new double[batched.length];
    try (KilnDigitsNet session = KilnDigitsNet.open(weights)) {
      for (int r = -WARM_UP_ROUNDS; r < batched.length; r++) {
        long t0 = System.nanoTime();
        for (int b = 0; b < batches; b++) session.callInto(images[b], outs[b]);
        long t1 = System.nanoTime();
        for (int i = 0; i < singles; i++) session.callInto(oneByOne[i], one);
        long t2 = System.nanoTime();
        if (r >= 0) {
          batched[r] = (t1 - t0) / 1e6 / n;
          single[r] = (t2 - t1) / 1e6 / singles;
        }
      }
    }
    float[] p = new float[n * k];
    for (int b = 0; b < batches; b++) {
      float[] o = outs[b].toFloatArray();
      System.arraycopy(o, 0, p, b * BATCH * k, o.length);
    }
    Tensor probs = Tensor.of(p, n, k);

    int[] predicted = new int[n];
    int[][] confusion = new int[k][k];
    int correct = 0;
    int agree = 0;
    double maxDiff = 0;
    for (int i = 0; i < n; i++) {
      int best = 0;
      for (int c = 0; c < k; c++) {
        if (p[i * k + c] > p[i * k + best]) best = c;
        maxDiff = Math.max(maxDiff, Math.abs(p[i * k + c] - test.tfjsProbabilities[i * k + c]));
      }
      predicted[i] = best;
      confusion[test.label(i)][best]++;
      if (best == test.label(i)) correct++;
      if (best == test.tfjsClass(i)) agree++;
    }
    Arrays.sort(batched);
    Arrays.sort(single);
    double perDigitBatched = batched[batched.length / 2];
    double perDigitSingle = single[single.length / 2];

    out.println("Kiln digits: DigitsNet (Conv2D 8 -> pool -> Conv2D 16 -> pool -> Dense 64 -> Dense 10), weights "
        + WEIGHTS.substring(1) + " trained with TensorFlow.js (" + weights.names().size() + " tensors)");
    out.println(String.format(Locale.ROOT, "held-back MNIST digits: %d", n));
    out.println(String.format(Locale.ROOT, "accuracy: %.4f (%d/%d)", (double) correct / n, correct, n));
    out.println("confusion matrix (rows: true class, columns: predicted class):");
    StringBuilder head = new StringBuilder("       ");
    for (int c = 0; c < k; c++) head.append(String.format(Locale.ROOT, "%5d", c));
    out.println(head);
    for (int r = 0; r < k; r++) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %3d  ", r));
      for (int c = 0; c < k; c++) row.append(String.format(Locale.ROOT, "%5d", confusion[r][c]));
      out.println(row);
    }
    out.println(String.format(Locale.ROOT, "predictions equal to TF.js's: %d/%d", agree, n));
    out.println(String.format(Locale.ROOT, "largest probability difference from TF.js: %.3e", maxDiff));
    out.println(String.format(Locale.ROOT, "time per digit: %.4f ms in batches of %d, %.4f ms one at a time (medians of %d"
        + " alternating rounds after %d warm-up rounds)", perDigitBatched, BATCH, perDigitSingle, batched.length,
        WARM_UP_ROUNDS));
    return new Result(probs, predicted, confusion, correct, n, agree, maxDiff, perDigitBatched, perDigitSingle);
  }
}

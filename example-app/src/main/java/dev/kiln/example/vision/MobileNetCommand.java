package dev.kiln.example.vision;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The example app's {@code mobilenet} command: runs the compiled MobileNetV2 on an image, preprocessed as Keras'
 * {@code mobilenet_v2.preprocess_input} does (RGB scaled to [-1, 1]) after a bilinear resize to 224×224, and
 * prints the top-5 classes with their probabilities and the time per image.
 */
public final class MobileNetCommand {
  /** What the command computed. */
  public static final class Result {
    public final Tensor probabilities;
    public final int[] top5;
    public final double medianMillis;

    Result(Tensor probabilities, int[] top5, double medianMillis) {
      this.probabilities = probabilities;
      this.top5 = top5;
      this.medianMillis = medianMillis;
    }
  }

  private MobileNetCommand() {}

  /**
   * Classifies {@code image} (a synthetic gradient when null) with weights from {@code weightsFile}
   * (initialized from {@code seed} when null, which the output says), timing {@code repeats} runs.
   */
  public static Result run(File image, File weightsFile, long seed, int repeats, PrintStream out) throws IOException {
    Tensor input = image == null ? syntheticImage() : load(image);
    out.println("image: " + (image == null ? "synthetic 224x224 gradient (no image given)" : image.getPath()));
    KilnMobileNetV2 session;
    if (weightsFile == null) {
      out.println("weights: none given, using initialized weights (seed " + seed + "); the classes mean nothing");
      session = KilnMobileNetV2.initialized(seed);
    } else {
      Weights w = Weights.load(weightsFile);
      out.println("weights: " + weightsFile.getPath() + " (" + w.names().size() + " tensors)");
      session = KilnMobileNetV2.open(w);
    }
    try {
      Tensor probs = Tensor.zeros(1, 1000);
      session.callInto(input, probs); // first call sizes the arena
      double[] millis = new double[Math.max(1, repeats)];
      for (int i = 0; i < millis.length; i++) {
        long t0 = System.nanoTime();
        session.callInto(input, probs);
        millis[i] = (System.nanoTime() - t0) / 1e6;
      }
      Arrays.sort(millis);
      double median = millis[millis.length / 2];
      int[] top = topK(probs.toFloatArray(), 5);
      out.println("top-5:");
      for (int c : top) {
        out.println(String.format(Locale.ROOT, "  class %4d  p=%.5f", c, probs.getFloat(0, c)));
      }
      out.println(String.format(Locale.ROOT, "time per image: %.2f ms (median of %d, %.2f–%.2f ms)", median,
          millis.length, millis[0], millis[millis.length - 1]));
      return new Result(probs, top, median);
    } finally {
      session.close();
    }
  }

  /** Decodes, resizes (bilinear) to 224×224 and scales RGB to [-1, 1]. */
  public static Tensor load(File image) throws IOException {
    BufferedImage src = ImageIO.read(image);
    if (src == null) throw new IOException("cannot decode " + image + " (ImageIO knows PNG, JPEG, BMP, GIF)");
    BufferedImage resized = new BufferedImage(224, 224, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = resized.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(src, 0, 0, 224, 224, null);
    } finally {
      g.dispose();
    }
    return fromRgb(resized);
  }

  static Tensor fromRgb(BufferedImage img) {
    float[] data = new float[224 * 224 * 3];
    for (int y = 0; y < 224; y++) {
      for (int x = 0; x < 224; x++) {
        int rgb = img.getRGB(x, y);
        int p = (y * 224 + x) * 3;
        data[p] = ((rgb >> 16) & 0xff) / 127.5f - 1f;
        data[p + 1] = ((rgb >> 8) & 0xff) / 127.5f - 1f;
        data[p + 2] = (rgb & 0xff) / 127.5f - 1f;
      }
    }
    return Tensor.of(data, 1, 224, 224, 3);
  }

  static Tensor syntheticImage() {
    BufferedImage img = new BufferedImage(224, 224, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 224; y++) {
      for (int x = 0; x < 224; x++) img.setRGB(x, y, (x << 16) | (y << 8) | ((x + y) / 2));
    }
    return fromRgb(img);
  }

  /** Indices of the k largest values, largest first. */
  static int[] topK(float[] v, int k) {
    Integer[] idx = new Integer[v.length];
    for (int i = 0; i < idx.length; i++) idx[i] = i;
    Arrays.sort(idx, (a, b) -> Float.compare(v[b], v[a]));
    int[] out = new int[Math.min(k, v.length)];
    for (int i = 0; i < out.length; i++) out[i] = idx[i];
    return out;
  }
}

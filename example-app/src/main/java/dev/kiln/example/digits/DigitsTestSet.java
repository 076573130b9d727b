package dev.kiln.example.digits;

import dev.kiln.Tensor;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;

/**
 * The held-back MNIST digits of the digits example with TensorFlow.js's predictions for them, as written by
 * {@code example-app/digits/train.mjs}: gzip of (little-endian) {@code "KDIG"}, int32 version 1, int32 n, rows,
 * cols, classes; n labels (uint8); n TF.js classes (uint8); n × rows × cols pixels (uint8, row-major); n × classes
 * TF.js probabilities (float32).
 */
public final class DigitsTestSet {
  /** The classpath resource holding the held-back digits. */
  public static final String RESOURCE = "/digits-test.bin.gz";

  public final int count;
  public final int rows;
  public final int cols;
  public final int classes;
  /** The true class of each digit. */
  public final byte[] labels;
  /** TF.js's predicted class of each digit. */
  public final byte[] tfjsClasses;
  /** uint8 pixels, {@code count × rows × cols}. */
  public final byte[] pixels;
  /** TF.js's probabilities, {@code count × classes}. */
  public final float[] tfjsProbabilities;

  private DigitsTestSet(int count, int rows, int cols, int classes, byte[] labels, byte[] tfjsClasses,
      byte[] pixels, float[] tfjsProbabilities) {
    this.count = count;
    this.rows = rows;
    this.cols = cols;
    this.classes = classes;
    this.labels = labels;
    this.tfjsClasses = tfjsClasses;
    this.pixels = pixels;
    this.tfjsProbabilities = tfjsProbabilities;
  }

  /** The bundled test set. */
  public static DigitsTestSet load() throws IOException {
    InputStream in = DigitsTestSet.class.getResourceAsStream(RESOURCE);
    if (in == null) throw new IOException("resource " + RESOURCE + " is missing (see README: Digits example)");
    try {
      return read(in);
    } finally {
      in.close();
    }
  }

  /** Reads the gzipped format above. */
  public static DigitsTestSet read(InputStream gz) throws IOException {
    DataInputStream in = new DataInputStream(new GZIPInputStream(gz));
    byte[] header = new byte[24];
    in.readFully(header);
    ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    if (header[0] != 'K' || header[1] != 'D' || header[2] != 'I' || header[3] != 'G') {
      throw new IOException("not a digits test file (no KDIG magic)");
    }
    int version = h.getInt(4);
    if (version != 1) throw new IOException("digits test file version " + version + ", expected 1");
    int n = h.getInt(8);
    int rows = h.getInt(12);
    int cols = h.getInt(16);
    int classes = h.getInt(20);
    byte[] labels = new byte[n];
    byte[] tfjs = new byte[n];
    byte[] pixels = new byte[n * rows * cols];
    byte[] probBytes = new byte[4 * n * classes];
    in.readFully(labels);
    in.readFully(tfjs);
    in.readFully(pixels);
    in.readFully(probBytes);
    if (in.read() != -1) throw new IOException("digits test file is longer than its header says");
    float[] probs = new float[n * classes];
    ByteBuffer.wrap(probBytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(probs);
    return new DigitsTestSet(n, rows, cols, classes, labels, tfjs, pixels, probs);
  }

  /** Digits {@code [from, to)} as the model's input: {@code [to - from, rows, cols, 1]}, pixel / 255. */
  public Tensor images(int from, int to) {
    int size = rows * cols;
    float[] v = new float[(to - from) * size];
    for (int i = 0; i < v.length; i++) v[i] = (pixels[from * size + i] & 0xff) / 255f;
    return Tensor.of(v, to - from, rows, cols, 1);
  }

  public int label(int i) {
    return labels[i] & 0xff;
  }

  public int tfjsClass(int i) {
    return tfjsClasses[i] & 0xff;
  }
}

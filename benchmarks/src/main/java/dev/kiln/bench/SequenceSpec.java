package dev.kiln.bench;

import dev.kiln.SessionOptions;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * A benchmarked sequence model: its Kiln sessions and eager model, and the same network written by hand for TF Java
 * and for ONNX Runtime, on the seeded weights of {@link Data#weights}. Inputs are {@code [batch, length]} token ids
 * ({@link #tokens}) or {@code [batch, length, features]} floats.
 */
public abstract class SequenceSpec {
  /** Short name used in benchmark parameters: {@code lstm}, {@code encoder}. */
  public abstract String name();

  /** What the model is, for tables. */
  public abstract String label();

  /** The sequence lengths benchmarked. */
  public abstract int[] lengths();

  /** The batch sizes benchmarked. */
  public int[] batches() {
    return new int[] {1, 32};
  }

  /** Whether the input is INT32 token ids {@code [batch, length]} (else FLOAT32 {@code [batch, length, features]}). */
  public abstract boolean tokens();

  /** The input's shape. */
  public abstract int[] inputShape(int batch, int length);

  /** Output values per batch row. */
  public abstract int outputSize(int length);

  /** Kiln's static graph (for the variable names and shapes). */
  public abstract GraphDef graphDef();

  /** The seeded input: {@code int[]} token ids or {@code float[]} features. */
  public abstract Object input(int batch, int length);

  public abstract SequenceEngine kilnCall(Weights w, int batch, int length);

  /** {@code callInto} on a session opened with {@code options} (another kernel set, another thread count). */
  public abstract SequenceEngine kilnCallInto(Weights w, int batch, int length, SessionOptions options);

  public abstract SequenceEngine kilnEager(Weights w, int batch, int length);

  /** The network as TF ops on {@code x} (the input placeholder, of {@link #tokens}' type), weights as constants. */
  public abstract Operand<TFloat32> tfGraph(Ops tf, Operand<? extends TType> x, Weights w, int batch, int length);

  /** The network as ONNX nodes from input {@code x} to output {@code y}. */
  public abstract void onnxGraph(OnnxWriter g, Weights w);

  /** The ONNX opset {@link #onnxGraph} writes. */
  public int onnxOpset() {
    return 13;
  }

  private Weights weights;

  /** The seeded weights every engine uses. */
  public final synchronized Weights weights() {
    if (weights == null) weights = Data.weights(graphDef());
    return weights;
  }

  public final int inputSize(int batch, int length) {
    int n = 1;
    for (int d : inputShape(batch, length)) n *= d;
    return n;
  }

  /**
   * Seeded token ids {@code [batch, length]} in {@code [1, vocabulary)}, padded with 0 at the end of each row as a
   * batch of sentences is: row 0 fills the length, the other rows take a length drawn from {@code [length/2, length]}.
   */
  static int[] tokens(int batch, int length, int vocabulary) {
    Random r = new Random(Data.SEED + 31L * batch + length);
    int[] t = new int[batch * length];
    for (int b = 0; b < batch; b++) {
      int used = b == 0 ? length : length / 2 + r.nextInt(length - length / 2 + 1);
      for (int s = 0; s < used; s++) t[b * length + s] = 1 + r.nextInt(vocabulary - 1);
    }
    return t;
  }

  /** The specs by name. */
  public static SequenceSpec byName(String name) {
    switch (name) {
      case "lstm": return new LstmTextSpec();
      case "encoder": return new TransformerEncoderSpec();
      default: throw new IllegalArgumentException("unknown sequence model " + name + " (lstm, encoder)");
    }
  }

  /** A configuration {@code model-length-batch}, as the benchmarks' parameter names it. */
  static String config(String model, int length, int batch) {
    return model + "-" + length + "-" + batch;
  }
}

package dev.kiln.spark;

import dev.kiln.DType;
import dev.kiln.Output;
import dev.kiln.Session;
import dev.kiln.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.Platform;

/**
 * Scores one partition lazily: reads at most {@code batchSize} rows, runs them through the session in one call,
 * hands out those rows with the output (and prediction) appended, and only then reads the next batch. At most
 * one batch of rows is held, whatever the partition's size.
 */
final class ScoringIterator implements Iterator<InternalRow> {
  /** Where the rows come from and how their columns feed the model; shared by the partitions of one transform. */
  static final class Plan implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final ModelSignature signature;
    final String[] columns;
    final int[] ordinals;
    final ColumnKind[] kinds;
    final int batchSize;
    final boolean nullForInvalid;
    final boolean withPrediction;

    Plan(ModelSignature signature, String[] columns, int[] ordinals, ColumnKind[] kinds, int batchSize,
        boolean nullForInvalid, boolean withPrediction) {
      this.signature = signature;
      this.columns = columns;
      this.ordinals = ordinals;
      this.kinds = kinds;
      this.batchSize = batchSize;
      this.nullForInvalid = nullForInvalid;
      this.withPrediction = withPrediction;
    }
  }

  private final Iterator<InternalRow> rows;
  private final int partition;
  private final Plan plan;
  private final Session session;
  private final List<Output> placeholders;
  private final Output output;
  private final float[][] floats;
  private final int[][] ints;
  private final InternalRow[] held;
  private final boolean[] valid;
  private final InternalRow[] extra;
  private long rowsRead;
  private int count;
  private int next;

  ScoringIterator(Iterator<InternalRow> rows, int partition, Plan plan, Session session) {
    this.rows = rows;
    this.partition = partition;
    this.plan = plan;
    this.session = session;
    this.placeholders = session.staticGraph().placeholders();
    this.output = session.staticGraph().outputs().get(0);
    ModelSignature sig = plan.signature;
    int inputs = sig.inputCount();
    this.floats = new float[inputs][];
    this.ints = new int[inputs][];
    for (int i = 0; i < inputs; i++) {
      int n = plan.batchSize * sig.inputSize(i);
      if (sig.inputType(i) == DType.INT32) ints[i] = new int[n];
      else floats[i] = new float[n];
    }
    this.held = new InternalRow[plan.batchSize];
    this.valid = new boolean[plan.batchSize];
    this.extra = new InternalRow[plan.batchSize];
  }

  @Override
  public boolean hasNext() {
    if (next < count) return true;
    if (!rows.hasNext()) return false;
    scoreNextBatch();
    return count > 0;
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) throw new NoSuchElementException();
    InternalRow row = new JoinedRow(held[next], extra[next]);
    held[next] = null;
    extra[next] = null;
    next++;
    return row;
  }

  private void scoreNextBatch() {
    ModelSignature sig = plan.signature;
    count = 0;
    next = 0;
    int scored = 0;
    while (count < plan.batchSize && rows.hasNext()) {
      // The source reuses its row object: keep a copy for as long as the batch lives.
      InternalRow row = rows.next().copy();
      boolean ok = true;
      for (int i = 0; i < sig.inputCount() && ok; i++) {
        int size = sig.inputSize(i);
        String problem = plan.kinds[i].read(row, plan.ordinals[i], size, floats[i], ints[i], scored * size);
        if (problem != null) {
          if (!plan.nullForInvalid) throw invalidRow(i, problem);
          ok = false;
        }
      }
      held[count] = row;
      valid[count] = ok;
      if (ok) scored++;
      count++;
      rowsRead++;
    }
    float[] out = scored == 0 ? null : run(scored);
    int outSize = sig.outputSize();
    for (int r = 0, s = 0; r < count; r++) {
      Object[] values = new Object[plan.withPrediction ? 2 : 1];
      if (valid[r]) {
        values[0] = UnsafeArrayData.fromPrimitiveArray(out, Platform.FLOAT_ARRAY_OFFSET + 4 * s * outSize, outSize, 4);
        if (plan.withPrediction) values[1] = argmax(out, s * outSize, outSize);
        s++;
      }
      extra[r] = new GenericInternalRow(values);
    }
  }

  /** The output of the first {@code rows} rows of the buffers, flattened. */
  private float[] run(int rows) {
    ModelSignature sig = plan.signature;
    Map<Output, Tensor> feeds = new HashMap<>();
    for (int i = 0; i < sig.inputCount(); i++) {
      int n = rows * sig.inputSize(i);
      int[] shape = sig.inputShape(i, rows);
      Tensor t = ints[i] != null
          ? Tensor.wrapInts(ints[i].length == n ? ints[i] : Arrays.copyOf(ints[i], n), shape)
          : Tensor.wrap(floats[i].length == n ? floats[i] : Arrays.copyOf(floats[i], n), shape);
      feeds.put(placeholders.get(i), t);
    }
    Tensor y = session.run(output, feeds);
    return y.dtype() == DType.FLOAT32 ? y.floatBuffer() : y.toFloatArray();
  }

  private IllegalArgumentException invalidRow(int input, String problem) {
    ModelSignature sig = plan.signature;
    return new IllegalArgumentException("Kiln: column " + plan.columns[input] + " of row " + rowsRead + " in partition "
        + partition + " " + problem + "; expected " + sig.inputSize(input) + " values for " + sig.describeInput(input)
        + " (setInvalid(\"null\") gives such rows null outputs)");
  }

  /** The index of the largest value (the first one on ties), as TensorFlow's argmax. */
  static int argmax(float[] values, int from, int length) {
    int best = 0;
    for (int i = 1; i < length; i++) {
      if (values[from + i] > values[from + best]) best = i;
    }
    return best;
  }
}

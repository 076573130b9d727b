package dev.kiln.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@link Transformer} that scores a DataFrame with a generated Kiln session: the input column(s) feed
 * the model's placeholders, the output is appended as {@code array<float>} (flattened per row), and optionally
 * its argmax as an {@code int} prediction column.
 *
 * <pre>{@code
 * KilnTransformer scorer = KilnTransformer
 *     .of(() -> KilnDigitsNet.open(Weights.load(DigitsJob.class.getResourceAsStream("/digits.safetensors"))))
 *     .setInputCol("pixels")            // array<float> (reshaped to the model's input shape), ML Vector, or array<int>
 *     .setOutputCol("probabilities")    // array<float>: the model's output, flattened per row
 *     .setPredictionCol("digit")        // optional: argmax of the output, int
 *     .setBatchSize(64);                // rows per typed call (default 64)
 * Dataset<Row> scored = scorer.transform(df);   // df keeps its columns; the new ones are appended
 * }</pre>
 *
 * <ul>
 *   <li>The {@link SessionFactory} runs at most once per JVM (see {@link SessionFactory}); the driver runs it too,
 *       once, to read the placeholders' and the output's shapes from {@code Session.staticGraph()}.
 *   <li>Input types: a float32 placeholder takes {@code array<float>}, {@code array<double>}, {@code array<int>} or
 *       an ML {@code vector}, each row holding the placeholder's non-batch size in row-major order (a row of 784
 *       values feeds {@code [-1, 28, 28, 1]}); an int32 placeholder takes {@code array<int>}. A model with several
 *       placeholders takes {@link #setInputCols} in placeholder order. Every placeholder dimension but the batch
 *       must be static; the model must have one output.
 *   <li>Each partition is scored by a lazy iterator in calls of {@link #setBatchSize batchSize} rows (the last one
 *       smaller); the partition is never held in memory.
 *   <li>{@link #setInvalid}: a row whose input is null, has a null element, or has the wrong length fails the task
 *       ({@code "error"}, the default; the message names the column, the row's position in its partition, counted
 *       from 0, and the expected length) or gets null outputs ({@code "null"}).
 *   <li>Persistence: {@code write().overwrite().save(dir)} and {@link #load(String)}, also inside a saved
 *       {@code PipelineModel}. The factory is saved Java-serialized; its class must be on the class path of whoever
 *       loads it and of the executors.
 * </ul>
 *
 * It runs on classic Spark (not on a Spark Connect client): it reads the rows in Spark's internal format, so a
 * row's floats are copied once into the batch, never boxed.
 */
public final class KilnTransformer extends Transformer implements MLWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final SharedSession shared;
  /** Read from the session on first use (on the driver); the same for every copy. */
  private transient ModelSignature signature;

  private final Param<String> inputCol;
  private final StringArrayParam inputCols;
  private final Param<String> outputCol;
  private final Param<String> predictionCol;
  private final IntParam batchSize;
  private final Param<String> invalid;

  KilnTransformer(String uid, SharedSession shared) {
    this.uid = uid;
    this.shared = shared;
    // Params read the parent's uid when made: create them after it is set.
    inputCol = new Param<>(this, "inputCol", "input column: array<float>, array<double>, array<int> or vector "
        + "(int32 placeholders: array<int>), one row's values in row-major order");
    inputCols = new StringArrayParam(this, "inputCols", "input columns, one per placeholder, in placeholder order");
    outputCol = new Param<>(this, "outputCol", "output column: array<float>, the model's output flattened per row");
    predictionCol = new Param<>(this, "predictionCol", "optional prediction column: argmax of the output, int");
    batchSize = new IntParam(this, "batchSize", "rows per session call (> 0)", ParamValidators.gt(0));
    invalid = new Param<>(this, "invalid", "what a null or wrong-length input does: 'error' fails the task, 'null' "
        + "gives the row null outputs", ParamValidators.inArray(new String[] {"error", "null"}));
    setDefault(outputCol, uid + "__output");
    setDefault(batchSize, 64);
    setDefault(invalid, "error");
  }

  /** A transformer that scores with the sessions {@code factory} opens. */
  public static KilnTransformer of(SessionFactory factory) {
    return new KilnTransformer(Identifiable.randomUID("kilnTransformer"), new SharedSession(factory));
  }

  @Override
  public String uid() {
    return uid;
  }

  SessionFactory factory() {
    return shared.factory();
  }

  // ---- params ----------------------------------------------------------------------------------------------

  public Param<String> inputCol() {
    return inputCol;
  }

  public StringArrayParam inputCols() {
    return inputCols;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public Param<String> invalid() {
    return invalid;
  }

  /** The column feeding the model's only placeholder. */
  public KilnTransformer setInputCol(String value) {
    return (KilnTransformer) set(inputCol, value);
  }

  /** The columns feeding the model's placeholders, in placeholder ({@code @Call} parameter) order. */
  public KilnTransformer setInputCols(String... values) {
    return (KilnTransformer) set(inputCols, values);
  }

  public KilnTransformer setOutputCol(String value) {
    return (KilnTransformer) set(outputCol, value);
  }

  /** Also append the argmax of each row's output as an {@code int} column (not appended when unset). */
  public KilnTransformer setPredictionCol(String value) {
    return (KilnTransformer) set(predictionCol, value);
  }

  /** Rows per session call (default 64). */
  public KilnTransformer setBatchSize(int value) {
    return (KilnTransformer) set(batchSize, value);
  }

  /** {@code "error"} (default) or {@code "null"}: what a row with a null or wrong-length input does. */
  public KilnTransformer setInvalid(String value) {
    return (KilnTransformer) set(invalid, value);
  }

  public String getInputCol() {
    return getOrDefault(inputCol);
  }

  public String[] getInputCols() {
    return getOrDefault(inputCols);
  }

  public String getOutputCol() {
    return getOrDefault(outputCol);
  }

  public String getPredictionCol() {
    return getOrDefault(predictionCol);
  }

  public int getBatchSize() {
    return (Integer) getOrDefault(batchSize);
  }

  public String getInvalid() {
    return getOrDefault(invalid);
  }

  // ---- schema ----------------------------------------------------------------------------------------------

  private ModelSignature signature() {
    if (signature == null) signature = ModelSignature.of(shared.session().staticGraph());
    return signature;
  }

  /** The input column names, one per placeholder. */
  private String[] inputColumns(ModelSignature sig) {
    boolean one = isSet(inputCol);
    boolean many = isSet(inputCols);
    if (one == many) {
      throw new IllegalArgumentException("Kiln: KilnTransformer " + uid + " needs exactly one of inputCol and inputCols "
          + "set, but " + (one ? "both are" : "neither is"));
    }
    String[] cols = one ? new String[] {getInputCol()} : getInputCols();
    if (cols.length != sig.inputCount()) {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < sig.inputCount(); i++) names.add(sig.inputName(i));
      throw new IllegalArgumentException("Kiln: the model has " + sig.inputCount() + " placeholder(s) " + names
          + " but " + (one ? "inputCol names 1 column" : "inputCols names " + cols.length + " " + Arrays.toString(cols))
          + "; give one column per placeholder, in this order, with setInputCols");
    }
    return cols;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    ModelSignature sig = signature();
    String[] cols = inputColumns(sig);
    for (int i = 0; i < cols.length; i++) kindOf(schema, cols[i], sig, i);
    boolean nullable = "null".equals(getInvalid());
    StructType out = append(schema, getOutputCol(), DataTypes.createArrayType(DataTypes.FloatType, false), nullable);
    if (isDefined(predictionCol)) out = append(out, getPredictionCol(), DataTypes.IntegerType, nullable);
    return out;
  }

  private static ColumnKind kindOf(StructType schema, String column, ModelSignature sig, int input) {
    if (!Arrays.asList(schema.fieldNames()).contains(column)) {
      throw new IllegalArgumentException("Kiln: input column " + column + " does not exist; the columns are "
          + Arrays.toString(schema.fieldNames()));
    }
    StructField field = schema.apply(column);
    ColumnKind kind = ColumnKind.of(field.dataType(), sig.inputType(input));
    if (kind == null) {
      List<String> accepted = new ArrayList<>();
      for (ColumnKind k : ColumnKind.accepted(sig.inputType(input))) accepted.add(k.typeName);
      throw new IllegalArgumentException("Kiln: input column " + column + " has type " + field.dataType().simpleString()
          + ", but " + sig.describeInput(input) + " accepts " + String.join(", ", accepted));
    }
    return kind;
  }

  private static StructType append(StructType schema, String column, org.apache.spark.sql.types.DataType type, boolean nullable) {
    if (Arrays.asList(schema.fieldNames()).contains(column)) {
      throw new IllegalArgumentException("Kiln: output column " + column + " already exists; the columns are "
          + Arrays.toString(schema.fieldNames()));
    }
    return schema.add(column, type, nullable);
  }

  // ---- transform -------------------------------------------------------------------------------------------

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType outSchema = transformSchema(dataset.schema());
    ModelSignature sig = signature();
    String[] cols = inputColumns(sig);
    int[] ordinals = new int[cols.length];
    ColumnKind[] kinds = new ColumnKind[cols.length];
    for (int i = 0; i < cols.length; i++) {
      ordinals[i] = dataset.schema().fieldIndex(cols[i]);
      kinds[i] = kindOf(dataset.schema(), cols[i], sig, i);
    }
    ScoringIterator.Plan plan = new ScoringIterator.Plan(sig, cols, ordinals, kinds, getBatchSize(),
        "null".equals(getInvalid()), isDefined(predictionCol));
    SharedSession session = shared;
    RDD<InternalRow> rows = ClassicSpark.internalRows(dataset);
    JavaRDD<InternalRow> scored = rows.toJavaRDD().mapPartitionsWithIndex(
        (partition, it) -> new ScoringIterator(it, partition, plan, session.session()), true);
    return ClassicSpark.dataFrame(dataset, scored.rdd(), outSchema);
  }

  @Override
  public KilnTransformer copy(ParamMap extra) {
    KilnTransformer that = new KilnTransformer(uid, shared);
    that.signature = signature;
    return copyValues(that, extra);
  }

  // ---- persistence -----------------------------------------------------------------------------------------

  @Override
  public MLWriter write() {
    return new KilnTransformerIO.Writer(this);
  }

  /** The reader Spark ML uses for {@code KilnTransformer.load} and inside a saved {@code PipelineModel}. */
  public static MLReader<KilnTransformer> read() {
    return new KilnTransformerIO.Reader();
  }

  /** A transformer saved with {@code write().save(path)}. */
  public static KilnTransformer load(String path) {
    return read().load(path);
  }

}

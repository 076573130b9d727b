package dev.kiln.spark;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.spark.models.KilnTinyNet;
import dev.kiln.spark.models.KilnTokenIds;
import dev.kiln.spark.models.KilnTwoInputs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KilnTransformer on {@code local[2]} with sessions generated from the test models: every scored row is compared
 * with the typed {@code call} of the same generated class on that row alone.
 */
class KilnTransformerTest {
  static final long SEED = 7;
  static final StructType FLOATS = new StructType()
      .add("id", DataTypes.LongType, false)
      .add("tag", DataTypes.StringType, true)
      .add("x", DataTypes.createArrayType(DataTypes.FloatType, true), true);

  static SessionFactory tiny() {
    return () -> KilnTinyNet.initialized(SEED);
  }

  /** Six values of row {@code i}, varied and deterministic. */
  static float[] values(int i) {
    float[] v = new float[6];
    for (int j = 0; j < 6; j++) v[j] = (float) Math.sin(0.7 * i + 1.3 * j) * (1 + j % 3);
    return v;
  }

  static Row floatRow(int i) {
    return RowFactory.create((long) i, "t" + i, boxed(values(i)));
  }

  static Float[] boxed(float[] v) {
    Float[] b = new Float[v.length];
    for (int i = 0; i < v.length; i++) b[i] = v[i];
    return b;
  }

  static float[] typedCall(float[] row) {
    try (KilnTinyNet s = KilnTinyNet.initialized(SEED)) {
      return s.call(Tensor.of(row, 1, 2, 3)).toFloatArray();
    }
  }

  static float[] floats(Row row, String column) {
    List<Float> list = row.getList(row.fieldIndex(column));
    float[] f = new float[list.size()];
    for (int i = 0; i < f.length; i++) f[i] = list.get(i);
    return f;
  }

  static int argmax(float[] v) {
    return ScoringIterator.argmax(v, 0, v.length);
  }

  // ---- scoring ---------------------------------------------------------------------------------------------

  @Test
  void everyRowEqualsTheTypedCallAcrossBatchBoundariesAndEmptyPartitions() {
    // batchSize 4: partitions of 1, 3 (batchSize - 1), 5 (batchSize + 1) rows, empty ones, exactly 4, and 9.
    int[] sizes = {1, 3, 5, 0, 4, 9, 0};
    Dataset<Row> df = LocalSpark.partitioned(FLOATS, sizes, KilnTransformerTest::floatRow);
    Dataset<Row> scored = KilnTransformer.of(tiny()).setInputCol("x").setOutputCol("p").setPredictionCol("class")
        .setBatchSize(4).transform(df);

    assertThat(scored.columns()).asList().containsExactly("id", "tag", "x", "p", "class").inOrder();
    assertThat(scored.schema().apply("p").dataType()).isEqualTo(DataTypes.createArrayType(DataTypes.FloatType, false));
    assertThat(scored.schema().apply("class").dataType()).isEqualTo(DataTypes.IntegerType);
    assertThat(scored.rdd().getNumPartitions()).isEqualTo(sizes.length);
    List<Row> rows = scored.collectAsList();
    assertThat(rows).hasSize(22);
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      assertThat(r.getLong(0)).isEqualTo(i);
      assertThat(r.getString(1)).isEqualTo("t" + i);
      assertThat(floats(r, "x")).isEqualTo(values(i));
      float[] expected = typedCall(values(i));
      assertThat(floats(r, "p")).usingTolerance(1e-6).containsExactly(expected).inOrder();
      assertThat(r.getInt(4)).isEqualTo(argmax(expected));
    }
  }

  @Test
  void vectorsDoublesAndIntsFeedAFloatPlaceholder() {
    StructType schema = new StructType()
        .add("v", new VectorUDT(), false)
        .add("d", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
        .add("n", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    Dataset<Row> df = LocalSpark.partitioned(schema, new int[] {3, 4}, i -> {
      float[] f = values(i);
      double[] d = new double[6];
      Integer[] n = new Integer[6];
      for (int j = 0; j < 6; j++) {
        d[j] = f[j];
        n[j] = Math.round(f[j] * 3);
      }
      // Odd rows as sparse vectors with two zeros left out.
      d[2] = d[4] = 0;
      Object v = i % 2 == 0 ? Vectors.dense(d) : Vectors.sparse(6, new int[] {0, 1, 3, 5}, new double[] {d[0], d[1], d[3], d[5]});
      Double[] boxedD = new Double[6];
      for (int j = 0; j < 6; j++) boxedD[j] = d[j];
      return RowFactory.create(v, boxedD, n);
    });
    KilnTransformer t = KilnTransformer.of(tiny()).setBatchSize(2);
    List<Row> fromVectors = t.setInputCol("v").setOutputCol("pv").transform(df).collectAsList();
    List<Row> fromDoubles = t.setInputCol("d").setOutputCol("pd").transform(df).collectAsList();
    List<Row> fromInts = t.setInputCol("n").setOutputCol("pn").transform(df).collectAsList();
    for (int i = 0; i < 7; i++) {
      float[] d = new float[6];
      float[] n = new float[6];
      List<Double> dl = fromDoubles.get(i).getList(1);
      List<Integer> nl = fromInts.get(i).getList(2);
      for (int j = 0; j < 6; j++) {
        d[j] = dl.get(j).floatValue();
        n[j] = nl.get(j);
      }
      assertThat(floats(fromVectors.get(i), "pv")).usingTolerance(1e-6).containsExactly(typedCall(d)).inOrder();
      assertThat(floats(fromDoubles.get(i), "pd")).usingTolerance(1e-6).containsExactly(typedCall(d)).inOrder();
      assertThat(floats(fromInts.get(i), "pn")).usingTolerance(1e-6).containsExactly(typedCall(n)).inOrder();
    }
  }

  @Test
  void anInt32PlaceholderTakesArrayOfInt() {
    StructType schema = new StructType().add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
    Dataset<Row> df = LocalSpark.partitioned(schema, new int[] {2, 3},
        i -> RowFactory.create((Object) new Integer[] {i, 1000 * i, -i, 123456789 + i}));
    List<Row> rows = KilnTransformer.of(() -> KilnTokenIds.initialized(0)).setInputCol("ids").setOutputCol("out").transform(df)
        .collectAsList();
    try (KilnTokenIds s = KilnTokenIds.initialized(0)) {
      for (int i = 0; i < 5; i++) {
        int[] ids = {i, 1000 * i, -i, 123456789 + i};
        float[] expected = s.call(Tensor.ofInts(ids, 1, 4)).toFloatArray();
        assertThat(floats(rows.get(i), "out")).isEqualTo(expected);
      }
    }
    StructType floatIds = new StructType().add("ids", DataTypes.createArrayType(DataTypes.FloatType), false);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KilnTransformer.of(() -> KilnTokenIds.initialized(0)).setInputCol("ids").transformSchema(floatIds));
    assertThat(e).hasMessageThat().isEqualTo(
        "Kiln: input column ids has type array<float>, but placeholder ids int32[-1, 4] accepts array<int>");
  }

  @Test
  void severalInputsFeedThePlaceholdersInOrder() {
    StructType schema = new StructType()
        .add("b", DataTypes.createArrayType(DataTypes.FloatType), false)
        .add("a", DataTypes.createArrayType(DataTypes.FloatType), false);
    Dataset<Row> df = LocalSpark.partitioned(schema, new int[] {3, 2}, i -> {
      float[] v = values(i);
      return RowFactory.create(new Float[] {v[3], v[4]}, new Float[] {v[0], v[1], v[2]});
    });
    SessionFactory two = () -> KilnTwoInputs.initialized(SEED);
    List<Row> rows = KilnTransformer.of(two).setInputCols("a", "b").setOutputCol("y").setBatchSize(2)
        .transform(df).collectAsList();
    try (KilnTwoInputs s = KilnTwoInputs.initialized(SEED)) {
      for (int i = 0; i < 5; i++) {
        float[] v = values(i);
        float[] expected = s.call(Tensor.of(new float[] {v[0], v[1], v[2]}, 1, 3), Tensor.of(new float[] {v[3], v[4]}, 1, 2))
            .toFloatArray();
        assertThat(floats(rows.get(i), "y")).usingTolerance(1e-6).containsExactly(expected).inOrder();
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KilnTransformer.of(two).setInputCol("a").transformSchema(schema));
    assertThat(e).hasMessageThat().isEqualTo("Kiln: the model has 2 placeholder(s) [a, b] but inputCol names 1 column;"
        + " give one column per placeholder, in this order, with setInputCols");
  }

  // ---- invalid rows ----------------------------------------------------------------------------------------

  /** Row 1 null, row 3 five values, row 4 a null element; the others valid. */
  static Row rowWithProblems(int i) {
    Float[] v = boxed(values(i));
    if (i == 1) v = null;
    if (i == 3) v = java.util.Arrays.copyOf(v, 5);
    if (i == 4) v[2] = null;
    return RowFactory.create((long) i, "t" + i, v);
  }

  @Test
  void invalidNullGivesNullOutputsAndScoresTheOtherRows() {
    Dataset<Row> df = LocalSpark.partitioned(FLOATS, new int[] {3, 4}, KilnTransformerTest::rowWithProblems);
    Dataset<Row> scored = KilnTransformer.of(tiny()).setInputCol("x").setOutputCol("p").setPredictionCol("class")
        .setInvalid("null").setBatchSize(2).transform(df);
    assertThat(scored.schema().apply("p").nullable()).isTrue();
    List<Row> rows = scored.collectAsList();
    assertThat(rows).hasSize(7);
    for (int i = 0; i < 7; i++) {
      Row r = rows.get(i);
      if (i == 1 || i == 3 || i == 4) {
        assertThat(r.isNullAt(3)).isTrue();
        assertThat(r.isNullAt(4)).isTrue();
      } else {
        float[] expected = typedCall(values(i));
        assertThat(floats(r, "p")).usingTolerance(1e-6).containsExactly(expected).inOrder();
        assertThat(r.getInt(4)).isEqualTo(argmax(expected));
      }
    }
  }

  @Test
  void invalidErrorFailsTheTaskNamingColumnRowAndExpectedLength() {
    KilnTransformer t = KilnTransformer.of(tiny()).setInputCol("x").setBatchSize(2);
    // Partition 0 holds rows 0-2, partition 1 rows 3-6: row 3 (five values) is row 0 of partition 1.
    Dataset<Row> df = LocalSpark.partitioned(FLOATS, new int[] {3, 4}, i -> i == 1 ? floatRow(i) : rowWithProblems(i));
    assertThat(rootMessage(() -> t.transform(df).collectAsList())).isEqualTo("Kiln: column x of row 0 in partition 1"
        + " has 5 values; expected 6 values for placeholder x float32[-1, 2, 3] (setInvalid(\"null\") gives such rows"
        + " null outputs)");
    Dataset<Row> nulls = LocalSpark.partitioned(FLOATS, new int[] {3, 4}, i -> i == 1 ? rowWithProblems(i) : floatRow(i));
    assertThat(rootMessage(() -> t.transform(nulls).collectAsList())).isEqualTo("Kiln: column x of row 1 in partition 0"
        + " is null; expected 6 values for placeholder x float32[-1, 2, 3] (setInvalid(\"null\") gives such rows null"
        + " outputs)");
    Dataset<Row> element = LocalSpark.partitioned(FLOATS, new int[] {3, 4}, i -> i == 4 ? rowWithProblems(i) : floatRow(i));
    assertThat(rootMessage(() -> t.transform(element).collectAsList())).isEqualTo("Kiln: column x of row 1 in"
        + " partition 1 has a null at index 2; expected 6 values for placeholder x float32[-1, 2, 3]"
        + " (setInvalid(\"null\") gives such rows null outputs)");
  }

  static String rootMessage(org.junit.jupiter.api.function.Executable run) {
    Throwable e = assertThrows(SparkException.class, run);
    while (e.getCause() != null) e = e.getCause();
    assertThat(e).isInstanceOf(IllegalArgumentException.class);
    return e.getMessage();
  }

  // ---- schema ----------------------------------------------------------------------------------------------

  @Test
  void transformSchemaNamesColumnTypeFoundAndTypesAccepted() {
    StructType schema = new StructType()
        .add("x", DataTypes.createArrayType(DataTypes.FloatType), true)
        .add("s", DataTypes.StringType, true)
        .add("p", DataTypes.createArrayType(DataTypes.FloatType), true);
    KilnTransformer t = KilnTransformer.of(tiny());
    assertThat(assertThrows(IllegalArgumentException.class, () -> t.copy(ParamMap.empty()).transformSchema(schema)))
        .hasMessageThat().isEqualTo("Kiln: KilnTransformer " + t.uid() + " needs exactly one of inputCol and inputCols"
            + " set, but neither is");
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> t.copy(ParamMap.empty()).setInputCol("x").setInputCols("x").transformSchema(schema)))
        .hasMessageThat().endsWith("needs exactly one of inputCol and inputCols set, but both are");
    assertThat(assertThrows(IllegalArgumentException.class, () -> t.setInputCol("pixels").transformSchema(schema)))
        .hasMessageThat().isEqualTo("Kiln: input column pixels does not exist; the columns are [x, s, p]");
    assertThat(assertThrows(IllegalArgumentException.class, () -> t.setInputCol("s").transformSchema(schema)))
        .hasMessageThat().isEqualTo("Kiln: input column s has type string, but placeholder x float32[-1, 2, 3] accepts"
            + " array<float>, array<double>, array<int>, vector");
    assertThat(assertThrows(IllegalArgumentException.class, () -> t.setInputCol("x").setOutputCol("p").transformSchema(schema)))
        .hasMessageThat().isEqualTo("Kiln: output column p already exists; the columns are [x, s, p]");
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> t.setInputCol("x").setOutputCol("q").setPredictionCol("s").transformSchema(schema)))
        .hasMessageThat().isEqualTo("Kiln: output column s already exists; the columns are [x, s, p, q]");
    assertThat(assertThrows(IllegalArgumentException.class, () -> t.setInvalid("skip")))
        .hasMessageThat().contains("invalid");
    assertThat(assertThrows(IllegalArgumentException.class, () -> t.setBatchSize(0)))
        .hasMessageThat().contains("batchSize");
  }

  @Test
  void copyKeepsTheFactoryAndParamsAndExplainParamsListsThem() {
    KilnTransformer t = KilnTransformer.of(tiny()).setInputCol("x").setOutputCol("p").setBatchSize(8);
    KilnTransformer c = t.copy(new ParamMap().put(t.batchSize(), 3));
    assertThat(c.uid()).isEqualTo(t.uid());
    assertThat(c.getBatchSize()).isEqualTo(3);
    assertThat(t.getBatchSize()).isEqualTo(8);
    assertThat(c.getInputCol()).isEqualTo("x");
    assertThat(c.getInvalid()).isEqualTo("error");
    assertThat(c.factory()).isSameInstanceAs(t.factory());
    String explained = t.explainParams();
    for (String p : new String[] {"inputCol", "inputCols", "outputCol", "predictionCol", "batchSize", "invalid"}) {
      assertThat(explained).contains(p + ":");
    }
    assertThat(explained).contains("batchSize: rows per session call (> 0) (default: 64, current: 8)");
    Dataset<Row> df = LocalSpark.partitioned(FLOATS, new int[] {2, 3}, KilnTransformerTest::floatRow);
    List<Row> rows = c.transform(df).collectAsList();
    for (int i = 0; i < 5; i++) {
      assertThat(floats(rows.get(i), "p")).usingTolerance(1e-6).containsExactly(typedCall(values(i))).inOrder();
    }
  }

  // ---- persistence -----------------------------------------------------------------------------------------

  @Test
  void aSavedPipelineModelLoadsAndScoresTheSame(@TempDir Path dir) throws Exception {
    StructType schema = new StructType();
    for (int j = 0; j < 6; j++) schema = schema.add("f" + j, DataTypes.DoubleType, false);
    Dataset<Row> df = LocalSpark.partitioned(schema, new int[] {4, 5}, i -> {
      float[] v = values(i);
      return RowFactory.create((double) v[0], (double) v[1], (double) v[2], (double) v[3], (double) v[4], (double) v[5]);
    });
    VectorAssembler assembler = new VectorAssembler()
        .setInputCols(new String[] {"f0", "f1", "f2", "f3", "f4", "f5"}).setOutputCol("features");
    KilnTransformer scorer = KilnTransformer.of(tiny()).setInputCol("features").setOutputCol("p")
        .setPredictionCol("class").setBatchSize(3).setInvalid("null");
    PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assembler, scorer}).fit(df);
    String path = dir.resolve("pipeline").toString();
    model.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);

    KilnTransformer back = (KilnTransformer) loaded.stages()[1];
    assertThat(back.uid()).isEqualTo(scorer.uid());
    assertThat(back.getBatchSize()).isEqualTo(3);
    assertThat(back.getInvalid()).isEqualTo("null");
    assertThat(back.getPredictionCol()).isEqualTo("class");
    List<Row> before = model.transform(df).collectAsList();
    List<Row> after = loaded.transform(df).collectAsList();
    assertThat(after).hasSize(9);
    for (int i = 0; i < 9; i++) {
      float[] expected = typedCall(values(i));
      assertThat(floats(after.get(i), "p")).usingTolerance(1e-6).containsExactly(expected).inOrder();
      assertThat(floats(after.get(i), "p")).isEqualTo(floats(before.get(i), "p"));
      assertThat(after.get(i).getInt(8)).isEqualTo(argmax(expected));
    }

    String alone = dir.resolve("alone").toString();
    scorer.write().save(alone);
    scorer.write().overwrite().save(alone);
    KilnTransformer single = KilnTransformer.load(alone);
    assertThat(single.getOutputCol()).isEqualTo("p");
    assertThat(single.transform(assembler.transform(df)).collectAsList()).hasSize(9);
  }

  // ---- the factory -----------------------------------------------------------------------------------------

  static final AtomicInteger OPENS = new AtomicInteger();

  static SessionFactory counting(long seed) {
    return () -> {
      OPENS.incrementAndGet();
      return KilnTinyNet.initialized(seed);
    };
  }

  @Test
  void theFactoryRunsOncePerJvmAndItsSessionIsShared(@TempDir Path dir) throws Exception {
    OPENS.set(0);
    Dataset<Row> df = LocalSpark.partitioned(FLOATS, new int[] {5, 5, 5, 5, 5, 5}, KilnTransformerTest::floatRow);
    KilnTransformer t = KilnTransformer.of(counting(99)).setInputCol("x").setOutputCol("p").setBatchSize(2);
    assertThat(t.transform(df).count()).isEqualTo(30);
    t.transform(df).collectAsList();
    t.copy(ParamMap.empty()).setOutputCol("q").transform(df).collectAsList();
    KilnTransformer.of(counting(99)).setInputCol("x").transform(df).collectAsList(); // an equal factory
    String path = dir.resolve("t").toString();
    t.write().save(path);
    KilnTransformer.load(path).transform(df).collectAsList();
    assertThat(OPENS.get()).isEqualTo(1);

    KilnTransformer.of(counting(100)).setInputCol("x").transform(df).collectAsList(); // another factory
    assertThat(OPENS.get()).isEqualTo(2);
  }

  @Test
  void weightsFromABroadcastByteArray() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (KilnTinyNet s = KilnTinyNet.initialized(SEED)) {
      weightsOf(s).save(bytes);
    }
    Broadcast<byte[]> weights = JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext()).broadcast(bytes.toByteArray());
    SessionFactory fromBroadcast = () -> KilnTinyNet.open(Weights.load(new ByteArrayInputStream(weights.value())));
    Dataset<Row> df = LocalSpark.partitioned(FLOATS, new int[] {3, 3}, KilnTransformerTest::floatRow);
    List<Row> rows = KilnTransformer.of(fromBroadcast).setInputCol("x").setOutputCol("p").transform(df).collectAsList();
    for (int i = 0; i < 6; i++) {
      assertThat(floats(rows.get(i), "p")).usingTolerance(1e-6).containsExactly(typedCall(values(i))).inOrder();
    }
  }

  /** The initialized weights of {@code s}, read back through {@code Session.run} of each variable. */
  static Weights weightsOf(KilnTinyNet s) {
    java.util.Map<String, Tensor> w = new java.util.LinkedHashMap<>();
    for (dev.kiln.graph.NodeDef v : KilnTinyNet.graph().graphDef().variables()) {
      w.put(v.name(), s.run(v.name() + ":0", java.util.Collections.emptyMap()));
    }
    return Weights.of(w);
  }
}

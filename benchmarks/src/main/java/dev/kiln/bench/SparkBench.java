package dev.kiln.bench;

import dev.kiln.Graph;
import dev.kiln.Output;
import dev.kiln.Session;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.example.digits.DigitsCommand;
import dev.kiln.example.digits.DigitsTestSet;
import dev.kiln.example.digits.KilnDigitsNet;
import dev.kiln.example.vision.KilnMobileNetV2;
import dev.kiln.spark.KilnTransformer;
import dev.kiln.spark.SessionFactory;
import dev.kiln.vector.VectorKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Rows per second of scoring on Spark {@code local[2]} with {@link KilnTransformer}, for the digits CNN (the
 * example app's trained {@code DigitsNet}) and MobileNetV2, by engine (Kiln with the Java kernels, Kiln with
 * kiln-runtime-vector's, ONNX Runtime behind the same transformer) and batch size, next to the same engine alone in
 * one JVM with two threads. Every session has one intra-op thread: on {@code local[2]} Spark's two tasks are the
 * parallelism, and alone two threads are.
 *
 * <pre>
 * java $SPARK_JVM_OPTIONS -cp benchmarks/target/benchmarks.jar dev.kiln.bench.SparkBench [--rounds N] [--models cnn,mnv2]
 * </pre>
 *
 * Each round measures every cell once, in the same order, so that the machine's drift spreads over all of them;
 * one round first is warm-up. A Spark cell is one job: the cached input DataFrame (2 partitions) through the
 * transformer into Spark's {@code noop} sink; an alone cell is two threads each running half of the same rows in
 * batches already assembled. Before timing, every engine's output on the first rows is checked against Kiln's typed
 * call (largest difference printed, above 1e-4 is an error).
 */
public final class SparkBench {
  static final List<String> ENGINES = List.of("kiln", "kiln-vector", "ort");

  /** The model's session with one intra-op thread; the factory KilnTransformer ships to the executors. */
  static SessionFactory factory(String model, String engine) {
    return () -> open(model, engine);
  }

  static Session open(String model, String engine) throws Exception {
    SessionOptions one = SessionOptions.defaults().intraOpThreads(1);
    if (engine.equals("kiln-vector")) one = one.kernels(VectorKernels.FACTORY);
    Weights w = weights(model);
    if (engine.equals("ort")) return new OrtBackedSession(graph(model), w, 1);
    return model.equals("cnn") ? KilnDigitsNet.open(w, one) : KilnMobileNetV2.open(w, one);
  }

  static Graph graph(String model) {
    return model.equals("cnn") ? KilnDigitsNet.graph() : KilnMobileNetV2.graph();
  }

  /** The digits CNN's trained weights; MobileNetV2's seeded ones (see Data.weights). */
  static Weights weights(String model) throws Exception {
    return model.equals("cnn") ? DigitsCommand.weights() : Data.weights(KilnMobileNetV2.graph().graphDef());
  }

  static int rowSize(String model) {
    return model.equals("cnn") ? 28 * 28 : 224 * 224 * 3;
  }

  /** The input rows: the held-back digits over and over, or 16 seeded images in turn. */
  static float[][] rows(String model, int n) throws Exception {
    float[][] rows = new float[n][];
    if (model.equals("cnn")) {
      DigitsTestSet test = DigitsTestSet.load();
      for (int i = 0; i < n; i++) rows[i] = test.images(i % test.count, i % test.count + 1).toFloatArray();
    } else {
      for (int i = 0; i < n; i++) rows[i] = i < 16 ? seeded(i) : rows[i % 16];
    }
    return rows;
  }

  private static float[] seeded(int i) {
    java.util.Random r = new java.util.Random(Data.SEED + i);
    float[] v = new float[224 * 224 * 3];
    for (int k = 0; k < v.length; k++) v[k] = r.nextFloat() * 2 - 1;
    return v;
  }

  static int[] batchShape(String model, int batch) {
    return model.equals("cnn") ? new int[] {batch, 28, 28, 1} : new int[] {batch, 224, 224, 3};
  }

  public static void main(String[] args) throws Exception {
    int rounds = 3;
    List<String> models = List.of("cnn", "mnv2");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--rounds")) rounds = Integer.parseInt(args[++i]);
      else if (args[i].equals("--models")) models = Arrays.asList(args[++i].split(","));
      else throw new IllegalArgumentException("usage: SparkBench [--rounds N] [--models cnn,mnv2]");
    }
    SparkSession spark = SparkSession.builder().master("local[2]").appName("kiln-spark-bench")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    StringBuilder table = new StringBuilder();
    table.append("| model | batch | engine | Spark local[2] rows/s (median, min–max) | alone, 2 threads rows/s"
        + " (median, min–max) | Spark / alone | Spark / ORT on Spark |\n|---|---:|---|---:|---:|---:|---:|\n");
    try {
      for (String model : models) benchModel(spark, model, rounds, table);
    } finally {
      spark.stop();
    }
    System.out.println();
    System.out.println(table);
  }

  private static void benchModel(SparkSession spark, String model, int rounds, StringBuilder table) throws Exception {
    int n = model.equals("cnn") ? 32768 : 128;
    int[] batches = model.equals("cnn") ? new int[] {1, 32, 256} : new int[] {1, 32};
    float[][] rows = rows(model, n);
    StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
        .add("x", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    List<Row> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) list.add(RowFactory.create(i, rows[i]));
    Dataset<Row> input = spark.createDataFrame(list, schema).repartition(2).cache();
    input.count();
    check(spark, model, input, rows);

    // cell key -> rows/s of each measured round
    Map<String, List<Double>> spark2 = new LinkedHashMap<>();
    Map<String, List<Double>> alone = new LinkedHashMap<>();
    List<Double> passThrough = new ArrayList<>();
    for (int r = 0; r <= rounds; r++) {
      double p = passThroughRowsPerSecond(input, n);
      if (r > 0) passThrough.add(p);
      for (int batch : batches) {
        for (String engine : ENGINES) {
          String key = batch + " " + engine;
          double s = sparkRowsPerSecond(input, model, engine, batch, n);
          double a = aloneRowsPerSecond(model, engine, batch, rows);
          if (r == 0) continue; // warm-up
          spark2.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
          alone.computeIfAbsent(key, k -> new ArrayList<>()).add(a);
          System.out.printf(Locale.ROOT, "round %d %s batch %d %s: Spark %.0f rows/s, alone %.0f rows/s%n", r, model,
              batch, engine, s, a);
        }
      }
    }
    input.unpersist();
    String name = model.equals("cnn") ? "digits CNN" : "MobileNetV2";
    table.append(String.format(Locale.ROOT, "| %s | – | Spark alone: the same job without the transformer | %s | | | |%n",
        name, cell(passThrough)));
    for (int batch : batches) {
      double ort = median(spark2.get(batch + " ort"));
      for (String engine : ENGINES) {
        List<Double> s = spark2.get(batch + " " + engine);
        List<Double> a = alone.get(batch + " " + engine);
        table.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %.2f | %.2f |%n", name, batch, engine,
            cell(s), cell(a), median(s) / median(a), median(s) / ort));
      }
    }
  }

  static double sparkRowsPerSecond(Dataset<Row> input, String model, String engine, int batch, int n) {
    KilnTransformer t = KilnTransformer.of(factory(model, engine)).setInputCol("x").setOutputCol("p").setBatchSize(batch);
    long t0 = System.nanoTime();
    t.transform(input).select("id", "p").write().format("noop").mode("overwrite").save();
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  /** The Spark job of {@link #sparkRowsPerSecond} without the model: what Spark itself costs per row. */
  static double passThroughRowsPerSecond(Dataset<Row> input, int n) {
    long t0 = System.nanoTime();
    input.select("id", "x").write().format("noop").mode("overwrite").save();
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  /** Two threads, each scoring half of the rows in batches assembled before the clock starts. */
  static double aloneRowsPerSecond(String model, String engine, int batch, float[][] rows) throws Exception {
    Session session = cachedAlone(model, engine);
    Output x = session.staticGraph().placeholders().get(0);
    Output y = session.staticGraph().output();
    int size = rowSize(model);
    List<List<Tensor>> halves = new ArrayList<>();
    for (int h = 0; h < 2; h++) {
      List<Tensor> batches = new ArrayList<>();
      int from = h * rows.length / 2;
      int to = (h + 1) * rows.length / 2;
      for (int b = from; b < to; b += batch) {
        int m = Math.min(batch, to - b);
        float[] data = new float[m * size];
        for (int i = 0; i < m; i++) System.arraycopy(rows[b + i], 0, data, i * size, size);
        batches.add(Tensor.wrap(data, batchShape(model, m)));
      }
      halves.add(batches);
    }
    Thread[] threads = new Thread[2];
    Throwable[] failure = new Throwable[1];
    long t0 = System.nanoTime();
    for (int h = 0; h < 2; h++) {
      List<Tensor> mine = halves.get(h);
      threads[h] = new Thread(() -> {
        try {
          for (Tensor b : mine) session.run(y, Collections.singletonMap(x, b)).floatBuffer();
        } catch (Throwable e) {
          failure[0] = e;
        }
      });
      threads[h].start();
    }
    for (Thread t : threads) t.join();
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (failure[0] != null) throw new IllegalStateException(failure[0]);
    return rows.length / seconds;
  }

  private static final Map<String, Session> ALONE = new LinkedHashMap<>();

  private static synchronized Session cachedAlone(String model, String engine) throws Exception {
    String key = model + " " + engine;
    Session s = ALONE.get(key);
    if (s == null) {
      s = open(model, engine);
      ALONE.put(key, s);
    }
    return s;
  }

  /** Every engine on Spark against Kiln's typed call on the first rows. */
  private static void check(SparkSession spark, String model, Dataset<Row> input, float[][] rows) throws Exception {
    int k = 12;
    try (Session ref = open(model, "kiln")) {
      Output x = ref.staticGraph().placeholders().get(0);
      Output y = ref.staticGraph().output();
      for (String engine : ENGINES) {
        List<Row> got = KilnTransformer.of(factory(model, engine)).setInputCol("x").setOutputCol("p").setBatchSize(4)
            .transform(input).orderBy("id").limit(k).collectAsList();
        double worst = 0;
        for (Row r : got) {
          int id = r.getInt(0);
          float[] expected = ref.run(y, Collections.singletonMap(x, Tensor.of(rows[id], batchShape(model, 1)))).toFloatArray();
          List<Float> p = r.getList(2);
          for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(p.get(i) - expected[i]));
        }
        System.out.printf(Locale.ROOT, "check %s %s on Spark: largest difference from Kiln's typed call %.2e over %d rows%n",
            model, engine, worst, got.size());
        if (!(worst <= 1e-4)) throw new IllegalStateException(engine + " differs from Kiln by " + worst);
      }
    }
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    int m = s.size();
    return m % 2 == 1 ? s.get(m / 2) : (s.get(m / 2 - 1) + s.get(m / 2)) / 2;
  }

  private static String cell(List<Double> v) {
    return String.format(Locale.ROOT, "%,.0f (%,.0f–%,.0f)", median(v), Collections.min(v), Collections.max(v));
  }
}

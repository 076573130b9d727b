package dev.kiln.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** One {@code local[2]} Spark session for all the tests of this JVM (starting one takes seconds). */
final class LocalSpark {
  private LocalSpark() {}

  private static SparkSession spark;

  static synchronized SparkSession get() {
    if (spark == null) {
      spark = SparkSession.builder()
          .master("local[2]")
          .appName("kiln-spark-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /**
   * A DataFrame whose partition {@code p} holds exactly {@code sizes[p]} rows, numbered from 0 across the
   * partitions in order; {@code row} makes row number {@code i}.
   */
  static Dataset<Row> partitioned(StructType schema, int[] sizes, SerializableIntFunction<Row> row) {
    List<Integer> starts = new ArrayList<>();
    int total = 0;
    for (int s : sizes) {
      starts.add(total);
      total += s;
    }
    List<Integer> counts = new ArrayList<>();
    for (int s : sizes) counts.add(s);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(get().sparkContext());
    JavaRDD<Integer> startRdd = jsc.parallelize(starts, sizes.length);
    JavaRDD<Integer> countRdd = jsc.parallelize(counts, sizes.length);
    JavaRDD<Row> rows = startRdd.zip(countRdd).flatMap(sc -> {
      List<Row> out = new ArrayList<>();
      for (int i = 0; i < sc._2(); i++) out.add(row.apply(sc._1() + i));
      return out.iterator();
    });
    return get().createDataFrame(rows, schema);
  }

  interface SerializableIntFunction<T> extends IntFunction<T>, java.io.Serializable {}
}

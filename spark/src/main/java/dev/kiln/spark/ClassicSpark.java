package dev.kiln.spark;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The two places where the transformer uses classic Spark's internal row API: reading a Dataset's rows as
 * {@link InternalRow}s and making a DataFrame of such rows. Through the public {@code Row} encoders every float of
 * an {@code array<float>} column would be boxed on the way in and again on the way out, for the model's input and
 * for every column passed through, which costs about as much as a small model's inference.
 */
final class ClassicSpark {
  private ClassicSpark() {}

  static RDD<InternalRow> internalRows(Dataset<?> dataset) {
    return classic(dataset).queryExecution().toRdd();
  }

  static Dataset<Row> dataFrame(Dataset<?> like, RDD<InternalRow> rows, StructType schema) {
    return classic(like).sparkSession().internalCreateDataFrame(rows, schema, false);
  }

  private static org.apache.spark.sql.classic.Dataset<?> classic(Dataset<?> dataset) {
    if (!(dataset instanceof org.apache.spark.sql.classic.Dataset)) {
      throw new UnsupportedOperationException("Kiln: KilnTransformer runs on classic Spark, not on a Spark Connect "
          + "client; got a " + dataset.getClass().getName());
    }
    return (org.apache.spark.sql.classic.Dataset<?>) dataset;
  }
}

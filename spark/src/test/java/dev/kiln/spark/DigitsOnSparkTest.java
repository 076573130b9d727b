package dev.kiln.spark;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.example.digits.DigitsCommand;
import dev.kiln.example.digits.DigitsTestSet;
import dev.kiln.example.digits.KilnDigitsNet;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The example app's digits CNN, trained with TF.js, on the held-back digits it ships, scored on local[2]. */
class DigitsOnSparkTest {
  static SessionFactory digits() {
    return () -> KilnDigitsNet.open(Weights.load(DigitsCommand.class.getResourceAsStream(DigitsCommand.WEIGHTS)));
  }

  @Test
  void everyDigitEqualsTheTypedCallAndTfjsClass() throws Exception {
    DigitsTestSet test = DigitsTestSet.load();
    int n = 300;
    StructType schema = new StructType()
        .add("label", DataTypes.IntegerType, false)
        .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    byte[] pixels = test.pixels;
    byte[] labels = test.labels;
    Dataset<Row> df = LocalSpark.partitioned(schema, new int[] {130, 170}, i -> {
      Float[] px = new Float[784];
      for (int k = 0; k < 784; k++) px[k] = (pixels[784 * i + k] & 0xff) / 255f;
      return RowFactory.create(labels[i] & 0xff, px);
    });
    List<Row> rows = KilnTransformer.of(digits()).setInputCol("pixels").setOutputCol("probabilities")
        .setPredictionCol("digit").setBatchSize(64).transform(df).collectAsList();
    assertThat(rows).hasSize(n);
    try (KilnDigitsNet session = KilnDigitsNet.open(DigitsCommand.weights())) {
      for (int i = 0; i < n; i++) {
        Row r = rows.get(i);
        float[] expected = session.call(test.images(i, i + 1)).toFloatArray();
        List<Float> got = r.getList(2);
        float[] p = new float[got.size()];
        for (int k = 0; k < p.length; k++) p[k] = got.get(k);
        assertThat(p).usingTolerance(1e-6).containsExactly(expected).inOrder();
        assertThat(r.getInt(3)).isEqualTo(test.tfjsClass(i));
        assertThat(r.getInt(0)).isEqualTo(test.label(i));
      }
    }
  }

  @Test
  void sessionStaticGraphIsTheGeneratedGraph() throws Exception {
    try (KilnDigitsNet session = KilnDigitsNet.open(DigitsCommand.weights())) {
      assertThat(session.staticGraph().graphDef()).isSameInstanceAs(KilnDigitsNet.graph().graphDef());
      assertThat(session.staticGraph().placeholders()).isEqualTo(KilnDigitsNet.graph().placeholders());
      assertThat(session.staticGraph().outputs()).isEqualTo(KilnDigitsNet.graph().outputs());
    }
  }
}

package dev.kiln.spark.example;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.example.digits.DigitsCommand;
import dev.kiln.example.digits.DigitsTestSet;
import dev.kiln.example.digits.KilnDigitsNet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * Checks score-digits' Parquet output against the typed call of the digits model in this JVM. It reads the files
 * with Parquet's own example reader, so that no second Spark session has to start.
 */
final class ScoredDigits {
  private ScoredDigits() {}

  static void assertEqualTypedCall(Path parquetDir) throws Exception {
    DigitsTestSet test = DigitsTestSet.load();
    float[][] probabilities = new float[test.count][];
    int[] labels = new int[test.count];
    int[] digits = new int[test.count];
    int rows = 0;
    for (Path file : parts(parquetDir)) {
      try (ParquetReader<Group> reader =
          ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
              .withConf(new Configuration()).build()) {
        for (Group g; (g = reader.read()) != null; rows++) {
          int id = g.getInteger("id", 0);
          labels[id] = g.getInteger("label", 0);
          digits[id] = g.getInteger("digit", 0);
          Group list = g.getGroup("probabilities", 0);
          int n = list.getFieldRepetitionCount(0);
          probabilities[id] = new float[n];
          for (int k = 0; k < n; k++) probabilities[id][k] = list.getGroup(0, k).getFloat(0, 0);
        }
      }
    }
    assertThat(rows).isEqualTo(test.count);
    try (KilnDigitsNet session = KilnDigitsNet.open(DigitsCommand.weights())) {
      for (int i = 0; i < test.count; i++) {
        float[] expected = session.call(test.images(i, i + 1)).toFloatArray();
        assertThat(probabilities[i]).usingTolerance(1e-6).containsExactly(expected).inOrder();
        assertThat(labels[i]).isEqualTo(test.label(i));
        assertThat(digits[i]).isEqualTo(test.tfjsClass(i));
      }
    }
  }

  private static List<Path> parts(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().collect(Collectors.toList());
    }
  }
}

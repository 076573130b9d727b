package dev.kiln.spark.example;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** score-digits on local[2] over the held-back digits; what it wrote is checked row by row. */
class ScoreDigitsTest {
  @Test
  void scoresTheHeldBackDigitsAndWritesParquet(@TempDir Path dir) throws Exception {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("score-digits-test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    try {
      ScoreDigits.Options options = ScoreDigits.Options.parse(new String[] {
          "--out", dir.resolve("scored.parquet").toString(), "--batch", "50", "--partitions", "3"});
      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      ScoreDigits.Result result = ScoreDigits.run(spark, options, new PrintStream(printed, true, "UTF-8"));
      // The bundled model classifies 971 of the 1,000 held-back digits correctly (README, Digits example).
      assertThat(result.rows).isEqualTo(1000);
      assertThat(result.correct).isEqualTo(971);
      String out = printed.toString(StandardCharsets.UTF_8);
      assertThat(out).contains("scored 1000 digits in 3 partitions, batches of 50");
      assertThat(out).contains("accuracy: 0.9710 (971/1000)");
      assertThat(out).containsMatch("time: [0-9.]+ s \\(scoring and writing Parquet\\), [0-9]+ rows per second");
      ScoredDigits.assertEqualTypedCall(Path.of(options.out));
    } finally {
      spark.stop();
    }
  }

  @Test
  void optionsAreChecked() {
    assertThat(assertThrows(IllegalArgumentException.class, () -> ScoreDigits.Options.parse(new String[] {"--batch", "0"})))
        .hasMessageThat().isEqualTo("--batch takes a whole number of at least 1, got 0");
    assertThat(assertThrows(IllegalArgumentException.class, () -> ScoreDigits.Options.parse(new String[] {"--out"})))
        .hasMessageThat().isEqualTo("option --out needs a value");
    assertThat(assertThrows(IllegalArgumentException.class, () -> ScoreDigits.Options.parse(new String[] {"--fast", "1"})))
        .hasMessageThat().startsWith("unknown option --fast; usage: ScoreDigits");
  }
}

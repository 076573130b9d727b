package dev.kiln.importer;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refusals through the command line: a non-zero exit, a message naming the layer/option/file, nothing written. */
class ImportErrorsTest {
  @TempDir Path tmp;

  private Path copyFixture(String name) throws IOException {
    Path dir = tmp.resolve("in-" + name + "-" + System.nanoTime());
    Files.createDirectories(dir);
    try (Stream<Path> s = Files.list(FixtureImportTest.FIXTURES.resolve(name))) {
      for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, dir.resolve(p.getFileName()));
    }
    return dir;
  }

  private String runExpectingFailure(Path model) throws IOException {
    Path out = tmp.resolve("out");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = Main.run(new String[] {model.toString(), "--package", "com.example", "--class", "MyNet", "--out", out.toString()},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(status).isNotEqualTo(0);
    assertThat(Main.isEmpty(out)).isTrue();
    return err.toString(StandardCharsets.UTF_8);
  }

  private static void edit(Path file, String from, String to) throws IOException {
    String s = Files.readString(file);
    assertThat(s).contains(from);
    Files.writeString(file, s.replace(from, to));
  }

  @Test
  void unsupportedLayer() throws IOException {
    Path dir = copyFixture("mlp");
    edit(dir.resolve("model.json"), "\"class_name\":\"Activation\"", "\"class_name\":\"GaussianNoise\"");
    assertThat(runExpectingFailure(dir.resolve("model.json"))).contains("layer 'activation_Activation1': layer type GaussianNoise is not supported");
  }

  @Test
  void unsupportedOption() throws IOException {
    Path dir = copyFixture("cnn");
    edit(dir.resolve("model.json"), "\"data_format\":\"channels_last\"", "\"data_format\":\"channels_first\"");
    assertThat(runExpectingFailure(dir.resolve("model.json"))).contains("data_format 'channels_first' is not supported");
  }

  @Test
  void unsupportedActivationAndDtype() throws IOException {
    Path dir = copyFixture("keras2_wrapped");
    String json = Files.readString(dir.resolve("model.json"));
    Files.writeString(dir.resolve("model.json"), json.replaceFirst("\\\\\"activation\\\\\": \\\\\"relu\\\\\"|\"activation\":\"relu\"", "\"activation\":\"selu\""));
    assertThat(runExpectingFailure(dir.resolve("model.json"))).contains("activation 'selu' is not supported");
    Path dir2 = copyFixture("keras2_wrapped");
    // The first dtype is the first layer's (the topology comes before the manifest).
    Path mj = dir2.resolve("model.json");
    Files.writeString(mj, Files.readString(mj).replaceFirst("\"dtype\":\"float32\"", "\"dtype\":\"float16\""));
    assertThat(runExpectingFailure(mj)).contains("): dtype 'float16' is not supported (Kiln computes in float32)");
  }

  @Test
  void truncatedShard() throws IOException {
    Path dir = copyFixture("mlp");
    byte[] b = Files.readAllBytes(dir.resolve("shard1.bin"));
    Files.write(dir.resolve("shard1.bin"), java.util.Arrays.copyOf(b, b.length - 10));
    assertThat(runExpectingFailure(dir.resolve("model.json"))).contains("the weight data is truncated");
  }

  @Test
  void truncatedModelJson() throws IOException {
    Path dir = copyFixture("mlp");
    byte[] b = Files.readAllBytes(dir.resolve("model.json"));
    Files.write(dir.resolve("model.json"), java.util.Arrays.copyOf(b, b.length / 2));
    assertThat(runExpectingFailure(dir.resolve("model.json"))).contains("model.json is not valid JSON (truncated?)");
  }

  @Test
  void truncatedKerasFile() throws Exception {
    Path file = tmp.resolve("m.keras");
    new KerasFileWriter(FixtureImportTest.FIXTURES.resolve("mlp").resolve("model.json")).writeKeras3(file);
    byte[] b = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(b, b.length / 2));
    assertThat(runExpectingFailure(file)).contains("m.keras");
  }

  @Test
  void weightShapeDisagreesWithConfig() throws IOException {
    Path dir = copyFixture("keras2_wrapped");
    // The second Dense has 3 units in the config; make it 4: its kernel [8, 3] and bias [3] no longer fit.
    edit(dir.resolve("model.json"), "\"units\":3", "\"units\":4");
    String err = runExpectingFailure(dir.resolve("model.json"));
    assertThat(err).contains("has shape [8, 3], expected [8, 4]");
    assertThat(err).contains("do not fit the model config");
  }

  @Test
  void missingShard() throws IOException {
    Path dir = copyFixture("cnn");
    Files.delete(dir.resolve("shard3.bin"));
    assertThat(runExpectingFailure(dir.resolve("model.json"))).contains("weight shard 'shard3.bin' listed in model.json is missing");
  }

  @Test
  void bilinearUpsamplingFromTfjs() throws IOException {
    Path dir = copyFixture("cnn_global");
    edit(dir.resolve("model.json"), "\"interpolation\":\"nearest\"", "\"interpolation\":\"bilinear\"");
    assertThat(runExpectingFailure(dir.resolve("model.json"))).contains("interpolation 'bilinear' is not supported for TF.js models");
  }
}

package dev.kiln.importer;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.io.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every TF.js fixture (made by importer/fixtures/make-fixtures.mjs): import, write, compile the written source with
 * the Kiln processor, open the generated session with the written weights, and compare the session's and the eager
 * model's outputs with TF.js's.
 */
class FixtureImportTest {
  static final Path FIXTURES = Paths.get("src/test/resources/fixtures");
  static final double TOLERANCE = 1e-4;

  @TempDir Path out;

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "keras2_wrapped", "quantized_uint8", "cnn", "cnn_global", "seq1d", "seq1d_max", "branches",
      "two_io_shared", "nested", "seq_bigru", "seq_lstm_state", "seq_sequential", "text_lstm"})
  void importedModelMatchesTfjs(String fixture) throws Exception {
    ImportResult r = KerasImporter.importModel(FIXTURES.resolve(fixture).resolve("model.json"), "com.example", "MyNet");
    r.write(out);
    Path reference = FIXTURES.resolve(fixture).resolve("reference.json");
    checkAgainstReference(out, "com.example", "MyNet", reference);
  }


  /** A fixture's reference.json: {inputs: [...], outputs: [...]}, each {shape, data}. */
  static Map<?, ?> reference(Path referenceJson) throws Exception {
    return (Map<?, ?>) Json.parse(new String(Files.readAllBytes(referenceJson), StandardCharsets.UTF_8));
  }

  static Tensor[] inputs(Path referenceJson) throws Exception {
    return tensors(reference(referenceJson).get("inputs")).toArray(new Tensor[0]);
  }

  static void compare(List<Tensor> actual, Path referenceJson, String what) throws Exception {
    List<Tensor> expected = tensors(reference(referenceJson).get("outputs"));
    assertThat(actual).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      assertWithMessage("%s output %s", what, i).that(maxAbsDiff(actual.get(i), expected.get(i))).isAtMost(TOLERANCE);
    }
  }

  /** Compiles the written source, loads the written weights, runs session and eager model, compares with TF.js. */
  static void checkAgainstReference(Path dir, String pkg, String cls, Path referenceJson) throws Exception {
    CompiledImport compiled = CompiledImport.compile(dir, pkg, cls);
    Weights w = Weights.load(dir.resolve(cls + ".safetensors").toFile());
    Map<?, ?> ref = reference(referenceJson);
    List<Tensor> inputs = tensors(ref.get("inputs"));
    List<Tensor> expected = tensors(ref.get("outputs"));
    Tensor[] in = inputs.toArray(new Tensor[0]);
    List<Tensor> session = compiled.runSession(w, in);
    List<Tensor> eager = compiled.runEager(w, in);
    assertThat(session).hasSize(expected.size());
    assertThat(eager).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      double s = maxAbsDiff(session.get(i), expected.get(i));
      double e = maxAbsDiff(eager.get(i), expected.get(i));
      assertWithMessage("output %s: session differs from TF.js by %s, eager by %s", i, s, e).that(Math.max(s, e)).isAtMost(TOLERANCE);
    }
  }

  static List<Tensor> tensors(Object array) {
    List<Tensor> out = new ArrayList<>();
    for (Object e : (List<?>) array) {
      Map<?, ?> o = (Map<?, ?>) e;
      List<?> s = (List<?>) o.get("shape");
      int[] shape = new int[s.size()];
      for (int i = 0; i < shape.length; i++) shape[i] = ((Number) s.get(i)).intValue();
      List<?> d = (List<?>) o.get("data");
      if ("int32".equals(o.get("dtype"))) {
        out.add(Tensor.ofInts(d.stream().mapToInt(x -> ((Number) x).intValue()).toArray(), shape));
        continue;
      }
      float[] data = new float[d.size()];
      for (int i = 0; i < data.length; i++) data[i] = ((Number) d.get(i)).floatValue();
      out.add(Tensor.of(data, shape));
    }
    return out;
  }

  static double maxAbsDiff(Tensor a, Tensor b) {
    assertThat(a.shape()).isEqualTo(b.shape());
    float[] x = a.toFloatArray();
    float[] y = b.toFloatArray();
    double m = 0;
    for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
    return m;
  }
}

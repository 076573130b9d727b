package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Graph;
import dev.kiln.Operation;
import dev.kiln.RunMetadata;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app's commands, called through {@link Main}: what they print and the numbers behind it. */
class MainTest {
  @TempDir Path tmp;

  private static final class Captured {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
    final PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);

    String out() {
      return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
      return err.toString(StandardCharsets.UTF_8);
    }
  }

  private static Captured run(String... args) throws Exception {
    Captured c = new Captured();
    int status = Main.run(args, c.outStream, c.errStream);
    assertThat(c.err()).isEmpty();
    assertThat(status).isEqualTo(0);
    return c;
  }

  @Test
  void noArgumentsRunsSeedAndPrintsInputsOutputsAndOperations() throws Exception {
    String text = run().out();
    assertThat(text).contains("input  inputs:0 [1, 2, 3]:");
    assertThat(text).contains("output relu/Relu:0 [1, 2, 4]:");
    assertThat(text).contains("graph operations (6):");
    for (Operation op : KilnSeedModel.graph().operations()) {
      assertThat(text).containsMatch("\\n  " + java.util.regex.Pattern.quote(op.name()) + " +" + op.type() + " +float32\\[");
    }
    assertThat(text).containsMatch("dense/MatMul +MatMul +float32\\[1, 2, 4\\]");
    assertThat(text).containsMatch("dense/kernel +Variable +float32\\[3, 4\\]");
    // Same output as the explicit command.
    assertThat(run("seed").out()).isEqualTo(text);
  }

  @Test
  void seedOutputIsReluOfDenseFromTheSessionWeights() throws Exception {
    Main.Options o = Main.parse(new String[] {"seed", "--seed", "7"});
    Captured c = new Captured();
    Main.SeedResult r = Main.seed(o, c.outStream);
    assertThat(r.output.shape()).asList().containsExactly(1, 2, 4).inOrder();

    // Recompute by hand from the same weights: relu(x @ kernel + bias).
    Weights w = dev.kiln.session.CompiledSession.initialWeights(KilnSeedModel.graph().graphDef(), 7);
    float[] k = w.get("dense/kernel").toFloatArray();
    float[] b = w.get("dense/bias").toFloatArray();
    float[] x = r.input.toFloatArray();
    float[] y = r.output.toFloatArray();
    for (int row = 0; row < 2; row++) {
      for (int j = 0; j < 4; j++) {
        double acc = b[j];
        for (int i = 0; i < 3; i++) acc += x[row * 3 + i] * k[i * 4 + j];
        assertThat((double) y[row * 4 + j]).isWithin(1e-6).of(Math.max(0, acc));
      }
    }
    // The printed values are the computed ones.
    assertThat(c.out()).contains(String.format(java.util.Locale.ROOT, "%8.4f", y[0]));
    // Another seed gives other weights; the same seed the same output.
    assertThat(Main.seed(o, new Captured().outStream).output.toFloatArray()).isEqualTo(y);
    assertThat(Main.seed(Main.parse(new String[] {"--seed", "8"}), new Captured().outStream).output.toFloatArray())
        .isNotEqualTo(y);
  }

  @Test
  void mlpClassifiesAndMatchesTheEagerModel() throws Exception {
    Captured c = new Captured();
    Main.MlpResult r = Main.mlp(Main.parse(new String[] {"mlp"}), c.outStream);
    String text = c.out();
    int n = Main.syntheticNames().length;
    assertThat(r.probabilities.shape()).asList().containsExactly(n, 10).inOrder();
    float[] p = r.probabilities.toFloatArray();
    float[] e = r.eager.toFloatArray();
    for (int row = 0; row < n; row++) {
      double sum = 0;
      int best = 0;
      for (int k = 0; k < 10; k++) {
        float v = p[row * 10 + k];
        assertThat(v).isAtLeast(0f);
        assertThat(v).isAtMost(1f);
        sum += v;
        if (v > p[row * 10 + best]) best = k;
        // compiled vs eager: within 1e-6 relative
        assertThat((double) Math.abs(v - e[row * 10 + k])).isAtMost(1e-6 * Math.abs(e[row * 10 + k]) + 1e-12);
      }
      assertThat(sum).isWithin(1e-5).of(1.0);
      assertThat(r.predicted[row]).isEqualTo(best);
      assertThat(text).containsMatch(java.util.regex.Pattern.quote(Main.syntheticNames()[row]) + " +-> class " + best + " ");
    }
    assertThat(r.maxRelDiff).isAtMost(1e-6);
    assertThat(text).contains("compiled vs eager: max abs diff");
    assertThat(text).contains("sum=1.000000");
    // Not all the same class: the weights are not degenerate.
    assertThat(java.util.Arrays.stream(r.predicted).distinct().count()).isGreaterThan(1L);
  }

  @Test
  void bundledWeightsAreTheGeneratorsOutput() throws Exception {
    Weights bundled = Main.mlpWeights();
    Weights fresh = MakeMlpWeights.weights(MakeMlpWeights.SEED);
    assertThat(bundled.names()).containsExactlyElementsIn(fresh.names()).inOrder();
    for (String name : fresh.names()) {
      assertThat(bundled.get(name).toFloatArray()).isEqualTo(fresh.get(name).toFloatArray());
    }
    Path file = tmp.resolve("mlp.safetensors");
    MakeMlpWeights.main(new String[] {file.toString()});
    assertThat(Files.size(file)).isLessThan(500_000L);
    try (var in = Main.class.getResourceAsStream(Main.MLP_WEIGHTS)) {
      assertThat(Files.readAllBytes(file)).isEqualTo(in.readAllBytes());
    }
  }

  @Test
  void traceWritesOneChromeEventPerExecutedNode() throws Exception {
    for (String command : new String[] {"seed", "mlp"}) {
      Path trace = tmp.resolve(command + "-trace.json");
      String text = run(command, "--trace", trace.toString()).out();
      Graph graph = command.equals("seed") ? KilnSeedModel.graph() : KilnMlp.graph();
      List<String> executed = new ArrayList<>();
      for (Operation op : graph.operations()) {
        if (!op.type().equals("Placeholder") && !op.type().equals("Variable")) executed.add(op.name());
      }
      assertThat(text).contains("wrote trace (" + executed.size() + " steps) to " + trace);

      Object json = Json.parse(Files.readString(trace));
      assertThat(json).isInstanceOf(Map.class);
      List<?> events = (List<?>) ((Map<?, ?>) json).get("traceEvents");
      List<String> names = new ArrayList<>();
      for (Object ev : events) {
        Map<?, ?> m = (Map<?, ?>) ev;
        names.add((String) m.get("name"));
        assertThat(m.get("ph")).isEqualTo("X");
        assertThat(((Number) m.get("dur")).doubleValue()).isAtLeast(0.0);
        assertThat(((Number) m.get("ts")).doubleValue()).isAtLeast(0.0);
        assertThat(graph.operation((String) m.get("name")).type()).isEqualTo(m.get("cat"));
      }
      assertThat(names).containsExactlyElementsIn(executed).inOrder();
    }
  }

  @Test
  void traceOfTheMlpGivesTheSameNumbersAsTheFastPath() throws Exception {
    Main.MlpResult fast = Main.mlp(Main.parse(new String[] {"mlp"}), new Captured().outStream);
    Main.MlpResult traced = Main.mlp(Main.parse(new String[] {"mlp", "--trace", tmp.resolve("t.json").toString()}),
        new Captured().outStream);
    RunMetadata md = traced.metadata;
    assertThat(md.steps()).hasSize(6);
    assertThat(fast.metadata.steps()).isEmpty();
    float[] a = fast.probabilities.toFloatArray();
    float[] b = traced.probabilities.toFloatArray();
    for (int i = 0; i < a.length; i++) assertThat((double) b[i]).isWithin(1e-6).of(a[i]);
  }

  @Test
  void dotContainsEveryOperation() throws Exception {
    for (String command : new String[] {"seed", "mlp"}) {
      Path dot = tmp.resolve(command + ".dot");
      String text = run(command, "--dot", dot.toString()).out();
      Graph graph = command.equals("seed") ? KilnSeedModel.graph() : KilnMlp.graph();
      assertThat(text).contains("wrote graph (" + graph.operations().size() + " operations) to " + dot);
      String d = Files.readString(dot);
      assertThat(d).startsWith("digraph");
      for (Operation op : graph.operations()) assertThat(d).contains("\"" + op.name() + "\" [label=");
      assertThat(d).contains(command.equals("seed") ? "\"dense/BiasAdd\" -> \"relu/Relu\"" : "\"hidden/Relu\" -> \"out/MatMul\"");
    }
  }

  @Test
  void traceAndDotTogether() throws Exception {
    Path trace = tmp.resolve("a/b/trace.json");
    Path dot = tmp.resolve("a/graph.dot");
    run("--trace", trace.toString(), "mlp", "--dot", dot.toString());
    assertThat(Files.exists(trace)).isTrue();
    assertThat(Files.exists(dot)).isTrue();
  }

  @Test
  void usageErrors() throws Exception {
    for (String[] args : new String[][] {{"bogus"}, {"--trace"}, {"seed", "mlp"}, {"--seed", "x"}}) {
      Captured c = new Captured();
      assertThat(Main.run(args, c.outStream, c.errStream)).isEqualTo(2);
      assertThat(c.err()).contains("error: ");
      assertThat(c.err()).contains("Usage: Main");
      assertThat(c.out()).isEmpty();
    }
    assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--dot"}));
    assertThat(run("--help").out()).contains("Usage: Main");
  }

  @Test
  void syntheticInputsAreDistinct() {
    Tensor x = Main.syntheticInputs();
    assertThat(x.shape()).asList().containsExactly(Main.syntheticNames().length, 784).inOrder();
    float[] v = x.toFloatArray();
    for (int a = 0; a < Main.syntheticNames().length; a++) {
      for (int b = a + 1; b < Main.syntheticNames().length; b++) {
        assertThat(java.util.Arrays.copyOfRange(v, a * 784, a * 784 + 784))
            .isNotEqualTo(java.util.Arrays.copyOfRange(v, b * 784, b * 784 + 784));
      }
    }
  }
}

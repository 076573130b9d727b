package dev.kiln.importer;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.importer.KerasFileWriter.list;
import static dev.kiln.importer.KerasFileWriter.map;

import dev.kiln.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the importer refuses in sequence models, through the command line: exit status 1, one message naming the layer
 * and the option, nothing written. Each case edits a copy of a sequence fixture's model.json.
 */
class SequenceImportErrorsTest {
  @TempDir Path tmp;

  @Test
  void tfjsDefaultHardSigmoid() throws Exception {
    assertRefused("seq_bigru", "gru_back", c -> c.put("recurrent_activation", "hard_sigmoid"),
        "layer 'gru_back' (GRU): activation 'hard_sigmoid' is not supported by Kiln (Keras 2 / TF.js hard_sigmoid is"
            + " 0.2x+0.5, Kiln's is relu6(x+3)/6)");
    assertRefused("seq_bigru", "gru_back", c -> c.remove("recurrent_activation"),
        "layer 'gru_back' (GRU): recurrent_activation (absent: TF.js' hard sigmoid) is not supported by Kiln");
  }

  @Test
  void statefulRnn() throws Exception {
    assertRefused("seq_lstm_state", "lstm", c -> c.put("stateful", true),
        "layer 'lstm' (LSTM): stateful is not supported: a Kiln session keeps no state between calls");
  }

  @Test
  void zeroOutputForMaskOutsideBidirectional() throws Exception {
    assertRefused("seq_lstm_state", "rnn", c -> c.put("zero_output_for_mask", true),
        "layer 'rnn' (SimpleRNN): zero_output_for_mask is not supported outside Bidirectional");
  }

  @Test
  void bidirectionalOptions() throws Exception {
    assertRefused("seq_lstm_state", "bilstm", c -> c.put("merge_mode", Json.NULL),
        "layer 'bilstm' (Bidirectional): merge_mode None is not supported (two separate outputs; use concat, sum, mul"
            + " or ave)");
    assertRefused("seq_lstm_state", "bilstm", c -> map(map(c.get("layer")).get("config")).put("go_backwards", true),
        "layer 'bilstm' (Bidirectional): layer with go_backwards is not supported");
    assertRefused("seq_lstm_state", "bilstm", c -> map(c.get("layer")).put("class_name", "Dense"),
        "layer 'bilstm' (Bidirectional): layer Dense is not supported (Kiln's Bidirectional wraps SimpleRNN, LSTM or GRU)");
    assertRefused("seq_lstm_state", "bilstm", c -> {
      Map<String, Object> backward = map(KerasFileWriter.parse(Json.write(c.get("layer"))));
      map(backward.get("config")).put("units", 5);
      c.put("backward_layer", backward);
    }, "layer 'bilstm' (Bidirectional): backward_layer is not supported unless it is the forward layer going backwards");
  }

  @Test
  void customCellRnn() throws Exception {
    assertRefused("seq_lstm_state", "rnn", null, "layer 'rnn' (RNN): (a generic RNN around a cell) is not supported:"
        + " custom cells are not; use SimpleRNN, LSTM or GRU", l -> l.put("class_name", "RNN"));
  }

  @Test
  void runTimeDimensionBeyondTime() throws Exception {
    assertRefused("seq_lstm_state", "feats", c -> c.put("batch_input_shape", list(KerasFileWriter.parse("[null, null, null]"))),
        "has None at axis 2; Kiln knows only the batch (axis 0) and the time (axis 1) at run time");
  }

  @Test
  void explicitMaskArgument() throws Exception {
    assertCallArgumentRefused("{\"mask\": [\"masking\", 0, 0]}", "layer 'rnn': the call argument mask is the tensor of"
        + " layer 'masking', not its input's own mask; explicit masks are not supported");
  }

  @Test
  void initialStateArgument() throws Exception {
    assertCallArgumentRefused("{\"initial_state\": [\"lstm\", 0, 1]}", "layer 'rnn' (SimpleRNN): the call argument"
        + " initial_state is a tensor; explicit masks, initial states and constants are not supported");
  }

  /** The SimpleRNN of seq_lstm_state called with these keyword arguments (Keras 2 form). */
  private void assertCallArgumentRefused(String kwargs, String message) throws Exception {
    assertRefused("seq_lstm_state", "rnn", null, message,
        l -> list(list(list(l.get("inbound_nodes")).get(0)).get(0)).set(3, KerasFileWriter.parse(kwargs)));
  }

  @Test
  void attentionOptions() throws Exception {
    assertRefused("attention_tokens", "mha", c -> c.put("attention_axes", list(KerasFileWriter.parse("[2]"))),
        "layer 'mha' (MultiHeadAttention): attention_axes [2] is not supported (Kiln attends over the steps");
    assertRefused("attention_tokens", "mha", null, "layer 'mha' (MultiHeadAttention): return_attention_scores is not"
        + " supported", l -> map(list(list(list(l.get("inbound_nodes")).get(0)).get(0)).get(3))
            .put("return_attention_scores", true));
    assertRefused("attention_tokens", "att", c -> c.put("score_mode", "additive"),
        "layer 'att' (Attention): score_mode 'additive' is not supported (dot or concat)");
  }

  @Test
  void unrollIsAccepted() throws Exception {
    Path model = edited("seq_bigru", "gru_back", c -> c.put("unroll", true), l -> {});
    ImportHarness.Outcome o = ImportHarness.run(model, "com.example", "MyNet", tmp.resolve("out-unroll"));
    assertThat(o.err()).isEmpty();
    assertThat(o.status()).isEqualTo(0);
  }

  private void assertRefused(String fixture, String layer, Consumer<Map<String, Object>> config, String message)
      throws Exception {
    assertRefused(fixture, layer, config, message, l -> {});
  }

  private void assertRefused(String fixture, String layer, Consumer<Map<String, Object>> config, String message,
      Consumer<Map<String, Object>> layerEdit) throws Exception {
    Path model = edited(fixture, layer, config == null ? c -> {} : config, layerEdit);
    Path out = tmp.resolve("out-" + System.nanoTime());
    ImportHarness.Outcome o = ImportHarness.run(model, "com.example", "MyNet", out);
    assertThat(o.status()).isEqualTo(1);
    assertThat(o.err()).contains(message);
    assertThat(Main.isEmpty(out)).isTrue();
  }

  /** A copy of the fixture with one layer's config (and the layer entry itself) changed. */
  private Path edited(String fixture, String layer, Consumer<Map<String, Object>> config,
      Consumer<Map<String, Object>> layerEdit) throws Exception {
    Path dir = ImportHarness.copyFixture(fixture, tmp.resolve(fixture + "-" + System.nanoTime()));
    Map<String, Object> model = map(ImportHarness.readJson(dir.resolve("model.json")));
    List<Object> layers = list(map(map(model.get("modelTopology")).get("config")).get("layers"));
    List<String> names = new ArrayList<>();
    for (Object l : layers) {
      names.add((String) map(l).get("name"));
      if (layer.equals(map(l).get("name"))) {
        config.accept(map(map(l).get("config")));
        layerEdit.accept(map(l));
      }
    }
    assertThat(names).contains(layer);
    ImportHarness.writeJson(dir.resolve("model.json"), model);
    return dir.resolve("model.json");
  }
}

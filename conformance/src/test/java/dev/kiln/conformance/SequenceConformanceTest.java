package dev.kiln.conformance;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.io.Json;
import dev.kiln.io.JsonReader;
import dev.kiln.DType;
import dev.kiln.Graph;
import dev.kiln.Session;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.vector.VectorKernels;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Sequence models against {@code sequence-fixtures.json} (TensorFlow.js, made by
 * {@code conformance/fixtures/make-sequence-fixtures.mjs}; its header says where the expected values follow Keras 3
 * rather than TF.js): each model of {@link dev.kiln.conformance.models.SequenceZoo}, with the fixture's weights, on
 * batches of mixed lengths (post-padded, pre-padded and full rows), three ways: the eager model, the compiled typed
 * path ({@code Session.run} of exactly the outputs from exactly the placeholders) and the graph interpreter (the mask
 * fetched too, by its Keras name), each on the pure-Java kernels and on kiln-runtime-vector's ({@link #VECTOR}; the
 * cases with 8, 16 or 32 units run its vector recurrent steps, the others its fallbacks). One session serves both
 * lengths of a case (6 and 9 steps), and the last outputs and states must not change when the same tokens are padded
 * to 9 steps.
 */
class SequenceConformanceTest {
  static final double TOL = 1e-5;
  static final SessionOptions VECTOR = SessionOptions.defaults().kernels(VectorKernels.FACTORY);
  static final Map<String, Map<?, ?>> CASES = new LinkedHashMap<>();

  /** Fixture case to SequenceZoo class, and the tensor the interpreter run fetches besides the outputs. */
  static final Map<String, String[]> MODELS = new LinkedHashMap<>();

  static {
    String mask = "embed/NotEqual:0";
    MODELS.put("LSTM last output", new String[] {"LstmLast", mask});
    MODELS.put("LSTM sequences backwards", new String[] {"LstmSequencesBackwards", mask});
    MODELS.put("LSTM states", new String[] {"LstmStates", mask});
    MODELS.put("LSTM no bias relu", new String[] {"LstmNoBiasRelu", mask});
    MODELS.put("GRU reset before sequences", new String[] {"GruResetBeforeSequences", mask});
    MODELS.put("GRU reset before states backwards", new String[] {"GruResetBeforeStatesBackwards", mask});
    MODELS.put("SimpleRNN sequences", new String[] {"SimpleRnnSequences", mask});
    MODELS.put("SimpleRNN relu last", new String[] {"SimpleRnnReluLast", mask});
    MODELS.put("Bidirectional LSTM sequences concat", new String[] {"BiLstmConcat", mask});
    MODELS.put("Bidirectional LSTM sequences sum", new String[] {"BiLstmSum", mask});
    MODELS.put("Bidirectional LSTM sequences mul", new String[] {"BiLstmMul", mask});
    MODELS.put("Bidirectional LSTM sequences ave", new String[] {"BiLstmAve", mask});
    MODELS.put("Bidirectional GRU last concat", new String[] {"BiGruLast", mask});
    MODELS.put("GlobalMaxPooling1D ignores the mask", new String[] {"MaxPoolTokens", mask});
    MODELS.put("GlobalAveragePooling1D masked mean", new String[] {"AveragePoolTokens", mask});
    MODELS.put("Masking LSTM states", new String[] {"MaskingLstmStates", "masking/Any:0"});
    MODELS.put("TimeDistributed Dense", new String[] {"TimeDistributedDense", "td/layer/MatMul:0"});
    MODELS.put("LSTM 16 units sequences", new String[] {"LstmWideSequences", mask});
    MODELS.put("LSTM 8 units states backwards", new String[] {"LstmWideStatesBackwards", mask});
    MODELS.put("GRU reset before 16 units sequences", new String[] {"GruResetBeforeWideSequences", mask});
    MODELS.put("SimpleRNN 32 units sequences", new String[] {"SimpleRnnWideSequences", mask});
    MODELS.put("Bidirectional LSTM 8 units sequences concat", new String[] {"BiLstmWideConcat", mask});
  }

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = SequenceConformanceTest.class.getResourceAsStream("/sequence-fixtures.json")) {
      Map<?, ?> doc = (Map<?, ?>) Json.parse(JsonReader.upTo(in, 1 << 24));
      for (Object e : (List<?>) doc.get("cases")) CASES.put((String) ((Map<?, ?>) e).get("name"), (Map<?, ?>) e);
    }
  }

  @AfterAll
  static void report() {
    Check.report();
  }

  @TestFactory
  List<DynamicTest> sequenceModelsAgainstTfjs() {
    assertWithMessage("fixture cases without a Kiln model").that(MODELS.keySet()).containsExactlyElementsIn(CASES.keySet());
    List<DynamicTest> tests = new ArrayList<>();
    for (Map<?, ?> c : CASES.values()) {
      String name = (String) c.get("name");
      tests.add(DynamicTest.dynamicTest(name, () -> checkCase(name, c)));
    }
    return tests;
  }

  private static void checkCase(String name, Map<?, ?> c) throws Exception {
    String[] model = MODELS.get(name);
    Class<?> modelClass = Class.forName("dev.kiln.conformance.models.SequenceZoo$" + model[0]);
    Class<?> sessionClass = Class.forName("dev.kiln.conformance.models.KilnSequenceZoo_" + model[0]);
    Map<String, Tensor> w = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : ((Map<?, ?>) c.get("weights")).entrySet()) {
      w.put((String) e.getKey(), KerasDefaultsTest.tensor(e.getValue()));
    }
    Weights weights = Weights.of(w);
    Object eager = modelClass.getDeclaredConstructor().newInstance();
    sessionClass.getMethod("loadInto", modelClass, Weights.class).invoke(null, eager, weights);
    Method eagerCall = callMethod(modelClass);
    Graph graph = (Graph) sessionClass.getMethod("graph").invoke(null);
    List<Tensor[]> lastOutputs = new ArrayList<>();
    Method open = sessionClass.getMethod("open", Weights.class, SessionOptions.class);
    try (Session session = (Session) open.invoke(null, weights, SessionOptions.defaults());
        Session vector = (Session) open.invoke(null, weights, VECTOR)) {
      for (Object r : (List<?>) c.get("runs")) {
        Map<?, ?> run = (Map<?, ?>) r;
        Tensor x = input((Map<?, ?>) run.get("input"));
        String what = name + " [" + x.dim(0) + " x " + x.dim(1) + "]";
        List<?> expected = (List<?>) run.get("outputs");
        Tensor[] eagerOut = outputs(eagerCall.invoke(eager, x));
        assertWithMessage("%s: outputs", what).that(eagerOut.length).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
          Check.close("sequence:eager", what + " output " + i, eagerOut[i], KerasDefaultsTest.tensor(expected.get(i)),
              TOL);
        }
        checkSession("", session, graph, model[1], x, what, expected);
        checkSession(" vector", vector, graph, model[1], x, what, expected);
        if (eagerOut[0].rank() == 2) lastOutputs.add(eagerOut);
      }
    }
    if (lastOutputs.size() == 2) {
      for (int i = 0; i < lastOutputs.get(0).length; i++) {
        Check.close("sequence:padding", name + " padded to 6 and 9, output " + i, lastOutputs.get(1)[i],
            lastOutputs.get(0)[i], 1e-6);
      }
    }
  }

  /**
   * The compiled typed path and the graph interpreter (fetching {@code extraFetch} too) of one session against the
   * expected outputs, recorded as {@code sequence:compiled<kernels>} and {@code sequence:interpreter<kernels>}.
   */
  private static void checkSession(String kernels, Session session, Graph graph, String extraFetch, Tensor x,
      String what, List<?> expected) {
    Map<Object, Object> feeds = Map.of(graph.placeholders().get(0), x);
    List<Object> typed = session.run(new ArrayList<Object>(graph.outputs()), feeds);
    List<Object> fetches = new ArrayList<Object>(graph.outputs());
    fetches.add(extraFetch);
    List<Object> interpreted = session.run(fetches, feeds);
    for (int i = 0; i < expected.size(); i++) {
      Tensor ref = KerasDefaultsTest.tensor(expected.get(i));
      Check.close("sequence:compiled" + kernels, what + " output " + i, (Tensor) typed.get(i), ref, TOL);
      Check.close("sequence:interpreter" + kernels, what + " output " + i, (Tensor) interpreted.get(i), ref, TOL);
    }
  }

  /** The model's @Call method (the annotation is not kept at run time): its public method of one Tensor. */
  private static Method callMethod(Class<?> c) {
    for (Method m : c.getDeclaredMethods()) {
      if (java.lang.reflect.Modifier.isPublic(m.getModifiers()) && m.getParameterCount() == 1
          && m.getParameterTypes()[0] == Tensor.class) {
        return m;
      }
    }
    throw new AssertionError(c + " has no public method of one Tensor");
  }

  private static Tensor[] outputs(Object o) {
    return o instanceof Tensor[] ? (Tensor[]) o : new Tensor[] {(Tensor) o};
  }

  private static Tensor input(Map<?, ?> o) {
    Tensor t = KerasDefaultsTest.tensor(o);
    return "int32".equals(o.get("dtype")) ? Tensor.ofInts(t.toIntArray(), t.shape()) : t;
  }
}

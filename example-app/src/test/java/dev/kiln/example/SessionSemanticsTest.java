package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Graph;
import dev.kiln.Operation;
import dev.kiln.Output;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code dev.kiln.Session} semantics on the generated {@link KilnMlp}, with the bundled weights. */
class SessionSemanticsTest {
  private static Weights weights;
  private static KilnMlp session;
  private static final Graph GRAPH = KilnMlp.graph();

  @BeforeAll
  static void open() throws Exception {
    weights = Main.mlpWeights();
    session = KilnMlp.open(weights);
  }

  @AfterAll
  static void close() {
    session.close();
  }

  private static Tensor input(long seed, int batch) {
    Random r = new Random(seed);
    float[] v = new float[batch * 784];
    for (int i = 0; i < v.length; i++) v[i] = r.nextFloat();
    return Tensor.of(v, batch, 784);
  }

  private static Map<Output, Tensor> feedX(Tensor x) {
    return Collections.singletonMap(GRAPH.placeholder("x"), x);
  }

  /** relu(x @ hidden/kernel + hidden/bias), in double precision. */
  private static double[] hiddenByHand(Tensor x) {
    return denseByHand(x.toFloatArray(), x.dim(0), 784, "hidden", 128, false);
  }

  /** softmax(h @ out/kernel + out/bias) for h [batch, 128], in double precision. */
  private static double[] outputByHand(float[] h, int batch) {
    return denseByHand(h, batch, 128, "out", 10, true);
  }

  private static double[] denseByHand(float[] a, int batch, int in, String layer, int units, boolean softmax) {
    float[] k = weights.get(layer + "/kernel").toFloatArray();
    float[] b = weights.get(layer + "/bias").toFloatArray();
    double[] y = new double[batch * units];
    for (int r = 0; r < batch; r++) {
      for (int j = 0; j < units; j++) {
        double acc = b[j];
        for (int i = 0; i < in; i++) acc += (double) a[r * in + i] * k[i * units + j];
        y[r * units + j] = softmax ? acc : Math.max(0, acc);
      }
      if (softmax) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < units; j++) max = Math.max(max, y[r * units + j]);
        double sum = 0;
        for (int j = 0; j < units; j++) sum += y[r * units + j] = Math.exp(y[r * units + j] - max);
        for (int j = 0; j < units; j++) y[r * units + j] /= sum;
      }
    }
    return y;
  }

  private static void assertClose(Tensor actual, double[] expected, double tol) {
    float[] a = actual.toFloatArray();
    assertThat(a.length).isEqualTo(expected.length);
    for (int i = 0; i < a.length; i++) {
      assertThat((double) a[i]).isWithin(tol * Math.max(1, Math.abs(expected[i]))).of(expected[i]);
    }
  }

  // ---- concurrency --------------------------------------------------------------------------------------

  @Test
  void eightThreadsGiveTheSameResultsAsOne() throws Exception {
    int inputs = 16;
    List<Tensor> xs = new ArrayList<>();
    List<float[]> expectedOut = new ArrayList<>();
    List<float[]> expectedHidden = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      Tensor x = input(100 + i, 1 + i % 4);
      xs.add(x);
      expectedOut.add(session.call(x).toFloatArray());
      expectedHidden.add(session.run("hidden/Relu:0", feedX(x)).toFloatArray());
    }
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        futures.add(pool.submit((Callable<Integer>) () -> {
          start.await();
          int checked = 0;
          for (int round = 0; round < 50; round++) {
            int i = (id * 7 + round) % inputs;
            Tensor x = xs.get(i);
            switch (round % 3) {
              case 0:
                assertThat(session.call(x).toFloatArray()).isEqualTo(expectedOut.get(i));
                break;
              case 1: {
                Tensor out = Tensor.zeros(x.dim(0), 10);
                session.callInto(x, out);
                assertThat(out.toFloatArray()).isEqualTo(expectedOut.get(i));
                break;
              }
              default: {
                Map<String, Tensor> r = session.run(map("probs", GRAPH.output(), "hidden", "hidden/Relu:0"), feedX(x));
                assertThat(r.get("probs").toFloatArray()).isEqualTo(expectedOut.get(i));
                assertThat(r.get("hidden").toFloatArray()).isEqualTo(expectedHidden.get(i));
              }
            }
            checked++;
          }
          return checked;
        }));
      }
      int total = 0;
      for (Future<Integer> f : futures) total += f.get(2, TimeUnit.MINUTES);
      assertThat(total).isEqualTo(threads * 50);
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- fetches --------------------------------------------------------------------------------------------

  @Test
  void nestedFetchesKeepTheirStructure() {
    Tensor x = input(1, 3);
    Output y = GRAPH.output();
    Operation reluOp = GRAPH.operation("hidden/Relu");
    Map<String, Object> fetches = new LinkedHashMap<>();
    fetches.put("probs", y);
    fetches.put("list", Arrays.asList("hidden/Relu:0", reluOp, new Object[] {GRAPH.tensor("out/BiasAdd:0"), "out/Softmax"}));
    fetches.put("map", map("z", "hidden/MatMul:0", "a", GRAPH.tensor("hidden/BiasAdd:0")));
    fetches.put("op", "out/MatMul");

    Map<String, Tensor> r = session.run(fetches, feedX(x));
    assertThat(r.keySet()).containsExactly("probs", "list", "map", "op").inOrder();
    Tensor probs = r.get("probs");
    assertThat(probs.toFloatArray()).isEqualTo(session.call(x).toFloatArray());
    assertThat((Object) r.get("op")).isNull();

    Object list = r.get("list");
    assertThat(list).isInstanceOf(List.class);
    List<?> l = (List<?>) list;
    assertThat(l).hasSize(3);
    Tensor hidden = (Tensor) l.get(0);
    assertClose(hidden, hiddenByHand(x), 1e-5);
    assertThat(l.get(1)).isNull();
    Object[] inner = (Object[]) l.get(2);
    assertThat(inner).hasLength(2);
    assertThat(((Tensor) inner[0]).shape()).asList().containsExactly(3, 10).inOrder();
    assertThat(inner[1]).isNull();

    Map<?, ?> m = (Map<?, ?>) (Object) r.get("map");
    assertThat(new ArrayList<>(m.keySet())).containsExactly("z", "a").inOrder();
    Tensor matmul = (Tensor) m.get("z");
    Tensor biasAdd = (Tensor) m.get("a");
    // relu(biasAdd) is the hidden activation; biasAdd - matmul is the bias on every row.
    float[] ba = biasAdd.toFloatArray();
    float[] mm = matmul.toFloatArray();
    float[] bias = weights.get("hidden/bias").toFloatArray();
    float[] h = hidden.toFloatArray();
    for (int i = 0; i < ba.length; i++) {
      assertThat(h[i]).isEqualTo(Math.max(0f, ba[i]));
      assertThat((double) (ba[i] - mm[i])).isWithin(1e-4).of(bias[i % 128]);
    }

    // Top-level arrays and lists; a single name returns a Tensor; an operation returns null.
    Object[] arr = session.run(new Object[] {y, reluOp}, feedX(x));
    assertThat(((Tensor) arr[0]).toFloatArray()).isEqualTo(probs.toFloatArray());
    assertThat(arr[1]).isNull();
    List<Object> lst = session.run(Arrays.asList(y, Arrays.asList("hidden/Relu:0")), feedX(x));
    assertThat(((Tensor) lst.get(0)).toFloatArray()).isEqualTo(probs.toFloatArray());
    assertThat(((Tensor) ((List<?>) lst.get(1)).get(0)).toFloatArray()).isEqualTo(h);
    assertThat(session.run("out/Softmax:0", feedX(x)).toFloatArray()).isEqualTo(probs.toFloatArray());
    assertThat(session.run(reluOp, feedX(x))).isNull();
  }

  @Test
  void weightsCanBeFetchedWithoutFeedsAsCopies() {
    Tensor k = session.run("out/kernel:0", null);
    assertThat(k.toFloatArray()).isEqualTo(weights.get("out/kernel").toFloatArray());
    Arrays.fill(k.floatBuffer(), 0f);
    assertThat(session.run("out/kernel:0", null).toFloatArray()).isEqualTo(weights.get("out/kernel").toFloatArray());
  }

  // ---- feeds ---------------------------------------------------------------------------------------------

  @Test
  void feedingTheHiddenActivationComputesTheRestFromIt() {
    int batch = 2;
    Random r = new Random(5);
    float[] h = new float[batch * 128];
    for (int i = 0; i < h.length; i++) h[i] = r.nextFloat() < 0.5f ? 0f : r.nextFloat() * 2;
    Tensor fed = Tensor.of(h, batch, 128);
    double[] expected = outputByHand(h, batch);

    // By name; x is not needed (not fed) because only hidden/Relu:0 feeds the rest.
    Tensor y = session.run(GRAPH.output(), Collections.singletonMap("hidden/Relu:0", fed));
    assertClose(y, expected, 1e-6);
    // By Output, and as a nested Java array.
    Tensor y2 = session.run(GRAPH.output(), Collections.singletonMap(GRAPH.tensor("hidden/Relu:0"),
        new float[][] {Arrays.copyOf(h, 128), Arrays.copyOfRange(h, 128, 256)}));
    assertThat(y2.toFloatArray()).isEqualTo(y.toFloatArray());

    // Feeding x too changes nothing: the fed tensor overrides what x would give.
    Map<Object, Object> both = new LinkedHashMap<>();
    both.put("x", input(9, batch));
    both.put("hidden/Relu:0", fed);
    assertThat(session.run(GRAPH.output(), both).toFloatArray()).isEqualTo(y.toFloatArray());

    // Consistency with the compiled path: feeding the hidden activation of x gives call(x).
    Tensor x = input(3, batch);
    Tensor hx = session.run("hidden/Relu:0", feedX(x));
    float[] viaFeed = session.run(GRAPH.output(), Collections.singletonMap("hidden/Relu:0", hx)).toFloatArray();
    float[] direct = session.call(x).toFloatArray();
    for (int i = 0; i < direct.length; i++) assertThat((double) viaFeed[i]).isWithin(1e-6).of(direct[i]);
  }

  // ---- errors, each followed by a successful run ---------------------------------------------------------

  private static void assertStillWorks() {
    Tensor x = input(42, 1);
    Tensor y = session.run(GRAPH.output(), feedX(x));
    assertClose(y, outputByHand(session.run("hidden/Relu:0", feedX(x)).toFloatArray(), 1), 1e-6);
    assertThat(session.call(x).toFloatArray()).isEqualTo(y.toFloatArray());
  }

  @Test
  void closedSession() {
    KilnMlp other = KilnMlp.open(weights);
    Tensor x = input(1, 1);
    assertThat(other.call(x).toFloatArray()).isEqualTo(session.call(x).toFloatArray());
    other.close();
    other.close(); // idempotent
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> other.run(GRAPH.output(), feedX(x)));
    assertThat(e).hasMessageThat().contains("closed");
    assertThrows(IllegalStateException.class, () -> other.call(x));
    assertThrows(IllegalStateException.class, () -> other.callInto(x, Tensor.zeros(1, 10)));
    // Closing one session does not affect another over the same weights.
    assertStillWorks();
  }

  @Test
  void unknownName() {
    Tensor x = input(1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> session.run("hidden/Relux:0", feedX(x)));
    assertThat(e).hasMessageThat().contains("hidden/Relux");
    assertStillWorks();
    e = assertThrows(IllegalArgumentException.class, () -> session.run("hidden/Relu:3", feedX(x)));
    assertThat(e).hasMessageThat().contains("hidden/Relu:3");
    assertStillWorks();
    e = assertThrows(IllegalArgumentException.class, () -> session.run(GRAPH.output(), Collections.singletonMap("nope:0", x)));
    assertThat(e).hasMessageThat().contains("nope");
    assertStillWorks();
    e = assertThrows(IllegalArgumentException.class, () -> GRAPH.tensor("nope:0"));
    assertThat(e).hasMessageThat().contains("nope");
    assertStillWorks();
  }

  @Test
  void wrongShape() {
    Tensor bad = Tensor.zeros(1, 783);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> session.run(GRAPH.output(), feedX(bad)));
    assertThat(e).hasMessageThat().contains("placeholder x");
    assertThat(e).hasMessageThat().contains("[-1, 784]");
    assertThat(e).hasMessageThat().contains("[1, 783]");
    assertStillWorks();
    e = assertThrows(IllegalArgumentException.class, () -> session.call(bad));
    assertThat(e).hasMessageThat().contains("[1, 783]");
    assertStillWorks();
    e = assertThrows(IllegalArgumentException.class, () -> session.callInto(input(1, 2), Tensor.zeros(1, 10)));
    assertThat(e).hasMessageThat().contains("out/Softmax:0");
    assertStillWorks();
    e = assertThrows(IllegalArgumentException.class,
        () -> session.run(GRAPH.output(), Collections.singletonMap("hidden/Relu:0", Tensor.zeros(1, 127))));
    assertThat(e).hasMessageThat().contains("hidden/Relu:0");
    assertThat(e).hasMessageThat().contains("[1, 127]");
    assertStillWorks();
  }

  @Test
  void missingFeed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> session.run(GRAPH.output(), Collections.emptyMap()));
    assertThat(e).hasMessageThat().contains("placeholder x must be fed");
    assertStillWorks();
    e = assertThrows(IllegalArgumentException.class, () -> session.run("hidden/Relu:0", null));
    assertThat(e).hasMessageThat().contains("placeholder x");
    assertStillWorks();
  }

  @Test
  void wrongKinds() {
    Tensor x = input(1, 1);
    assertThrows(IllegalArgumentException.class, () -> session.run(Arrays.asList(42), feedX(x)));
    assertStillWorks();
    assertThrows(IllegalArgumentException.class, () -> session.run(GRAPH.output(), Collections.singletonMap(42, x)));
    assertStillWorks();
    assertThrows(IllegalArgumentException.class,
        () -> session.run(GRAPH.output(), Collections.singletonMap("x", "not a tensor")));
    assertStillWorks();
  }

  private static Map<String, Object> map(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }
}

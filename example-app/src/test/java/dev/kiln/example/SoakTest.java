package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Graph;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.example.digits.DigitsCommand;
import dev.kiln.example.digits.DigitsTestSet;
import dev.kiln.example.digits.KilnDigitsNet;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A soak of one session shared by eight threads: typed calls, {@code callInto}, {@code Session.run} through the
 * interpreter, and bad inputs that must throw and leave the session working, over changing batch sizes (so the
 * per-thread workspaces regrow). Every result must be bit-identical to the one-thread reference, and the heap must
 * not grow with the number of calls. {@code -Dkiln.soakCalls=10000} runs the long version (the CI count is 400 per
 * thread).
 */
class SoakTest {
  private static final int THREADS = 8;
  private static final int CALLS = Integer.getInteger("kiln.soakCalls", 400);

  @Test
  void eightThreadsOfMixedCallsStayExactAndFlat() throws Exception {
    DigitsTestSet digits = DigitsTestSet.load();
    Graph graph = KilnDigitsNet.graph();
    String hidden = graph.operations().get(graph.operations().size() / 2).name() + ":0";
    List<Tensor> inputs = new ArrayList<>();
    List<float[]> expected = new ArrayList<>();
    List<float[]> expectedHidden = new ArrayList<>();
    try (KilnDigitsNet session = KilnDigitsNet.open(DigitsCommand.weights(), SessionOptions.defaults().intraOpThreads(2))) {
      for (int i = 0; i < 12; i++) {
        int batch = 1 + (i * 5) % 9;
        Tensor x = digits.images(i * 10, i * 10 + batch);
        inputs.add(x);
        expected.add(session.call(x).toFloatArray());
        expectedHidden.add(session.run(hidden, feed(graph, x)).toFloatArray());
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        long before = usedHeapAfterGc();
        runSoak(pool, session, graph, hidden, inputs, expected, expectedHidden, CALLS / 4); // workspaces sized
        long warm = usedHeapAfterGc();
        runSoak(pool, session, graph, hidden, inputs, expected, expectedHidden, CALLS);
        long after = usedHeapAfterGc();
        System.out.printf("soak: %d threads x %d calls, heap %d -> %d -> %d KB%n", THREADS, CALLS, before >> 10,
            warm >> 10, after >> 10);
        // what the calls leave behind does not grow with their number
        assertThat(after - warm).isLessThan(8L << 20);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static void runSoak(ExecutorService pool, KilnDigitsNet session, Graph graph, String hidden,
      List<Tensor> inputs, List<float[]> expected, List<float[]> expectedHidden, int calls) throws Exception {
    {
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int id = t;
        futures.add(pool.submit((Callable<Integer>) () -> {
          start.await();
          int done = 0;
          for (int c = 0; c < calls; c++) {
            int i = (id * 5 + c) % inputs.size();
            Tensor x = inputs.get(i);
            switch ((id + c) % 5) {
              case 0:
                check(session.call(x).toFloatArray(), expected.get(i), id, c);
                break;
              case 1: {
                Tensor out = Tensor.zeros(x.dim(0), 10);
                session.callInto(x, out);
                check(out.toFloatArray(), expected.get(i), id, c);
                break;
              }
              case 2: {
                Map<String, Tensor> r = session.run(Map.of("out", graph.output(), "hidden", graph.tensor(hidden)),
                    feed(graph, x));
                check(r.get("out").toFloatArray(), expected.get(i), id, c);
                check(r.get("hidden").toFloatArray(), expectedHidden.get(i), id, c);
                break;
              }
              case 3:
                assertThrows(IllegalArgumentException.class, () -> session.call(Tensor.zeros(1, 27, 28, 1)));
                break;
              default:
                assertThrows(IllegalArgumentException.class,
                    () -> session.callInto(x, Tensor.zeros(x.dim(0) + 1, 10)));
            }
            done++;
          }
          return done;
        }));
      }
      int total = 0;
      for (Future<Integer> f : futures) total += f.get(5, TimeUnit.MINUTES);
      assertThat(total).isEqualTo(THREADS * calls);
    }
  }

  private static Map<?, ?> feed(Graph graph, Tensor x) {
    return Collections.singletonMap(graph.placeholders().get(0), x);
  }

  private static void check(float[] got, float[] want, int thread, int call) {
    if (!Arrays.equals(got, want)) {
      throw new AssertionError("thread " + thread + ", call " + call + ": result differs from the one-thread reference");
    }
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }
}

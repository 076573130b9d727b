package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Tensor;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code callInto} of the generated MLP session should allocate nothing once warmed up, as measured by
 * HotSpot's per-thread allocation counter (exact, not sampled).
 *
 * <p>Every input check of the typed path reads dimensions in place ({@code Tensor.dim}) rather than copying
 * shapes, and buffers live in a per-thread arena sized on the first call, so the steady state allocates nothing.
 */
class ZeroAllocationTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final int CALLS = 1_000;

  /** Keeps measured allocations alive so the JIT cannot remove them. */
  static volatile Object sink;

  @BeforeAll
  static void enable() {
    assertThat(THREADS.isThreadAllocatedMemorySupported()).isTrue();
    THREADS.setThreadAllocatedMemoryEnabled(true);
  }

  private static long allocated() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** What two back-to-back reads of the counter cost, the smallest of several tries (0 on HotSpot 17). */
  private static long measurementOverhead() {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 100; i++) {
      long a = allocated();
      long b = allocated();
      best = Math.min(best, b - a);
    }
    return best;
  }

  /**
   * Bytes allocated by {@value #CALLS} {@code callInto} calls after warm-up, for the given batch size: the
   * smallest of a few windows, so a one-off allocation outside the session (a deoptimisation, say) does not
   * count.
   */
  private static long bytesPerWindow(KilnMlp session, int batch) {
    Tensor x = Tensor.of(new float[batch * 784], batch, 784);
    float[] xs = x.floatBuffer();
    for (int i = 0; i < xs.length; i++) xs[i] = (i % 29) / 29f;
    Tensor out = Tensor.zeros(batch, 10);
    // Warm-up: the per-thread workspace is sized on the first call; then let the JIT compile the path.
    for (int i = 0; i < 30_000; i++) session.callInto(x, out);
    long overhead = measurementOverhead();
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 5; attempt++) {
      long before = allocated();
      for (int i = 0; i < CALLS; i++) session.callInto(x, out);
      long after = allocated();
      best = Math.min(best, after - before - overhead);
    }
    // The result is still right: the typed call gives the same numbers.
    assertThat(out.toFloatArray()).isEqualTo(session.call(x).toFloatArray());
    return best;
  }

  @Test
  void callIntoAllocatesNothingAfterWarmUp() throws Exception {
    try (KilnMlp session = KilnMlp.open(Main.mlpWeights())) {
      for (int batch : new int[] {1, 8}) {
        assertWithMessage("bytes allocated by %s callInto calls, batch %s", CALLS, batch)
            .that(bytesPerWindow(session, batch)).isEqualTo(0L);
      }
    }
  }
}

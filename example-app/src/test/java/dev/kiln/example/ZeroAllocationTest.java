package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.example.vision.KilnMobileNetV2;
import dev.kiln.session.CompiledSession;
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

  /** Bytes allocated by all live threads (the caller and a session's workers). */
  private static long allocatedByAllThreads() {
    long sum = 0;
    for (long b : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) sum += Math.max(b, 0);
    return sum;
  }

  /**
   * MobileNetV2 runs every kernel path (strided and 1x1 convolutions, narrow and wide GEMMs, depthwise, pooling),
   * whose per-thread scratch must settle after the first calls: a scratch that reallocates when shapes alternate
   * (it once did, 0.7 MB per call) fails here. Without the JIT's full warm-up this counts what the code itself
   * allocates, on the caller and on the worker threads.
   */
  @Test
  void mobileNetScratchSettlesAfterTheFirstCalls() {
    for (int threads : new int[] {1, 2}) {
      SessionOptions options = SessionOptions.defaults().intraOpThreads(threads);
      try (KilnMobileNetV2 session = KilnMobileNetV2.open(
          CompiledSession.initialWeights(KilnMobileNetV2.graph().graphDef(), 3), options)) {
        Tensor x = Tensor.zeros(1, 224, 224, 3);
        Tensor out = Tensor.zeros(1, 1000);
        for (int i = 0; i < 4; i++) session.callInto(x, out);
        long best = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3; attempt++) {
          long before = allocatedByAllThreads();
          session.callInto(x, out);
          best = Math.min(best, allocatedByAllThreads() - before);
        }
        // a few hundred bytes of slack for JIT and JMX bookkeeping on other threads; the bug was 700 KB
        assertWithMessage("bytes allocated by one MobileNetV2 callInto, %s thread(s)", threads).that(best)
            .isLessThan(4096L);
      }
    }
  }

  /** Token ids of the given length: every row padded after a different number of real tokens. */
  private static Tensor tokens(int batch, int length) {
    int[] ids = new int[batch * length];
    for (int b = 0; b < batch; b++) {
      int real = Math.max(1, length - b * (length / 3 + 1));
      for (int t = 0; t < real; t++) ids[b * length + t] = 1 + (b * 7 + t * 3) % 49;
    }
    return Tensor.ofInts(ids, batch, length);
  }

  /**
   * A sequence model (masked embedding, bidirectional LSTM, self-attention, masked pooling) over a run-time time axis:
   * once a length was seen, {@code callInto} allocates nothing at that length or any shorter one, whatever length ran
   * in between; the one session serves every length with the same code.
   */
  @Test
  void sequenceModelAllocatesNothingAtAnyLengthSeenBefore() {
    try (KilnTextClassifier session = KilnTextClassifier.open(
        CompiledSession.initialWeights(KilnTextClassifier.graph().graphDef(), 5))) {
      int batch = 3;
      int[] lengths = {7, 120, 30};
      Tensor out = Tensor.zeros(batch, 3);
      for (int i = 0; i < 3_000; i++) session.callInto(tokens(batch, lengths[i % 3]), out);
      Tensor[] inputs = new Tensor[lengths.length];
      for (int k = 0; k < lengths.length; k++) inputs[k] = tokens(batch, lengths[k]);
      long overhead = measurementOverhead();
      long best = Long.MAX_VALUE;
      for (int attempt = 0; attempt < 5; attempt++) {
        long before = allocated();
        for (int i = 0; i < 300; i++) session.callInto(inputs[i % 3], out);
        best = Math.min(best, allocated() - before - overhead);
      }
      assertWithMessage("bytes allocated by 300 callInto calls at lengths 7, 120 and 30").that(best).isEqualTo(0L);
      // a thousand steps run the same session, and padding does not change the result
      Tensor shortOne = tokens(1, 12);
      int[] padded = new int[1000];
      System.arraycopy(shortOne.toIntArray(), 0, padded, 0, 12);
      assertThat(session.call(Tensor.ofInts(padded, 1, 1000)).toFloatArray()).usingTolerance(1e-6)
          .containsExactly(session.call(shortOne).toFloatArray()).inOrder();
    }
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

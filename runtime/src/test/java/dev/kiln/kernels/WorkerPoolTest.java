package dev.kiln.kernels;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every index of every loop runs exactly once, whatever the sizes of consecutive loops. */
class WorkerPoolTest {
  /**
   * Loops of changing sizes back to back, as a model's layers are: a worker late from one loop must not claim an index
   * of the next before it is open (kiln-runtime-vector's pool once did, running an index twice and then hanging).
   */
  @Test
  void everyIndexRunsOnceAcrossLoopsOfChangingSize() {
    int[] sizes = {2, 5, 3, 7, 1, 4, 2, 6};
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      try (WorkerPool pool = WorkerPool.create(3)) {
        AtomicIntegerArray ran = new AtomicIntegerArray(8);
        WorkerPool.Task task = ran::incrementAndGet;
        for (int r = 0; r < 300_000; r++) {
          int n = sizes[r % sizes.length];
          pool.parallelFor(n, task);
          for (int i = 0; i < 8; i++) {
            int count = ran.getAndSet(i, 0);
            if (count != (i < n ? 1 : 0)) {
              throw new AssertionError("loop " + r + " of " + n + ": index " + i + " ran " + count + " times");
            }
          }
        }
      }
    });
  }
}

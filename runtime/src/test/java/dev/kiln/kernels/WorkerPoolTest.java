package dev.kiln.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * The pool both kernel sets use runs every chunk of every task exactly once, whatever the chunk counts of consecutive
 * tasks, rethrows a chunk's failure, and leaves a second concurrent caller to run its task alone.
 */
class WorkerPoolTest {
  /**
   * Tasks of changing chunk counts back to back, as a model's layers are: a worker late from one task must not claim
   * a chunk of the next before it is open (the Vector API kernels' first pool once did, between the new task's
   * publication and the new generation: that chunk ran twice, the done count overshot, and the caller waited forever).
   */
  @Test
  void everyChunkRunsOnceAcrossTasksOfChangingSize() {
    int[] sizes = {2, 5, 3, 7, 1, 4, 2, 6};
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      try (WorkerPool pool = WorkerPool.create(3, "test-pool")) {
        AtomicIntegerArray ran = new AtomicIntegerArray(8);
        int[] current = new int[1];
        WorkerPool.Task task = (chunk, chunks) -> {
          if (chunks != current[0]) throw new IllegalStateException("chunk count " + chunks + ", task has " + current[0]);
          ran.incrementAndGet(chunk);
        };
        for (int r = 0; r < 300_000; r++) {
          int n = sizes[r % sizes.length];
          current[0] = n;
          if (r % 2 == 0) {
            pool.parallelFor(n, task);
          } else {
            assertTrue(pool.tryAcquire());
            try {
              pool.run(task, n, 2);
            } finally {
              pool.release();
            }
          }
          for (int i = 0; i < 8; i++) {
            int count = ran.getAndSet(i, 0);
            if (count != (i < n ? 1 : 0)) {
              throw new AssertionError("run " + r + " of " + n + " chunks: chunk " + i + " ran " + count + " times");
            }
          }
        }
      }
    });
  }

  @Test
  void aFailingChunkIsRethrownAndThePoolStillWorks() {
    try (WorkerPool pool = WorkerPool.create(2, "test-pool")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.parallelFor(4,
          (chunk, chunks) -> {
            if (chunk == 3) throw new IllegalArgumentException("chunk 3");
          }));
      assertEquals("chunk 3", e.getMessage());
      AtomicIntegerArray ran = new AtomicIntegerArray(4);
      pool.parallelFor(4, (chunk, chunks) -> ran.incrementAndGet(chunk));
      for (int i = 0; i < 4; i++) assertEquals(1, ran.get(i));
    }
  }

  /** While one thread holds the pool, another one's task runs on that other thread alone, all its chunks in order. */
  @Test
  void aSecondCallerRunsAloneInsteadOfWaiting() throws Exception {
    try (WorkerPool pool = WorkerPool.create(3, "test-pool")) {
      assertTrue(pool.tryAcquire());
      assertFalse(pool.tryAcquire());
      Thread[] ranOn = new Thread[5];
      Thread other = new Thread(() -> pool.parallelFor(5, (chunk, chunks) -> ranOn[chunk] = Thread.currentThread()));
      other.start();
      other.join(10_000);
      pool.release();
      for (Thread t : ranOn) assertEquals(other, t);
    }
  }

  @Test
  void aClosedPoolRunsOnTheCaller() {
    WorkerPool pool = WorkerPool.create(2);
    pool.close();
    pool.close();
    assertFalse(pool.tryAcquire());
    int[] sum = new int[1];
    pool.parallelFor(4, (chunk, chunks) -> sum[0] += chunk);
    assertEquals(6, sum[0]);
  }
}

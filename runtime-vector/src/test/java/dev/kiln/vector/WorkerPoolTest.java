package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool runs every chunk of every task exactly once, whatever the chunk counts of consecutive tasks. */
class WorkerPoolTest {
  /**
   * Tasks of changing chunk counts back to back, as a model's layers are: a worker late from one task must not claim
   * a chunk of the next one before it is open (it once did, between the new task's publication and the new
   * generation: that chunk ran twice, the done count overshot, and the caller waited forever).
   */
  @Test
  void everyChunkRunsOnceAcrossTasksOfChangingSize() {
    int[] sizes = {2, 5, 3, 7, 1, 4, 2, 6};
    int runs = 300_000;
    assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
      WorkerPool pool = new WorkerPool(3, "test-pool");
      try {
        AtomicIntegerArray ran = new AtomicIntegerArray(8);
        int[] current = new int[1];
        WorkerPool.Task task = (chunk, chunks) -> {
          if (chunks != current[0]) throw new IllegalStateException("chunk count " + chunks + ", task has " + current[0]);
          ran.incrementAndGet(chunk);
        };
        for (int r = 0; r < runs; r++) {
          int n = sizes[r % sizes.length];
          current[0] = n;
          assertTrue(pool.tryAcquire());
          try {
            pool.run(task, n, 2);
          } finally {
            pool.release();
          }
          for (int i = 0; i < 8; i++) {
            int count = ran.getAndSet(i, 0);
            if (count != (i < n ? 1 : 0)) {
              throw new AssertionError("run " + r + " of " + n + " chunks: chunk " + i + " ran " + count + " times");
            }
          }
        }
      } finally {
        pool.close();
      }
    });
  }

  @Test
  void aFailingChunkIsRethrownAndThePoolStillWorks() {
    WorkerPool pool = new WorkerPool(2, "test-pool");
    try {
      assertTrue(pool.tryAcquire());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.run((chunk, chunks) -> {
        if (chunk == 3) throw new IllegalArgumentException("chunk 3");
      }, 4, 1));
      assertEquals("chunk 3", e.getMessage());
      pool.release();
      AtomicIntegerArray ran = new AtomicIntegerArray(4);
      assertTrue(pool.tryAcquire());
      pool.run((chunk, chunks) -> ran.incrementAndGet(chunk), 4, 1);
      pool.release();
      for (int i = 0; i < 4; i++) assertEquals(1, ran.get(i));
    } finally {
      pool.close();
    }
  }
}

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
 * tasks, rethrows a chunk's failure, leaves a second concurrent caller to run its task alone, and lets its caller run
 * alone for a while when its workers do not run beside it.
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
          } else if (pool.tryAcquire()) { // it declines while its workers lag on a loaded machine
            try {
              pool.run(task, n, 2);
            } finally {
              pool.release();
            }
          } else {
            for (int i = 0; i < n; i++) task.run(i, n);
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

  /**
   * Workers that see tasks but do not get to run (held here as a loaded machine holds them) leave every chunk to the
   * caller; once at least {@link WorkerPool#LATE_TASKS} such tasks took {@link WorkerPool#lateNanos} the pool declines,
   * so that the caller runs alone without handing over, and after {@link WorkerPool#serialNanos} it tries its workers
   * again, which then take chunks.
   */
  @Test
  void workersThatDoNotRunMakeTheCallerRunAloneForAWhile() throws Exception {
    long serial = WorkerPool.serialNanos, lateTime = WorkerPool.lateNanos;
    WorkerPool.serialNanos = 300_000_000L;
    WorkerPool.lateNanos = 5_000_000L;
    try (WorkerPool pool = WorkerPool.create(2, "test-pool")) {
      Thread caller = Thread.currentThread();
      boolean[] workerRan = new boolean[1];
      WorkerPool.Task task = (chunk, chunks) -> {
        if (Thread.currentThread() != caller) workerRan[0] = true;
        long end = System.nanoTime() + 20_000;
        while (System.nanoTime() < end) Thread.onSpinWait();
      };
      WorkerPool.holdWorkers = true;
      int late = 0;
      long start = System.nanoTime();
      for (long end = start + 10_000_000_000L; pool.tryAcquire() && System.nanoTime() < end; late++) {
        try {
          pool.run(task, 8, 1);
        } finally {
          pool.release();
        }
      }
      assertTrue(pool.runningAlone(), "the pool still hands tasks over after " + late + " tasks its worker missed");
      long lateFor = System.nanoTime() - start;
      assertTrue(late >= WorkerPool.LATE_TASKS, "declined after " + late + " tasks");
      assertTrue(lateFor >= WorkerPool.lateNanos, "declined after " + lateFor + " ns of late tasks");
      // 8 chunks of 20 us on the caller: 160 us a task, so about 32 tasks make 5 ms; a loaded machine stretches them
      assertTrue(late <= 5_000_000 / 160_000 + 1, "declined only after " + late + " tasks");
      assertFalse(workerRan[0], "a held worker ran a chunk");
      int[] ranOnCaller = new int[1];
      pool.parallelFor(8, (chunk, chunks) -> {
        if (Thread.currentThread() == caller) ranOnCaller[0]++;
      });
      assertEquals(8, ranOnCaller[0]);
      WorkerPool.holdWorkers = false;
      Thread.sleep(400);
      assertFalse(pool.runningAlone(), "still alone after the pause");
      for (long end = System.nanoTime() + 10_000_000_000L; !workerRan[0] && System.nanoTime() < end; ) {
        pool.parallelFor(16, task);
      }
      assertTrue(workerRan[0], "the worker never took a chunk again");
    } finally {
      WorkerPool.holdWorkers = false;
      WorkerPool.serialNanos = serial;
      WorkerPool.lateNanos = lateTime;
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

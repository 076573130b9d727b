package dev.kiln.vector;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of {@code threads - 1} daemon workers; the calling thread runs part 0 of every task. No allocation
 * and no thread start per call. Idle workers spin for {@link #SPIN_NANOS} after their last task (so back-to-back
 * ops hand over in well under a microsecond), then park: KERNELS.md measured that long spinning stalls other work
 * on this 2-vCPU machine.
 *
 * <p>One task at a time: a caller first {@link #tryAcquire}s the pool; a concurrent second caller (two threads
 * running the same session) fails to acquire and runs its op single-threaded instead of waiting.
 */
final class WorkerPool {
  /** A task split into {@code parts} parts; part {@code i} runs on one thread. */
  interface Task {
    void run(int part, int parts);
  }

  /** How long an idle worker spins before it parks. */
  static final long SPIN_NANOS = 50_000;
  /** How long the caller spins waiting for the workers before it parks (in short slices). */
  private static final long CALLER_SPIN_NANOS = 200_000;

  private final Thread[] threads;
  private final AtomicBoolean[] parked;
  /** {@code generation << 8 | parts}, published after {@link #task}. */
  private volatile long state;
  private Task task;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile Thread waiter;
  private volatile boolean waiterParked;
  private volatile boolean closed;
  private volatile Throwable failure;
  private final AtomicBoolean busy = new AtomicBoolean();

  WorkerPool(int threadCount, String name) {
    int workers = Math.max(0, threadCount - 1);
    if (workers > 255) throw new IllegalArgumentException("at most 256 threads, got " + threadCount);
    threads = new Thread[workers];
    parked = new AtomicBoolean[workers];
    for (int i = 0; i < workers; i++) {
      final int index = i + 1;
      parked[i] = new AtomicBoolean();
      Thread t = new Thread(() -> work(index), name + "-" + index);
      t.setDaemon(true);
      threads[i] = t;
    }
    for (Thread t : threads) t.start();
  }

  /** Threads a task can use, the caller included. */
  int size() {
    return threads.length + 1;
  }

  /** Claims the pool for one {@link #run}; false when it is closed, has no workers, or another thread runs a task. */
  boolean tryAcquire() {
    return threads.length > 0 && !closed && busy.compareAndSet(false, true);
  }

  void release() {
    busy.set(false);
  }

  /** Runs {@code t} in {@code parts} parts (2 .. size()), part 0 on the caller; the caller must hold the pool. */
  void run(Task t, int parts) {
    task = t;
    pending.set(parts - 1);
    waiter = Thread.currentThread();
    long s = state;
    state = ((s >>> 8) + 1) << 8 | parts;
    for (int i = 0; i < parts - 1; i++) {
      if (parked[i].get()) LockSupport.unpark(threads[i]);
    }
    Throwable mine = null;
    try {
      t.run(0, parts);
    } catch (Throwable e) {
      mine = e;
    }
    long start = System.nanoTime();
    int spins = 0;
    while (pending.get() != 0) {
      if ((++spins & 63) != 0 || System.nanoTime() - start < CALLER_SPIN_NANOS) {
        Thread.onSpinWait();
      } else {
        waiterParked = true;
        if (pending.get() != 0) LockSupport.parkNanos(this, 50_000);
        waiterParked = false;
      }
    }
    task = null;
    Throwable theirs = failure;
    failure = null;
    if (mine == null) mine = theirs;
    if (mine instanceof RuntimeException) throw (RuntimeException) mine;
    if (mine instanceof Error) throw (Error) mine;
    if (mine != null) throw new IllegalStateException(mine);
  }

  private void work(int index) {
    long seen = 0; // the generation at construction: a worker may start after the first task was published
    AtomicBoolean myParked = parked[index - 1];
    while (true) {
      long s;
      long start = System.nanoTime();
      int spins = 0;
      while (((s = state) >>> 8) == seen) {
        if (closed) return;
        if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          myParked.set(true);
          if ((state >>> 8) == seen && !closed) LockSupport.park(this);
          myParked.set(false);
        }
      }
      seen = s >>> 8;
      int parts = (int) (s & 0xff);
      if (index >= parts) continue;
      try {
        task.run(index, parts);
      } catch (Throwable e) {
        failure = e;
      }
      if (pending.decrementAndGet() == 0 && waiterParked) LockSupport.unpark(waiter);
    }
  }

  /** Stops the workers; idempotent. Later ops run on the calling thread. */
  void close() {
    if (closed) return;
    closed = true;
    for (Thread t : threads) LockSupport.unpark(t);
  }
}

package dev.kiln.vector;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of {@code threads - 1} daemon workers plus the calling thread. A task is cut into chunks that every
 * participating thread claims one at a time from a shared ticket, the caller included: a worker that is late (parked,
 * or not scheduled on a loaded machine) simply finds no chunk left, so the caller never waits for a thread that has
 * not started — it only waits for chunks already being computed. No allocation and no thread start per call. Idle
 * workers spin for {@link #SPIN_NANOS} after their last chunk (back-to-back ops hand over without a wake-up), then
 * park: KERNELS.md measured that long spinning stalls other work on this 2-vCPU machine.
 *
 * <p>One task at a time: a caller first {@link #tryAcquire}s the pool; a concurrent second caller (two threads
 * running the same session) fails to acquire and runs its op single-threaded instead of waiting.
 */
final class WorkerPool {
  /** A task cut into {@code chunks} independent chunks. */
  interface Task {
    void run(int chunk, int chunks);
  }

  /** How long an idle worker spins before it parks. */
  static final long SPIN_NANOS = 50_000;
  /** How long the caller spins waiting for chunks in progress before it parks (in short slices). */
  private static final long CALLER_SPIN_NANOS = 200_000;

  private final Thread[] threads;
  private final AtomicBoolean[] parked;
  /**
   * {@code generation << 32 | next unclaimed chunk}. A task closes the old generation ({@link #CLOSED}) before it
   * publishes {@link #task} and {@link #chunks}, then opens the new one at chunk 0; a claim reads task and chunks
   * before its compare-and-set, whose success proves they belong to the generation claimed.
   */
  private final AtomicLong ticket = new AtomicLong(CLOSED);
  /** The chunk index of a closed generation: no chunk can be claimed. */
  private static final int CLOSED = Integer.MAX_VALUE;
  /** The last generation opened, which idle workers watch. */
  private volatile long opened;
  private volatile Task task;
  private volatile int chunks;
  private final AtomicInteger done = new AtomicInteger();
  private volatile Thread waiter;
  private volatile boolean waiterParked;
  private volatile boolean closed;
  private volatile Throwable failure;
  private final AtomicBoolean busy = new AtomicBoolean();

  WorkerPool(int threadCount, String name) {
    int workers = Math.max(0, threadCount - 1);
    threads = new Thread[workers];
    parked = new AtomicBoolean[workers];
    for (int i = 0; i < workers; i++) {
      final int index = i;
      parked[i] = new AtomicBoolean();
      Thread t = new Thread(() -> work(index), name + "-" + (index + 1));
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

  /**
   * Runs the {@code chunks} chunks of {@code t} on the caller and up to {@code helpers} workers; the caller must hold
   * the pool. Returns when every chunk is done; rethrows the first failure.
   */
  void run(Task t, int chunks, int helpers) {
    long gen = (ticket.get() >>> 32) + 1;
    // closed first: a worker late from the last task could otherwise claim a chunk of this one, with the new task
    // and count but the old generation's ticket, and run it twice (the done count then overshot: a hang)
    ticket.set(gen << 32 | CLOSED);
    task = t;
    this.chunks = chunks;
    done.set(0);
    waiter = Thread.currentThread();
    ticket.set(gen << 32);
    opened = gen;
    for (int i = 0; i < Math.min(helpers, threads.length); i++) {
      if (parked[i].get()) LockSupport.unpark(threads[i]);
    }
    claim(gen);
    long start = System.nanoTime();
    int spins = 0;
    while (done.get() != chunks) {
      if ((++spins & 63) != 0 || System.nanoTime() - start < CALLER_SPIN_NANOS) {
        Thread.onSpinWait();
      } else {
        waiterParked = true;
        if (done.get() != chunks) LockSupport.parkNanos(this, 50_000);
        waiterParked = false;
      }
    }
    task = null;
    Throwable e = failure;
    failure = null;
    if (e instanceof RuntimeException) throw (RuntimeException) e;
    if (e instanceof Error) throw (Error) e;
    if (e != null) throw new IllegalStateException(e);
  }

  /** Claims and runs chunks of generation {@code gen} until none is left. */
  private void claim(long gen) {
    while (true) {
      long cur = ticket.get();
      if ((cur >>> 32) != gen) return;
      int i = (int) cur;
      Task t = task;
      int n = chunks;
      if (i >= n) return; // all claimed, or closed
      if (!ticket.compareAndSet(cur, cur + 1)) continue;
      // the ticket did not change since t and n were read, so they are this generation's
      try {
        t.run(i, n);
      } catch (Throwable e) {
        failure = e;
      }
      if (done.incrementAndGet() == n && waiterParked) LockSupport.unpark(waiter);
    }
  }

  private void work(int index) {
    long seen = 0; // the generation at construction: a worker may start after the first task was published
    AtomicBoolean myParked = parked[index];
    while (true) {
      long gen;
      long start = System.nanoTime();
      int spins = 0;
      while ((gen = opened) == seen) {
        if (closed) return;
        if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          myParked.set(true);
          if (opened == seen && !closed) LockSupport.park(this);
          myParked.set(false);
        }
      }
      seen = gen;
      claim(gen);
    }
  }

  /** Stops the workers; idempotent. Later ops run on the calling thread. */
  void close() {
    if (closed) return;
    closed = true;
    for (Thread t : threads) LockSupport.unpark(t);
  }
}

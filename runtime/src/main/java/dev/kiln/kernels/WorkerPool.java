package dev.kiln.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The intra-op thread pool of both kernel sets: {@code threads - 1} daemon workers created once, plus the calling
 * thread, which always takes part. A task is cut into chunks that every participating thread claims one at a time
 * from a shared ticket: a worker that is late (parked, or not scheduled on a loaded machine) simply finds no chunk
 * left, so the caller never waits for a thread that has not started, only for chunks already being computed. No
 * allocation and no thread start per call (the caller passes a reusable {@link Task}). Idle workers spin for
 * {@link #SPIN_NANOS} after their last chunk, so that back-to-back layers hand over without a wake-up, then park:
 * long spinning stalls other work on a machine with few cores (KERNELS.md).
 *
 * <p>One task at a time. A caller first {@link #tryAcquire}s the pool, or calls {@link #parallelFor}, which does; a
 * concurrent second caller (two threads running the same session) fails to acquire it and runs its op on its own
 * thread instead of waiting. Java 8 API only (the core runtime runs on Android).
 *
 * <p><b>Workers that do not run beside the caller.</b> On a machine whose other cores are busy (another process holds
 * them), a worker only runs when the caller is descheduled: the two take turns on one core and each spins while the
 * other holds it, slower than the caller alone. The pool notices: while two threads run side by side, the workers finish
 * chunks while the caller runs one; when they take turns, the caller's chunks run with no worker finishing anything.
 * A task in which fewer than a quarter of the caller's chunks (at least {@link #JUDGED_CHUNKS}) saw a worker finish a
 * chunk had no worker beside the caller, and after at least {@link #LATE_TASKS} such tasks in a row that took
 * {@link #lateNanos} together {@link #tryAcquire} declines for {@link #serialNanos} (the ops then run on the calling
 * thread alone, and the idle workers park), after which the pool tries its workers again. The time keeps a worker
 * that another process held for one scheduler time slice, on a machine with a core to spare, from costing the pause.
 */
public final class WorkerPool implements AutoCloseable {
  /** A task cut into {@code chunks} independent chunks; must be safe to run concurrently for different chunks. */
  public interface Task {
    void run(int chunk, int chunks);
  }

  /** How long an idle worker spins before it parks. */
  static final long SPIN_NANOS = 50_000;
  /** How long the caller spins waiting for chunks in progress before it parks (in short slices). */
  private static final long CALLER_SPIN_NANOS = 200_000;
  /** The chunk index of a closed generation: no chunk can be claimed. */
  private static final int CLOSED = Integer.MAX_VALUE;
  /** Consecutive tasks with a late worker after which the caller runs alone for a while. */
  static final int LATE_TASKS = 3;
  /** Fewest chunks the caller must run in a task for the task to be judged. */
  static final int JUDGED_CHUNKS = 4;
  /** How long the caller runs alone once workers were late; package-private and mutable for tests only. */
  static long serialNanos = 200_000_000L;
  /** How long the late tasks in a row must have taken together; package-private and mutable for tests only. */
  static long lateNanos = 10_000_000L;

  private final Thread[] workers;
  private final AtomicBoolean[] parked;
  /**
   * {@code generation << 32 | next unclaimed chunk}. A task closes the old generation ({@link #CLOSED}) before it
   * publishes {@link #task} and {@link #chunks}, then opens the new one at chunk 0; a claim reads task and chunks
   * before its compare-and-set, whose success proves they belong to the generation claimed. (Without the closing, a
   * worker late from the previous task could claim a chunk of this one with the new task but the old ticket, run it
   * twice, and leave the caller waiting forever.)
   */
  private final AtomicLong ticket = new AtomicLong(CLOSED);
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
  /** The caller's chunks in the current task, and those during which a worker finished one (the caller's only). */
  private int callerChunks, helped;
  /** Consecutive judged tasks without a worker beside the caller, and their time (the acquiring caller's). */
  private int lateStreak;
  private long lateStreakNanos;
  /** While {@link System#nanoTime} is before this, {@link #tryAcquire} declines; 0 when not in force. */
  private volatile long serialUntil;

  private WorkerPool(int threads, String name) {
    if (threads < 1) throw new IllegalArgumentException("WorkerPool: threads must be at least 1, got " + threads);
    workers = new Thread[threads - 1];
    parked = new AtomicBoolean[workers.length];
    for (int i = 0; i < workers.length; i++) {
      final int index = i;
      parked[i] = new AtomicBoolean();
      Thread t = new Thread(new Runnable() {
        @Override
        public void run() {
          work(index);
        }
      }, name + "-" + (i + 1));
      t.setDaemon(true);
      workers[i] = t;
    }
    for (Thread t : workers) t.start();
  }

  /** A pool of {@code threads} threads, the caller included: {@code threads - 1} workers, {@code kiln-worker-N}. */
  public static WorkerPool create(int threads) {
    return new WorkerPool(threads, "kiln-worker");
  }

  /** As {@link #create(int)}, the workers named {@code name-1}, {@code name-2}, ... */
  public static WorkerPool create(int threads, String name) {
    return new WorkerPool(threads, name);
  }

  /** Threads a task can use, the caller included. */
  public int threads() {
    return workers.length + 1;
  }

  /**
   * Claims the pool for one {@link #run}; false when it is closed, has no workers, another thread runs a task, or its
   * workers were found not to run beside the caller (see the class comment) less than {@link #serialNanos} ago.
   */
  public boolean tryAcquire() {
    return workers.length > 0 && !closed && !runningAlone() && busy.compareAndSet(false, true);
  }

  /** Whether the callers run alone for now, the workers having been late. */
  boolean runningAlone() {
    long until = serialUntil;
    if (until == 0) return false;
    if (System.nanoTime() - until < 0) return true;
    serialUntil = 0;
    return false;
  }

  /** Releases the pool {@link #tryAcquire} claimed. */
  public void release() {
    busy.set(false);
  }

  /**
   * Runs chunks {@code [0, chunks)} of {@code t} on the caller and the workers: with the pool acquired, else (closed,
   * no workers, a single chunk, or another thread's task running) all on the calling thread, in order.
   */
  public void parallelFor(int chunks, Task t) {
    if (chunks <= 0) return;
    if (chunks == 1 || !tryAcquire()) {
      for (int i = 0; i < chunks; i++) t.run(i, chunks);
      return;
    }
    try {
      run(t, chunks, workers.length);
    } finally {
      release();
    }
  }

  /**
   * Runs the {@code chunks} chunks of {@code t} on the caller and up to {@code helpers} workers; the caller must hold
   * the pool ({@link #tryAcquire}). Returns when every chunk is done; rethrows the first failure.
   */
  public void run(Task t, int chunks, int helpers) {
    long gen = (ticket.get() >>> 32) + 1;
    ticket.set(gen << 32 | CLOSED); // closed first: see ticket
    task = t;
    this.chunks = chunks;
    done.set(0);
    callerChunks = helped = 0;
    long published = System.nanoTime();
    waiter = Thread.currentThread();
    ticket.set(gen << 32);
    opened = gen;
    for (int i = 0; i < Math.min(helpers, workers.length); i++) {
      if (parked[i].get()) LockSupport.unpark(workers[i]);
    }
    claim(gen, false);
    long start = System.nanoTime();
    int spins = 0;
    while (done.get() != chunks) {
      if ((++spins & 63) == 0 && System.nanoTime() - start >= CALLER_SPIN_NANOS) {
        waiterParked = true;
        if (done.get() != chunks) LockSupport.parkNanos(this, 50_000);
        waiterParked = false;
      }
    }
    task = null;
    if (helpers > 0 && callerChunks >= JUDGED_CHUNKS) judge(4 * helped < callerChunks, published);
    Throwable e = failure;
    failure = null;
    if (e instanceof RuntimeException) throw (RuntimeException) e;
    if (e instanceof Error) throw (Error) e;
    if (e != null) throw new IllegalStateException(e);
  }

  /**
   * Counts a task (published at {@code published}) whose workers were (not) late; {@link #LATE_TASKS} or more late ones
   * in a row that took {@link #lateNanos} together make the callers run alone for {@link #serialNanos}.
   */
  private void judge(boolean late, long published) {
    if (!late) {
      lateStreak = 0;
      lateStreakNanos = 0;
      return;
    }
    long now = System.nanoTime();
    lateStreakNanos += now - published;
    if (++lateStreak >= LATE_TASKS && lateStreakNanos >= lateNanos) {
      lateStreak = 0;
      lateStreakNanos = 0;
      serialUntil = now + serialNanos;
    }
  }

  /** Claims and runs chunks of generation {@code gen} until none is left; {@code worker}: not the caller. */
  private void claim(long gen, boolean worker) {
    while (true) {
      long cur = ticket.get();
      if ((cur >>> 32) != gen) return;
      int i = (int) cur;
      Task t = task;
      int n = chunks;
      if (i >= n) return; // all claimed, or closed
      if (!ticket.compareAndSet(cur, cur + 1)) continue;
      // the ticket did not change since t and n were read, so they are this generation's
      int before = worker ? 0 : done.get();
      try {
        t.run(i, n);
      } catch (Throwable e) {
        if (failure == null) failure = e;
      }
      if (!worker) {
        callerChunks++;
        if (done.get() != before) helped++; // a worker finished a chunk while the caller ran this one
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
        if ((++spins & 63) == 0 && System.nanoTime() - start >= SPIN_NANOS) {
          myParked.set(true);
          if (opened == seen && !closed) LockSupport.park(this);
          myParked.set(false);
        }
      }
      seen = gen;
      if (!holdWorkers) claim(gen, true);
    }
  }

  /**
   * Tests only: workers see new tasks but claim no chunk, as workers that get no core would (package-private).
   */
  static volatile boolean holdWorkers;

  /** Stops the workers (they exit once idle); idempotent. Later tasks run on the calling thread. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    for (Thread t : workers) LockSupport.unpark(t);
  }
}

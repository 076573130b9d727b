package dev.kiln.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool for intra-op parallelism: {@code threads - 1} daemon worker threads created once, plus the calling
 * thread, which always takes part. {@link #parallelFor} allocates nothing: the caller passes a reusable
 * {@link Task}. Idle workers spin briefly (a few tens of microseconds, so that back-to-back layers hand over
 * cheaply) and then park, so an idle pool costs no CPU (KERNELS.md: long spinning stalls other work).
 *
 * <p>Calls from several threads on one pool are serialised (the pool runs one job at a time). Java 8 API only.
 */
public final class WorkerPool implements AutoCloseable {

  /** One unit of a parallel loop; must be safe to run concurrently for different indices. */
  public interface Task {
    void run(int index);
  }

  /** Volatile reads a waiting worker makes before it parks (about 20-50 us). */
  private static final int SPIN = 1 << 14;
  /** Volatile reads the caller makes waiting for stragglers before it parks. */
  private static final int CALLER_SPIN = 1 << 16;
  private static final int BLOCKED = Integer.MAX_VALUE;

  private final Thread[] workers;
  private final AtomicIntegerArray parked;
  /** (generation << 32) | next index to claim; index BLOCKED while a job is being set up. */
  private final AtomicLong ctl = new AtomicLong(BLOCKED);
  private final AtomicInteger pending = new AtomicInteger();
  private volatile int generation;
  private volatile boolean closed;
  private volatile Task task;
  private volatile int count;
  private volatile Thread waiter;
  private volatile Throwable error;
  /** Reusable per-pool state of {@link Gemm}'s parallel overloads (guarded by this pool's monitor). */
  Object gemmState;
  /** Reusable per-pool job of {@link Conv}'s pooled overloads (guarded by its own monitor). */
  private Conv.Job convJob;

  private Conv.DepthJob depthJob;
  private JavaKernels.PoolingJob poolingJob;

  synchronized JavaKernels.PoolingJob poolingJob() {
    if (poolingJob == null) poolingJob = new JavaKernels.PoolingJob();
    return poolingJob;
  }

  synchronized Conv.DepthJob depthJob() {
    if (depthJob == null) depthJob = new Conv.DepthJob();
    return depthJob;
  }

  synchronized Conv.Job convJob() {
    if (convJob == null) convJob = new Conv.Job();
    return convJob;
  }

  private WorkerPool(int threads) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1: " + threads);
    workers = new Thread[threads - 1];
    parked = new AtomicIntegerArray(Math.max(1, threads - 1));
    for (int i = 0; i < workers.length; i++) {
      final int id = i;
      Thread t = new Thread(new Runnable() {
        @Override
        public void run() {
          workerLoop(id);
        }
      }, "kiln-worker-" + i);
      t.setDaemon(true);
      workers[i] = t;
    }
    for (Thread t : workers) t.start();
  }

  /** A pool running up to {@code threads} tasks at once: {@code threads - 1} workers plus the caller. */
  public static WorkerPool create(int threads) {
    return new WorkerPool(threads);
  }

  /** Total parallelism (workers plus the calling thread). */
  public int threads() {
    return workers.length + 1;
  }

  /**
   * Runs {@code body.run(i)} for every {@code i} in {@code [0, tasks)}, spread over the workers and the calling
   * thread, and returns when all have finished. The first exception thrown by a task is rethrown here.
   */
  public synchronized void parallelFor(int tasks, Task body) {
    if (tasks <= 0) return;
    if (workers.length == 0 || tasks == 1 || closed) {
      for (int i = 0; i < tasks; i++) body.run(i);
      return;
    }
    long gen = (ctl.get() >>> 32) + 1;
    ctl.set((gen << 32) | BLOCKED); // a late worker from the previous job can no longer claim anything
    task = body;
    count = tasks;
    error = null;
    waiter = Thread.currentThread();
    pending.set(tasks);
    ctl.set(gen << 32); // open
    generation = (int) gen;
    for (int i = 0; i < workers.length; i++) {
      if (parked.get(i) != 0) LockSupport.unpark(workers[i]);
    }
    work();
    int spins = 0;
    while (pending.get() != 0) {
      if (++spins > CALLER_SPIN) LockSupport.park(this);
    }
    task = null;
    Throwable e = error;
    if (e != null) {
      error = null;
      if (e instanceof RuntimeException) throw (RuntimeException) e;
      if (e instanceof Error) throw (Error) e;
      throw new RuntimeException(e);
    }
  }

  /** Claims and runs indices of the current job until none are left. */
  private void work() {
    for (;;) {
      long v = ctl.get();
      int idx = (int) v;
      Task t = task;
      int n = count;
      if (idx >= n || t == null) return;
      if (!ctl.compareAndSet(v, v + 1)) continue;
      // ctl was unchanged since before task and count were read, so they belong to this job
      try {
        t.run(idx);
      } catch (Throwable e) {
        if (error == null) error = e;
      }
      if (pending.decrementAndGet() == 0) LockSupport.unpark(waiter);
    }
  }

  private void workerLoop(int id) {
    int seen = generation;
    while (true) {
      int spins = 0;
      int g;
      while ((g = generation) == seen && !closed) {
        if (++spins < SPIN) continue;
        parked.set(id, 1);
        if (generation == seen && !closed) LockSupport.park(this);
        parked.set(id, 0);
        spins = 0;
      }
      if (closed) return;
      seen = g;
      work();
    }
  }

  /** Stops the workers (they exit once idle). Later {@link #parallelFor} calls run on the caller only. */
  @Override
  public void close() {
    closed = true;
    for (Thread t : workers) LockSupport.unpark(t);
  }
}

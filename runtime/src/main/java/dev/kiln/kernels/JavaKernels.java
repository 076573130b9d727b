package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * The pure-Java kernel set (Java 8 API, Android-clean): {@link Gemm} and {@link Conv}. The default of every
 * session. With more than one thread it owns a {@link WorkerPool} (created once, with the session) and splits
 * large GEMMs, convolutions (tiles of output positions) and depthwise convolutions (output rows) over it; small
 * ones stay on the calling thread.
 */
public final class JavaKernels implements KernelSet {
  /** Creates the pure-Java kernel set. */
  public static final Factory FACTORY = new Factory() {
    @Override
    public KernelSet create(int threads) {
      return new JavaKernels(threads);
    }
  };

  private final int threads;
  /** Null for one thread. */
  private final WorkerPool pool;

  private JavaKernels(int threads) {
    this.threads = threads;
    this.pool = threads > 1 ? WorkerPool.create(threads) : null;
  }

  /** How many threads this kernel set may use. */
  public int threads() {
    return threads;
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public float[] packDenseWeights(float[] b, int k, int n) {
    return Gemm.packWeights(b, k, n);
  }

  @Override
  public void dense(float[] a, int m, int k, float[] packedB, int n, float[] bias, Activation act, float[] c) {
    if (pool == null) Gemm.dense(a, m, k, packedB, n, bias, act, c);
    else Gemm.dense(a, m, k, packedB, n, bias, act, c, pool);
  }

  @Override
  public float[] packConvKernel(float[] kernel, int kh, int kw, int cPerGroup, int f, int groups) {
    return Conv.packKernel(kernel, kh, kw, cPerGroup, f, groups);
  }

  @Override
  public void conv2d(float[] in, int n, int h, int w, int c, float[] packed, int kh, int kw, int f, int strideH,
      int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias,
      float[] residual, Activation act, float[] out) {
    Conv.conv2d(in, n, h, w, c, packed, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias,
        residual, act, out, pool);
  }

  @Override
  public void depthwise2d(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int m, int strideH,
      int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] bias, Activation act,
      float[] out) {
    Conv.depthwise2d(in, n, h, w, c, kernel, kh, kw, m, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, bias, act,
        out, pool);
  }

  @Override
  public void pool2d(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int strideH, int strideW,
      int padTop, int padLeft, int oh, int ow, float[] out) {
    if (pool == null || !Pooling.worthSplitting(n, oh, ow, c, kh, kw)) {
      Pooling.pool2dRows(max, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out, 0, n * oh);
      return;
    }
    PoolingJob job = pool.poolingJob();
    synchronized (job) {
      job.call.set(max, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out);
      job.tasks = Math.min(threads, n * oh);
      try {
        pool.parallelFor(job.tasks, job);
      } finally {
        job.call.clear();
      }
    }
  }

  /** One pooled pooling call: output rows split evenly over the tasks. Reused per pool, guarded by its monitor. */
  static final class PoolingJob implements WorkerPool.Task {
    final Pooling.Call call = new Pooling.Call();
    int tasks;

    @Override
    public void run(int task) {
      call.runPart(task, tasks);
    }
  }

  @Override
  public void close() {
    if (pool != null) pool.close();
  }
}

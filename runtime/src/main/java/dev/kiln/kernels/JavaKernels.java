package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * The pure-Java kernel set (Java 8 API, Android-clean): {@link Gemm} and {@link Conv}. The default of every
 * session. With more than one thread it owns a {@link WorkerPool} (created once, with the session) and splits
 * large GEMMs, convolutions (tiles of output positions) and depthwise convolutions (output rows) over it; small
 * ones stay on the calling thread. A convolution followed by max pooling over several images runs image by image
 * (each image's convolution pooled while it is in cache), the images split over the threads.
 */
public final class JavaKernels implements KernelSet {
  /** Creates the pure-Java kernel set. */
  public static final Factory FACTORY = new Factory() {
    @Override
    public KernelSet create(int threads) {
      return new JavaKernels(threads);
    }
  };

  private static final String NAME = "java";

  private final int threads;
  /** Null for one thread. */
  private final WorkerPool pool;

  private JavaKernels(int threads) {
    if (threads < 1) throw new IllegalArgumentException("JavaKernels: threads must be at least 1, got " + threads);
    this.threads = threads;
    this.pool = threads > 1 ? WorkerPool.create(threads) : null;
  }

  /** How many threads this kernel set may use. */
  public int threads() {
    return threads;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PackedWeights packDenseWeights(float[] b, int k, int n) {
    return Gemm.packWeights(b, k, n);
  }

  @Override
  public void dense(float[] a, int m, int k, PackedWeights packedB, int n, float[] bias, Activation act, float[] c) {
    if (!(packedB instanceof Gemm.Packed)) throw PackedWeights.foreign("JavaKernels.dense", NAME, packedB);
    Gemm.dense(a, m, k, (Gemm.Packed) packedB, n, bias, act, c, pool);
  }

  @Override
  public void denseRows(float[] a, int m, int k, PackedWeights packedB, int n, float[] bias, Activation act,
      float[] c, int[] rowMask) {
    if (!(packedB instanceof Gemm.Packed)) throw PackedWeights.foreign("JavaKernels.denseRows", NAME, packedB);
    for (int i0 = KernelSet.rowRunStart(rowMask, 0, m); i0 < m; ) {
      int i1 = KernelSet.rowRunEnd(rowMask, i0, m);
      Gemm.dense(a, i0 * k, i1 - i0, k, (Gemm.Packed) packedB, n, bias, act, c, i0 * n, pool);
      i0 = KernelSet.rowRunStart(rowMask, i1, m);
    }
  }

  @Override
  public PackedWeights packConvKernel(float[] kernel, int kh, int kw, int cPerGroup, int f, int groups) {
    return Conv.packKernel(kernel, kh, kw, cPerGroup, f, groups);
  }

  @Override
  public void conv2d(float[] in, int n, int h, int w, int c, PackedWeights packed, int kh, int kw, int f,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias,
      float[] residual, Activation act, float[] out) {
    Conv.conv2d(in, n, h, w, c, conv(packed, "JavaKernels.conv2d"), kh, kw, f, strideH, strideW, dilH, dilW, padTop,
        padLeft, oh, ow, groups, bias, residual, act, out, pool);
  }

  private static Conv.Packed conv(PackedWeights packed, String op) {
    if (!(packed instanceof Conv.Packed)) throw PackedWeights.foreign(op, NAME, packed);
    return (Conv.Packed) packed;
  }

  /**
   * Over several images, image by image: each image's convolution (into its part of {@code convOut}) is pooled right
   * after, while it is in cache, the images split over the threads. (Convolving the whole batch first and pooling it
   * after sent the convolution's result through memory: the digits CNN cost more per image in batches of 100 than one
   * at a time.) One image: the convolution split over the threads, then the pooling.
   */
  @Override
  public void conv2dMaxPool(float[] in, int n, int h, int w, int c, PackedWeights packed, int kh, int kw, int f,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias,
      float[] residual, Activation act, float[] convOut, int poolH, int poolW, int poolStrideH, int poolStrideW,
      int poolPadTop, int poolPadLeft, int poolOh, int poolOw, float[] out) {
    Conv.Packed p = conv(packed, "JavaKernels.conv2dMaxPool");
    if (n <= 1 || residual != null) {
      KernelSet.super.conv2dMaxPool(in, n, h, w, c, packed, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft,
          oh, ow, groups, bias, residual, act, convOut, poolH, poolW, poolStrideH, poolStrideW, poolPadTop,
          poolPadLeft, poolOh, poolOw, out);
      return;
    }
    ImageJob job = IMAGE_JOBS.get();
    job.set(in, n, h, w, c, null, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias, null,
        act, out);
    job.kernel = p;
    job.setPool(poolH, poolW, poolStrideH, poolStrideW, poolPadTop, poolPadLeft, poolOh, poolOw);
    try {
      if (pool == null) job.run(0, 1);
      else pool.parallelFor(Math.min(n, Conv.CHUNKS_PER_THREAD * threads), job);
    } finally {
      job.clear();
    }
  }

  /**
   * The images of a convolution + max pooling, split over the chunks: each image copied to the thread's scratch,
   * convolved there, pooled there, and its pooled result copied to {@code out} (the copies are small next to the
   * convolution). One per calling thread.
   */
  static final class ImageJob extends ConvPoolCall implements WorkerPool.Task {
    Conv.Packed kernel;

    @Override
    public void run(int chunk, int chunks) {
      int i0 = (int) ((long) n * chunk / chunks), i1 = (int) ((long) n * (chunk + 1) / chunks);
      int inLen = h * w * c, convLen = oh * ow * f, outLen = poh * pow * f;
      ImageScratch s = IMAGE_SCRATCH.get();
      float[] image = s.image(inLen), conv = s.conv(convLen), pooled = s.pooled(outLen);
      for (int i = i0; i < i1; i++) {
        System.arraycopy(in, i * inLen, image, 0, inLen);
        Conv.conv2d(image, 1, h, w, c, kernel, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, groups, bias, null, act,
            conv);
        Pooling.pool2dRows(true, conv, 1, oh, ow, f, ph, pw, psh, psw, ppt, ppl, poh, pow, pooled, 0, poh);
        System.arraycopy(pooled, 0, out, i * outLen, outLen);
      }
    }

    @Override
    public void clear() {
      super.clear();
      kernel = null;
    }
  }

  private static final ThreadLocal<ImageJob> IMAGE_JOBS = new ThreadLocal<ImageJob>() {
    @Override
    protected ImageJob initialValue() {
      return new ImageJob();
    }
  };

  /** Per-thread scratch of {@link ImageJob}: one image, its convolution, its pooled result. */
  private static final class ImageScratch {
    private float[] image = new float[0], conv = new float[0], pooled = new float[0];

    float[] image(int n) {
      if (image.length < n) image = new float[n];
      return image;
    }

    float[] conv(int n) {
      if (conv.length < n) conv = new float[n];
      return conv;
    }

    float[] pooled(int n) {
      if (pooled.length < n) pooled = new float[n];
      return pooled;
    }
  }

  private static final ThreadLocal<ImageScratch> IMAGE_SCRATCH = new ThreadLocal<ImageScratch>() {
    @Override
    protected ImageScratch initialValue() {
      return new ImageScratch();
    }
  };

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
    PoolingJob job = POOLING_JOBS.get();
    job.call.set(max, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out);
    try {
      pool.parallelFor(Math.min(n * oh, Conv.CHUNKS_PER_THREAD * threads), job);
    } finally {
      job.call.clear();
    }
  }

  /** One pooling call: output rows split evenly over the chunks. One per calling thread. */
  static final class PoolingJob implements WorkerPool.Task {
    final Pooling.Call call = new Pooling.Call();

    @Override
    public void run(int chunk, int chunks) {
      call.runPart(chunk, chunks);
    }
  }

  private static final ThreadLocal<PoolingJob> POOLING_JOBS = new ThreadLocal<PoolingJob>() {
    @Override
    protected PoolingJob initialValue() {
      return new PoolingJob();
    }
  };

  @Override
  public void close() {
    if (pool != null) pool.close();
  }
}

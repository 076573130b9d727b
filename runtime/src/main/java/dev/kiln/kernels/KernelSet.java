package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * The heavy kernels a compiled session calls on its hot path (GEMM, convolutions and pooling), behind an interface so
 * that a session can run faster implementations — the Vector API kernels of {@code kiln-runtime-vector}, say —
 * chosen through {@link dev.kiln.SessionOptions#kernels(Factory)}, without reflection or service loading. One
 * instance belongs to one session (it may own worker threads: a {@link WorkerPool}) and is closed with it.
 * Constant weights are packed once, when the session opens, into {@link PackedWeights}: opaque handles, valid only
 * for the kernel set that packed them.
 *
 * <p>Implementations must compute what {@link Gemm} and {@link Conv} document, to within float rounding.
 */
public interface KernelSet {
  /** Creates the kernel set of one session. */
  interface Factory {
    /** A kernel set that may use up to {@code threads} threads inside one op. */
    KernelSet create(int threads);
  }

  /** A short name for logs and benchmarks ({@code java}, {@code vector}). */
  String name();

  /** Packs a constant {@code [k, n]} weight for {@link #dense}, once, when the session opens. */
  PackedWeights packDenseWeights(float[] b, int k, int n);

  /** {@code c = act(a · B + bias)}, as {@link Gemm#dense}; {@code packedB} from {@link #packDenseWeights}. */
  void dense(float[] a, int m, int k, PackedWeights packedB, int n, float[] bias, Activation act, float[] c);

  /**
   * {@link #dense} for the rows {@code i < m} whose {@code rowMask[i]} is not 0; the other rows of {@code c} are left
   * unspecified. A recurrent layer's input projection skips the steps its mask hides (their states carry over, so
   * nothing reads them): with sentences padded to the batch's longest, a quarter of the rows or more. The default
   * computes every row; a kernel set runs {@link #dense} on each run of consecutive rows ({@link #rowRunStart}).
   */
  default void denseRows(float[] a, int m, int k, PackedWeights packedB, int n, float[] bias, Activation act,
      float[] c, int[] rowMask) {
    dense(a, m, k, packedB, n, bias, act, c);
  }

  /** The first row {@code i >= from} (or {@code m}) whose {@code rowMask[i]} is not 0. */
  static int rowRunStart(int[] rowMask, int from, int m) {
    int i = from;
    while (i < m && rowMask[i] == 0) i++;
    return i;
  }

  /** The first row {@code i >= from} (or {@code m}) whose {@code rowMask[i]} is 0. */
  static int rowRunEnd(int[] rowMask, int from, int m) {
    int i = from;
    while (i < m && rowMask[i] != 0) i++;
    return i;
  }

  /** Packs a constant convolution kernel ({@code [kh, kw, cPerGroup, f]}) for {@link #conv2d}. */
  PackedWeights packConvKernel(float[] kernel, int kh, int kw, int cPerGroup, int f, int groups);

  /** A fused convolution, as {@link Conv#conv2d}; {@code packed} from {@link #packConvKernel}. */
  void conv2d(float[] in, int n, int h, int w, int c, PackedWeights packed, int kh, int kw, int f, int strideH,
      int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias, float[] residual,
      Activation act, float[] out);

  /**
   * A fused convolution whose result only feeds a max pooling: {@link #conv2d} into {@code convOut} (room for its
   * {@code [n, oh, ow, f]} result), then {@link #maxPool2d} of that ({@code poolH x poolW} windows, strides, padding,
   * {@code [n, poolOh, poolOw, f]} into {@code out}). The default does exactly that. A kernel set may instead compute
   * the convolution a band of rows at a time and pool each band while it is in cache, leaving {@code convOut}
   * unspecified; {@code out} must equal what the default computes, to within the convolution's float rounding.
   */
  default void conv2dMaxPool(float[] in, int n, int h, int w, int c, PackedWeights packed, int kh, int kw, int f,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias,
      float[] residual, Activation act, float[] convOut, int poolH, int poolW, int poolStrideH, int poolStrideW,
      int poolPadTop, int poolPadLeft, int poolOh, int poolOw, float[] out) {
    conv2d(in, n, h, w, c, packed, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias,
        residual, act, convOut);
    maxPool2d(convOut, n, oh, ow, f, poolH, poolW, poolStrideH, poolStrideW, poolPadTop, poolPadLeft, poolOh, poolOw,
        out);
  }

  /** A fused depthwise convolution, as {@link Conv#depthwise2d}. */
  void depthwise2d(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int m, int strideH,
      int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] bias, Activation act,
      float[] out);

  /**
   * A depthwise convolution whose result only a 1x1 convolution reads (MobileNet's depthwise convolution and
   * projection, Keras' {@code SeparableConv2D}): {@link #depthwise2d} of {@code in} ({@code [n, h, w, c]}, multiplier
   * {@code m}, its bias and activation) into {@code dwOut} (room for its {@code [n, oh, ow, c*m]} result), then
   * {@link #conv2d} of that with the packed 1x1 kernel {@code pwPacked} ({@code c*m} to {@code f} channels, stride 1,
   * no padding, one group; its bias, residual and activation) into {@code out} ({@code [n, oh, ow, f]}). The default
   * does exactly that. A kernel set may instead compute the depthwise result a tile of positions at a time and
   * multiply each tile while it is in cache, leaving {@code dwOut} unspecified; {@code out} must equal what the default
   * computes, to within float rounding.
   */
  default void depthwisePointwise(float[] in, int n, int h, int w, int c, float[] dwKernel, int kh, int kw, int m,
      int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] dwBias,
      Activation dwAct, float[] dwOut, PackedWeights pwPacked, int f, float[] pwBias, float[] residual,
      Activation pwAct, float[] out) {
    depthwise2d(in, n, h, w, c, dwKernel, kh, kw, m, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, dwBias,
        dwAct, dwOut);
    conv2d(dwOut, n, oh, ow, c * m, pwPacked, 1, 1, f, 1, 1, 1, 1, 0, 0, oh, ow, 1, pwBias, residual, pwAct, out);
  }

  /**
   * Max ({@code max}) or average pooling, as {@link Pooling#maxPool2d} and {@link Pooling#avgPool2d}. The default
   * runs on the calling thread; kernel sets with threads split large ones by output rows
   * ({@link Pooling#pool2dRows}).
   */
  default void pool2d(boolean max, float[] in, int n, int h, int w, int c, int kh, int kw, int strideH, int strideW,
      int padTop, int padLeft, int oh, int ow, float[] out) {
    Pooling.pool2dRows(max, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out, 0, n * oh);
  }

  /** Max pooling, as {@link Pooling#maxPool2d}: {@link #pool2d} with {@code max} true. */
  default void maxPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int strideH, int strideW,
      int padTop, int padLeft, int oh, int ow, float[] out) {
    pool2d(true, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out);
  }

  /** Average pooling, as {@link Pooling#avgPool2d}: {@link #pool2d} with {@code max} false. */
  default void avgPool2d(float[] in, int n, int h, int w, int c, int kh, int kw, int strideH, int strideW,
      int padTop, int padLeft, int oh, int ow, float[] out) {
    pool2d(false, in, n, h, w, c, kh, kw, strideH, strideW, padTop, padLeft, oh, ow, out);
  }

  /**
   * Packs a recurrent layer's recurrent kernel ({@code [units, gates * units]}, Keras' layout and gate order) once,
   * when the session opens, for {@link #recurrentStep}. The default packs it for {@link Gemm}; a kernel set that
   * overrides this overrides {@link #recurrentStep} too.
   */
  default PackedWeights packRecurrentKernel(float[] recurrentKernel, RecurrentCell cell) {
    return Gemm.packWeights(recurrentKernel, cell.units(), cell.gates() * cell.units());
  }

  /**
   * One time step of a recurrent layer for batch rows {@code b < rows}, everything but the input projection in the
   * array {@code s}: the recurrent product {@code hu = h · recurrentKernel} of each row's state {@code h} (at
   * {@code s[hIn + b * units]}), then the cell ({@link RecurrentCell}) with the row's input projection at
   * {@code xw[xwOffset + b * xwStride]} ({@code gates * units} values, their biases added), writing the new {@code h} at
   * {@code s[hOut + b * units]} (not overlapping {@code hIn}) and, for an LSTM, updating {@code c} in place at
   * {@code s[c + b * units]}. A row whose {@code mask[maskOffset + b * maskStride]} is 0 keeps its states ({@code h}
   * copied, {@code c} unchanged); {@code mask} null: no row is masked. {@code s[work ..)} is working space of
   * {@link RecurrentCell#workSize} floats. The default multiplies with {@link Gemm} and applies the cell row by row;
   * a kernel set may apply the cell to each tile of the product while it is in registers or cache, to within float
   * rounding of the default.
   */
  default void recurrentStep(RecurrentCell cell, PackedWeights recurrentKernel, int rows, float[] xw, int xwOffset,
      int xwStride, int[] mask, int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int work) {
    RecurrentSteps.step(cell, recurrentKernel, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn, hOut,
        c, work);
  }

  /**
   * Scaled dot-product attention, as {@link Attention} documents it: {@code q [batch, tq, heads*dk]},
   * {@code k [batch, tk, heads*dk]}, {@code v [batch, tk, heads*dv]} into {@code out [batch, tq, heads*dv]}, scores
   * times {@code scale}, the mask read at {@code mask[b*maskBatchStride + i*maskRowStride + j*maskKeyStride]} (null:
   * none; a stride is 0 along an axis the mask broadcasts), {@code causal} hiding keys after the query, hidden scores
   * replaced by {@link Attention#LARGE_NEGATIVE} or, with {@code subtractMasked}, lowered by
   * {@link Attention#SUBTRACTED}. {@code work} holds at least {@link Attention#workSize} floats. The default is
   * {@link Attention}'s blocked GEMMs on the calling thread.
   */
  default void attention(float[] q, float[] k, float[] v, int batch, int tq, int tk, int heads, int dk, int dv,
      float scale, int[] mask, int maskBatchStride, int maskRowStride, int maskKeyStride, boolean causal,
      boolean subtractMasked, float[] out, float[] work) {
    Attention.compute(q, k, v, batch, tq, tk, heads, dk, dv, scale, mask, maskBatchStride, maskRowStride, maskKeyStride,
        causal, subtractMasked, out, work);
  }

  /**
   * Layer normalization of {@code rows} contiguous rows of {@code normSize} values, as {@link Normalization#layerNorm}
   * documents it (mean and biased variance per row, then {@code x * s + (beta - mean * s)} with
   * {@code s = rsqrt(var + epsilon) * gamma}; null {@code gamma} / {@code beta}: 1 / 0; {@code in} may be {@code out}).
   * The default is exactly that method; a kernel set may reassociate its sums (to within float rounding).
   */
  default void layerNorm(float[] in, float[] out, int rows, int normSize, float[] gamma, float[] beta, float epsilon) {
    Normalization.layerNorm(in, out, rows, normSize, gamma, beta, epsilon);
  }

  /** Stops any worker threads. */
  void close();
}

package dev.kiln.vector;

import dev.kiln.Activation;
import dev.kiln.kernels.ConvCall;
import dev.kiln.kernels.WorkerPool;

/**
 * A depthwise convolution (multiplier 1) and the 1x1 convolution that reads its result, fused: tile by tile of output
 * positions, the depthwise result of a tile ({@code [positions, c]}, in the thread's scratch, in L1) is computed by
 * {@link VDepthwise#segment} and multiplied at once by the packed 1x1 kernel ({@link Sgemm#dense}, bias, residual and
 * activation in its epilogue), so the depthwise result never goes through memory. Held as the call's arguments
 * ({@link ConvCall}: the depthwise part, {@code packed} its kernel) plus the 1x1 convolution's, reused per kernel set
 * and thread like the other tasks.
 */
final class VDepthwisePointwise extends ConvCall implements WorkerPool.Task {
  /**
   * Floats of depthwise result a tile aims at: 256 KB, within L2 next to the 1x1 kernel (an L1-sized tile was slower:
   * the GEMM then restarts too often).
   */
  private static final int TILE_FLOATS = 65536;

  float[] pwPacked, pwBias, pwResidual, pwOut;
  int pwF;
  /** Output positions per tile ({@link #tiles}). */
  private int tile;
  Activation pwAct;

  /**
   * Output positions per tile: about {@link #TILE_FLOATS} of depthwise result, a whole number of row blocks, and small
   * enough that {@code parts} threads get two tiles each where there are that many positions.
   */
  static int tileRows(int c, int positions, int parts) {
    int rows = Math.min(TILE_FLOATS / Math.max(1, c), parts > 1 ? positions / (2 * parts) : Integer.MAX_VALUE);
    return Math.max(Sgemm.MR, rows / Sgemm.MR * Sgemm.MR);
  }

  /** Tiles of positions, sized by {@link #tileRows} for {@code parts} threads. */
  void tiles(int parts) {
    int positions = n * oh * ow;
    tile = tileRows(c, positions, parts);
  }

  void pointwise(float[] packed, int f, float[] bias, float[] residual, Activation act, float[] out) {
    pwPacked = packed;
    pwF = f;
    pwBias = bias;
    pwResidual = residual;
    pwAct = act;
    pwOut = out;
  }

  int units() {
    return (n * oh * ow + tile - 1) / tile;
  }

  @Override
  public void clear() {
    super.clear();
    pwPacked = pwBias = pwResidual = pwOut = null;
  }

  @Override
  public void run(int part, int parts) {
    int total = n * oh * ow;
    int tiles = units();
    int t0 = Sgemm.split(tiles, part, parts), t1 = Sgemm.split(tiles, part + 1, parts);
    Sgemm.Scratch s = Sgemm.SCRATCH.get();
    float[] a = s.dwTile(tile * c);
    float[] b = bias != null ? bias : s.zeros(c);
    boolean clamps = Sgemm.fusesAct(act, null);
    float lo = clamps ? Sgemm.lo(act) : Sgemm.NO_RELU, hi = clamps ? Sgemm.hi(act) : Sgemm.NO_CLAMP;
    for (int t = t0; t < t1; t++) {
      int p0 = t * tile, p1 = Math.min(total, p0 + tile);
      // the tile's positions, a row piece at a time
      for (int p = p0; p < p1; ) {
        int row = p / ow, x = p - row * ow;
        int x1 = Math.min(ow, x + p1 - p);
        int img = row / oh;
        VDepthwise.segment(in, h, w, c, packed, kh, kw, sh, sw, dh, dw, pt, pl, ow, b, lo, hi, img, row - img * oh, x,
            x1, a, (p - p0) * c, s);
        p += x1 - x;
      }
      if (!clamps) Sgemm.activate(act, a, 0, (p1 - p0) * c, s);
      Sgemm.dense(a, 0, p1 - p0, c, pwPacked, pwF, pwBias, pwResidual, pwAct, pwOut, p0 * pwF, 0, 1);
    }
  }
}

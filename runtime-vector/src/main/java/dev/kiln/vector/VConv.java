package dev.kiln.vector;

import static dev.kiln.vector.Sgemm.DR;
import static dev.kiln.vector.Sgemm.MR;
import static dev.kiln.vector.Sgemm.NR;
import static dev.kiln.vector.Sgemm.S;
import static dev.kiln.vector.Sgemm.VL;
import static jdk.incubator.vector.VectorOperators.LE;

import dev.kiln.Activation;
import jdk.incubator.vector.FloatVector;

/**
 * Convolutions on NHWC arrays with the {@link Sgemm} micro-kernels.
 *
 * <p>{@link #conv2d} is an implicit GEMM over output positions x output channels (channels are the vector lanes),
 * in tiles of {@link #tileRows} positions written straight into the NHWC output. When {@code f/groups} fills whole
 * {@link Sgemm#NR} panels, a tile whose taps are all inside the image (all tiles once {@link #pad} has made the
 * padding real) runs {@link Sgemm#direct6}, which reads A from the input through a per-k offset table (faster
 * than packing A, see there). Other tiles copy their patch rows (whole kernel rows where contiguous, zeros outside
 * the image) into a per-thread scratch in the packed A layout of {@link Sgemm#block} (position {@code r} at
 * {@link #rowBase}, k-major in groups of {@link Sgemm#MR}). Stride-1 rows take faster kernels that read six
 * positions at constant offsets from one index: {@link #rows} straight from a one-channel input,
 * {@link #blockedRows} from a channel-blocked copy of the rows otherwise. Bias and RELU are fused into the kernels; a
 * residual or another activation is applied in place while the tile is hot.
 * Packed layout ({@link #pack}): per group, the {@code [kh*kw*cPerGroup, f/groups]} matrix in {@link Sgemm} panels;
 * then, for 3x3 kernels {@link Winograd#packs} takes, the Winograd-transformed weights.
 */
final class VConv {
  private VConv() {}

  /** Floats of the A scratch tile: 16 KB, so that it stays in L1 next to the B panel block it meets. */
  private static final int TILE_FLOATS = 4096;
  /** Most output positions per tile. */
  private static final int MAX_TILE = 120;

  /** Tiles are a multiple of this many positions: of {@link Sgemm#MR} and of {@link Sgemm#DR}. */
  private static final int ROW_STEP = Sgemm.MR == 8 ? 24 : 6;

  /**
   * Output positions per tile (rows of the A scratch) for a reduction of {@code kk} over {@code total} positions
   * split into {@code parts} ranges: with {@code parts > 1} small enough that every range gets a tile (at batch 1
   * the small CNN's conv2, 121 positions in 8 ranges, would otherwise make 6 tiles of up to 24, one of them of one
   * position).
   */
  static int tileRows(int kk, int total, int parts) {
    int rows = TILE_FLOATS / (kk > 0 ? kBlock(kk) : 1) / ROW_STEP * ROW_STEP;
    rows = Math.max(ROW_STEP, Math.min(MAX_TILE, rows));
    return parts > 1 ? Math.max(ROW_STEP, Math.min(rows, total / parts / ROW_STEP * ROW_STEP)) : rows;
  }

  /** Units to split a convolution of {@code total} output positions into: the smallest tiles ({@link #tileRows}). */
  static int units(int total) {
    return (total + ROW_STEP - 1) / ROW_STEP;
  }

  static int groupStride(int kh, int kw, int cg, int fg) {
    return Sgemm.packedLength(kh * kw * cg, fg);
  }

  static float[] pack(float[] kernel, int kh, int kw, int cg, int f, int groups) {
    int kk = kh * kw * cg;
    if (groups < 1 || f % groups != 0) {
      throw new IllegalArgumentException("VectorKernels.packConvKernel: " + f + " filters in " + groups + " groups");
    }
    if (kernel.length < kk * f) {
      throw new IllegalArgumentException("VectorKernels.packConvKernel: kernel has " + kernel.length
          + " values, expected " + kh + "x" + kw + "x" + cg + "x" + f + " = " + kk * f);
    }
    int fg = f / groups;
    int gs = groupStride(kh, kw, cg, fg);
    boolean winograd = Winograd.packs(kh, kw, cg, f, groups);
    float[] packed = new float[groups * gs + (winograd ? Winograd.length(cg, f) : 0)];
    for (int g = 0; g < groups; g++) Sgemm.pack(kernel, g * fg, f, kk, fg, packed, g * gs);
    if (winograd) Winograd.appendWeights(kernel, cg, f, packed, gs);
    return packed;
  }

  /** Depth of the k blocks for a reduction of {@code kk}: at most about {@link Sgemm#KC}, evenly split. */
  static int kBlock(int kk) {
    int blocks = (kk + Sgemm.KC - 1) / Sgemm.KC;
    return (kk + blocks - 1) / blocks;
  }

  /** Part {@code part} of the implicit-GEMM convolution (tiles of positions split into {@code parts} ranges). */
  static void conv2d(float[] in, int n, int h, int w, int c, float[] packed, int kh, int kw, int f, int sh, int sw,
      int dh, int dw, int pt, int pl, int oh, int ow, int groups, float[] bias, float[] residual, Activation act,
      float[] out, int part, int parts) {
    int total = n * oh * ow;
    int tile = tileRows(kh * kw * (c / groups), total, parts);
    if (byRows(h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow)) { // parts of whole output rows
      int rows = n * oh;
      int r0 = Sgemm.split(rows, part, parts), r1 = Sgemm.split(rows, part + 1, parts);
      rows(in, h, w, packed, kh, kw, f, sh, dh, oh, ow, bias, residual, act, out, 0, r0 * ow, r1 * ow, 0, f);
      return;
    }
    if (byBlockedRows(c, f, sw, dw, pt, pl, groups)) {
      int rows = n * oh;
      int r0 = Sgemm.split(rows, part, parts), r1 = Sgemm.split(rows, part + 1, parts);
      blockedRows(in, h, w, c, packed, kh, kw, f, sh, dh, pt, pl, oh, ow, bias, residual, act, out, 0, r0, r1, 0, f);
      return;
    }
    int tiles = (total + tile - 1) / tile;
    int t0 = Sgemm.split(tiles, part, parts), t1 = Sgemm.split(tiles, part + 1, parts);
    positions(in, h, w, c, packed, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, groups, bias, residual, act, out, 0,
        t0 * tile, Math.min(total, t1 * tile), tile);
  }

  /**
   * Whether a convolution runs {@link #rows}: one input channel (so that consecutive output positions of a stride-1
   * row read consecutive floats), whole panels of filters, one k block, every tap inside the input (the caller has
   * made padding real), and rows of at least six positions.
   */
  static boolean byRows(int h, int w, int c, int kh, int kw, int f, int sh, int sw, int dh, int dw, int pt, int pl,
      int oh, int ow) {
    return c == 1 && sw == 1 && dw == 1 && direct(f) && kh * kw <= Sgemm.KC && pt == 0 && pl == 0 && ow >= DR
        && (oh - 1) * sh + (kh - 1) * dh < h && ow - 1 + kw - 1 < w;
  }

  /**
   * Positions {@code [pStart, pEnd)}, whole output rows, of a {@link #byRows} convolution, position {@code p} at
   * {@code out[(p - outBase) * f]}: each row's positions in groups of six consecutive floats of the input
   * ({@link Sgemm#blockRow}).
   */
  private static void rows(float[] in, int h, int w, float[] packed, int kh, int kw, int f, int sh, int dh, int oh,
      int ow, float[] bias, float[] residual, Activation act, float[] out, int outBase, int pStart, int pEnd,
      int fFrom, int fTo) {
    int kk = kh * kw;
    Sgemm.Scratch s = Sgemm.SCRATCH.get();
    int[] koff = tapOffsets(w, 1, kh, kw, 1, dh, 1, s.ints(0, kk));
    boolean fused = Sgemm.fusesAct(act, residual);
    float lo = fused ? Sgemm.lo(act) : Sgemm.NO_RELU, hi = fused ? Sgemm.hi(act) : Sgemm.NO_CLAMP;
    for (int p = pStart; p < pEnd; p += ow) {
      int row = p / ow; // over batch and rows
      int img = row / oh;
      int base = (img * h + (row - img * oh) * sh) * w;
      for (int j0 = fFrom; j0 < fTo; j0 += NR) {
        int cOff = (p - outBase) * f + j0;
        Sgemm.blockRow(in, base, 1, ow, koff, 0, packed, j0 * kk, kk, false, bias, j0, lo, hi, out, cOff, f, NR, s);
        if (!fused) Sgemm.epilogue(out, cOff, f, ow, NR, null, 0, residual, act, s);
      }
    }
  }

  /**
   * Whether a convolution runs {@link #blockedRows}: more than one input channel, one group, stride and dilation 1
   * along rows, whole panels of filters, no cropping.
   */
  static boolean byBlockedRows(int c, int f, int sw, int dw, int pt, int pl, int groups) {
    return c > 1 && groups == 1 && sw == 1 && dw == 1 && direct(f) && pt >= 0 && pl >= 0;
  }

  /**
   * Output rows {@code [rStart, rEnd)} (counted over batch and rows), position {@code p} at
   * {@code out[(p - outBase) * f]}, from a channel-blocked copy of the input rows each image's run of rows reaches:
   * {@code [row][channel block][column][8]} in the thread's scratch, the padding made real. There consecutive
   * positions of a row are {@link Sgemm#BLOCK} floats apart whatever the channel count, so
   * {@link Sgemm#directBlock6} reads six of them at constant offsets from one index per k. (In NHWC they are
   * {@code c} floats apart, a loop invariant C2 cannot fold, and {@link Sgemm#direct6} pays six indexes per k.) The
   * copy is one vector move per pixel and block, against {@code 9 * 2f} multiply-adds per pixel and channel for a
   * 3x3 convolution.
   */
  private static void blockedRows(float[] in, int h, int w, int c, float[] packed, int kh, int kw, int f, int sh,
      int dh, int pt, int pl, int oh, int ow, float[] bias, float[] residual, Activation act, float[] out,
      int outBase, int rStart, int rEnd, int fFrom, int fTo) {
    final int bl = Sgemm.BLOCK;
    int kk = kh * kw * c;
    int kb = kBlock(kk);
    int blocks = (c + bl - 1) / bl;
    int wp = ow + kw - 1; // columns the row's positions reach, from column -pl
    int rowStride = blocks * wp * bl;
    Sgemm.Scratch s = Sgemm.SCRATCH.get();
    int[] koff = s.ints(0, kk);
    for (int ky = 0, k = 0; ky < kh; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        for (int ci = 0; ci < c; ci++) koff[k++] = (ky * dh * blocks + ci / bl) * wp * bl + kx * bl + ci % bl;
      }
    }
    boolean fused = Sgemm.fusesAct(act, residual);
    float lo = fused ? Sgemm.lo(act) : Sgemm.NO_RELU, hi = fused ? Sgemm.hi(act) : Sgemm.NO_CLAMP;
    // output rows per copy: the copy stays about BLOCKED_FLOATS (a large image's rows would leave the caches)
    int span = (kh - 1) * dh + 1;
    int perCopy = Math.max(1, (BLOCKED_FLOATS / rowStride - span) / sh + 1);
    for (int r0 = rStart; r0 < rEnd; ) {
      int img = r0 / oh;
      int r1 = Math.min(Math.min(rEnd, (img + 1) * oh), r0 + perCopy); // rows of this image, one copy's worth
      int y0 = r0 - img * oh;
      int iy0 = y0 * sh - pt;
      int inRows = (r1 - r0 - 1) * sh + (kh - 1) * dh + 1;
      // five positions' slack past the last row: blockRow's partial groups read it
      float[] blk = s.blocked(inRows * rowStride + Sgemm.DR * bl);
      blockCopy(in, h, w, c, img, iy0, inRows, -pl, wp, blk);
      for (int r = r0; r < r1; r++) {
        int base = (r - r0) * sh * rowStride;
        for (int j0 = fFrom; j0 < fTo; j0 += NR) {
          int cOff = (r * ow - outBase) * f + j0;
          for (int k0 = 0; k0 < kk; k0 += kb) {
            int kc = Math.min(kb, kk - k0);
            boolean last = k0 + kc == kk;
            Sgemm.blockRow(blk, base, bl, ow, koff, k0, packed, j0 * kk + k0 * NR, kc, k0 > 0, bias, j0,
                last ? lo : Sgemm.NO_RELU, last ? hi : Sgemm.NO_CLAMP, out, cOff, f, NR, s);
          }
          if (!fused) Sgemm.epilogue(out, cOff, f, ow, NR, null, 0, residual, act, s);
        }
      }
      r0 = r1;
    }
  }

  /** Floats a channel-blocked copy of input rows aims at: 64 KB, within L2 next to the filters. */
  private static final int BLOCKED_FLOATS = 16384;

  /**
   * Whether a block of 8 floats moves as one vector: with the 256-bit species only. Never through another species than
   * {@link Sgemm#S}: a second vector class makes the receiver profiles inside {@code FloatVector} that the kernels
   * rely on bimorphic, and then C2 boxes the vectors of every kernel (see runtime-vector/README.md, "Species").
   */
  private static final boolean BLOCK_VECTORS = Sgemm.BLOCK == Sgemm.VL;

  /**
   * {@code blk[((r * blocks + cb) * wp + x) * 8 + i] = in[img, iy0 + r, ix0 + x, 8cb + i]} for {@code r < rows},
   * {@code x < wp}, zero outside the image and past the last channel.
   */
  private static void blockCopy(float[] in, int h, int w, int c, int img, int iy0, int rows, int ix0, int wp,
      float[] blk) {
    final int bl = Sgemm.BLOCK;
    int blocks = (c + bl - 1) / bl;
    for (int r = 0; r < rows; r++) {
      int iy = iy0 + r;
      int rowOut = r * blocks * wp * bl;
      if (iy < 0 || iy >= h) {
        java.util.Arrays.fill(blk, rowOut, rowOut + blocks * wp * bl, 0f);
        continue;
      }
      int rowIn = (img * h + iy) * w;
      for (int cb = 0; cb < blocks; cb++) {
        int c0 = cb * bl, n = Math.min(bl, c - c0);
        int o = rowOut + cb * wp * bl;
        for (int x = 0; x < wp; x++, o += bl) {
          int ix = ix0 + x;
          if (ix < 0 || ix >= w) {
            for (int i = 0; i < bl; i++) blk[o + i] = 0f;
          } else if (n == bl && BLOCK_VECTORS) {
            FloatVector.fromArray(S, in, (rowIn + ix) * c + c0).intoArray(blk, o);
          } else { // a partial block, or a machine with narrower vectors
            int src = (rowIn + ix) * c + c0;
            for (int i = 0; i < bl; i++) blk[o + i] = i < n ? in[src + i] : 0f;
          }
        }
      }
    }
  }

  /**
   * Whether a {@link #byRows} convolution followed by 2x2 max pooling at stride 2 (no padding, windows inside the
   * convolution's output) runs {@link #rowsPooled}: rows stride and dilation 1 too, and RELU or no activation
   * (monotone, so that it commutes with the maximum).
   */
  static boolean byPooledRows(int h, int w, int c, int kh, int kw, int f, int sh, int sw, int dh, int dw, int pt,
      int pl, int oh, int ow, Activation act, int ph, int pw, int psh, int psw, int ppt, int ppl, int poh, int pow) {
    return byRows(h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow) && sh == 1 && dh == 1
        && (act == Activation.RELU || act == Activation.LINEAR) && ph == 2 && pw == 2 && psh == 2 && psw == 2
        && ppt == 0 && ppl == 0 && 2 * poh <= oh && 2 * pow <= ow;
  }

  /**
   * Pooled rows {@code [r0, r1)} of image {@code img} of a {@link #byPooledRows} convolution and pooling, pixel
   * {@code (r, x)} at {@code out[((img * poh + r) * pow + x) * f]}, filters {@code [fFrom, fTo)}: each pooled pixel
   * is computed by {@link Sgemm#directPool2x2} (a row of them per panel), so the convolution's values never leave
   * the registers.
   */
  static void rowsPooled(float[] in, int h, int w, float[] packed, int kh, int kw, int f, float[] bias,
      Activation act, int poh, int pow, float[] out, int img, int r0, int r1, int fFrom, int fTo) {
    int kk = kh * kw;
    Sgemm.Scratch s = Sgemm.SCRATCH.get();
    int[] koff = tapOffsets(w, 1, kh, kw, 1, 1, 1, s.ints(0, kk));
    float[] b = bias != null ? bias : s.zeros(f);
    float lo = act == Activation.RELU ? 0f : Sgemm.NO_RELU;
    for (int r = r0; r < r1; r++) {
      int rowBase = (img * h + 2 * r) * w; // input row of the window's top convolution row, tap (0, 0)
      int o = ((img * poh + r) * pow) * f;
      for (int j0 = fFrom; j0 < fTo; j0 += NR) {
        if (kh == 3 && kw == 3) Sgemm.directPool2x2k3(in, rowBase, w, packed, j0 * kk, b, j0, lo, out, o + j0, pow, f);
        else Sgemm.directPool2x2(in, rowBase, w, koff, kk, packed, j0 * kk, b, j0, lo, out, o + j0, pow, f);
      }
    }
  }

  /**
   * Output positions {@code [p0, p1)} of the convolution (counted over batch and rows, as in {@link #conv2d}),
   * position {@code p}'s {@code f} values into {@code out[(p - p0) * f]}: a band of rows for
   * {@code VectorKernels.conv2dMaxPool}, whose pooling reads it while it is in cache. No residual. Only filters
   * {@code [fFrom, fTo)} (whole panels) when {@link #byPanels} allows, else all of them.
   */
  static void conv2dPositions(float[] in, int n, int h, int w, int c, float[] packed, int kh, int kw, int f, int sh,
      int sw, int dh, int dw, int pt, int pl, int oh, int ow, int groups, float[] bias, Activation act, float[] out,
      int p0, int p1, int fFrom, int fTo) {
    if (byRows(h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow) && p0 % ow == 0 && p1 % ow == 0) {
      rows(in, h, w, packed, kh, kw, f, sh, dh, oh, ow, bias, null, act, out, p0, p0, p1, fFrom, fTo);
      return;
    }
    if (byBlockedRows(c, f, sw, dw, pt, pl, groups) && p0 % ow == 0 && p1 % ow == 0) {
      blockedRows(in, h, w, c, packed, kh, kw, f, sh, dh, pt, pl, oh, ow, bias, null, act, out, p0, p0 / ow, p1 / ow,
          fFrom, fTo);
      return;
    }
    positions(in, h, w, c, packed, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow, groups, bias, null, act, out, p0, p0,
        p1, tileRows(kh * kw * (c / groups), p1 - p0, 1));
  }

  /**
   * Whether {@link #conv2dPositions} of whole rows can compute a range of filter panels alone (the row kernels can,
   * the tiles of {@link #positions} cannot).
   */
  static boolean byPanels(int h, int w, int c, int kh, int kw, int f, int sh, int sw, int dh, int dw, int pt, int pl,
      int oh, int ow, int groups) {
    return byRows(h, w, c, kh, kw, f, sh, sw, dh, dw, pt, pl, oh, ow) || byBlockedRows(c, f, sw, dw, pt, pl, groups);
  }

  /**
   * Positions {@code [pStart, pEnd)} in tiles of {@code tile}, position {@code p} at {@code out[(p - outBase) * f]}
   * (and the residual at the same index).
   */
  private static void positions(float[] in, int h, int w, int c, float[] packed, int kh, int kw, int f, int sh,
      int sw, int dh, int dw, int pt, int pl, int oh, int ow, int groups, float[] bias, float[] residual,
      Activation act, float[] out, int outBase, int pStart, int pEnd, int tile) {
    int cg = c / groups;
    int fg = f / groups;
    int kk = kh * kw * cg;
    int gs = groupStride(kh, kw, cg, fg);
    int kb = kBlock(kk);
    Sgemm.Scratch s = Sgemm.SCRATCH.get();
    float[] at = s.packedA(tile * kb); // tile is a multiple of MR
    int qs = Sgemm.panels(fg);
    boolean fused = Sgemm.fusesAct(act, residual);
    float lo = fused ? Sgemm.lo(act) : Sgemm.NO_RELU, hi = fused ? Sgemm.hi(act) : Sgemm.NO_CLAMP;
    boolean direct = direct(fg);
    int[] koff = direct ? tapOffsets(w, c, kh, kw, cg, dh, dw, s.ints(0, kk)) : null;
    int[] base = direct ? s.ints(1, tile + DR) : null;
    for (int p0 = pStart; p0 < pEnd; p0 += tile) {
      int np = Math.min(tile, pEnd - p0);
      // rows [0, dRows) read the input directly, rows [dRows, np) from the gathered A tile
      int dRows = direct && interiorBases(h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, p0, np, base, s.walk)
          ? np : 0;
      for (int r = dRows; r % DR != 0; r++) base[r] = base[dRows - 1]; // padding rows: computed, dropped
      int aRows = np - dRows;
      for (int g = 0; g < groups; g++) {
        for (int k0 = 0; k0 < kk; k0 += kb) {
          int kc = Math.min(kb, kk - k0);
          boolean last = k0 + kc == kk;
          if (aRows > 0) {
            if (kw * cg < BY_TAP) {
              gatherByTap(in, h, w, c, kw, cg, g * cg, sh, sw, dh, dw, pt, pl, oh, ow, p0 + dRows, aRows, k0, k0 + kc,
                  at, s.walk);
            } else {
              gather(in, h, w, c, kw, cg, g * cg, sh, sw, dh, dw, pt, pl, oh, ow, p0 + dRows, aRows, k0, k0 + kc, at,
                  s.walk);
            }
            for (int r = aRows; r % MR != 0; r++) zero(at, rowBase(r, kc), kc); // computed by the last group, dropped
          }
          for (int q = 0; q < qs; q++) {
            int j0 = q * NR;
            int wq = Math.min(NR, fg - j0);
            int cOff = (p0 - outBase) * f + g * fg + j0;
            int bOff = g * gs + q * kk * NR + k0 * NR;
            int biasOff = g * fg + j0;
            float storeLo = last ? lo : Sgemm.NO_RELU, storeHi = last ? hi : Sgemm.NO_CLAMP;
            // bias enters as the first k block's start values, RELU or RELU6 as the last one's store
            if (dRows > 0) {
              Sgemm.blockDirect(in, base, dRows, g * cg, koff, k0, packed, bOff, kc, k0 > 0, bias, biasOff, storeLo,
                  storeHi, out, cOff, f, wq, s);
            }
            Sgemm.block(at, 0, aRows, packed, bOff, kc, k0 > 0, bias, biasOff, storeLo, storeHi, out, cOff + dRows * f,
                f, wq, s);
            if (last && !fused) Sgemm.epilogue(out, cOff, f, np, wq, null, 0, residual, act, s);
          }
        }
      }
    }
  }

  /** Whether tiles whose taps are all inside the image take {@link Sgemm#direct6}: it stores whole panels. */
  static boolean direct(int fg) {
    return fg % NR == 0;
  }

  /**
   * The input with its padding made real, {@code [n, hp, wp, c]} with each image at row {@code pt}, column {@code pl}
   * and zeros around it, in the caller's scratch ({@code hp >= h + pt}, {@code wp >= w + pl}). Then every tap of
   * every output position is inside and all tiles take {@link Sgemm#direct6}; the copy is one pass over the input,
   * small next to the convolution (k multiply-adds per output value).
   */
  static float[] pad(float[] in, int n, int h, int w, int c, int pt, int pl, int hp, int wp, Sgemm.Scratch s) {
    float[] p = s.padded(n * hp * wp * c);
    int row = w * c, rowP = wp * c;
    for (int img = 0; img < n; img++) {
      int base = img * hp * rowP;
      java.util.Arrays.fill(p, base, base + pt * rowP, 0f);
      for (int y = 0; y < h; y++) {
        int o = base + (pt + y) * rowP;
        java.util.Arrays.fill(p, o, o + pl * c, 0f);
        System.arraycopy(in, (img * h + y) * row, p, o + pl * c, row);
        java.util.Arrays.fill(p, o + pl * c + row, o + rowP, 0f);
      }
      java.util.Arrays.fill(p, base + (pt + h) * rowP, base + hp * rowP, 0f);
    }
    return p;
  }

  /** {@code koff[k]}: input offset of reduction index {@code k = (ky*kw + kx)*cg + ci} from its position's tap 0. */
  private static int[] tapOffsets(int w, int c, int kh, int kw, int cg, int dh, int dw, int[] koff) {
    int k = 0;
    for (int ky = 0; ky < kh; ky++) {
      for (int kx = 0; kx < kw; kx++) {
        int o = (ky * dh * w + kx * dw) * c;
        for (int ci = 0; ci < cg; ci++) koff[k++] = o + ci;
      }
    }
    return koff;
  }

  /**
   * Whether every tap of positions {@code p0 .. p0+np} is inside the image (then {@code base[r]} is the input index of
   * position {@code p0 + r}'s tap (0, 0), channel 0).
   */
  private static boolean interiorBases(int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw, int pt,
      int pl, int oh, int ow, int p0, int np, int[] base, Walk walk) {
    Walk pos = walk.start(p0, h, oh, ow, sh, sw, pt, pl);
    int spanY = (kh - 1) * dh, spanX = (kw - 1) * dw;
    for (int r = 0; r < np; r++, pos.next()) {
      if (pos.iy < 0 || pos.iy + spanY >= h || pos.ix < 0 || pos.ix + spanX >= w) return false;
      base[r] = ((pos.imgRow + pos.iy) * w + pos.ix) * c;
    }
    return true;
  }

  /**
   * {@code at[rowBase(r, k1 - k0) + (k - k0) * MR] = in[img, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, cOff + ci]} (A
   * packed for {@link Sgemm#block}) for the positions {@code p0 + r} ({@code r < np}) and
   * {@code k0 <= k = (ky*kw + kx)*cg + ci < k1}, zero outside the image.
   * Positions are walked incrementally and the work is split by kernel row: with one group and no horizontal
   * dilation a kernel row's {@code kw*c} values are one contiguous run of the NHWC input (one copy, not {@code kw*c}
   * copies when c = 1); at the left and right borders, with groups or dilation, it is copied in runs of {@code cg}.
   */
  private static void gather(float[] in, int h, int w, int c, int kw, int cg, int cOff, int sh, int sw, int dh,
      int dw, int pt, int pl, int oh, int ow, int p0, int np, int k0, int k1, float[] at, Walk walk) {
    int kc = k1 - k0;
    int rowLen = kw * cg; // k values per kernel row
    int ky0 = k0 / rowLen, ky1 = (k1 - 1) / rowLen + 1; // the kernel rows in this k block
    boolean contiguous = cg == c && dw == 1;
    int span = (kw - 1) * dw; // columns from a kernel row's first tap to its last
    Walk pos = walk.start(p0, h, oh, ow, sh, sw, pt, pl);
    for (int r = 0; r < np; r++, pos.next()) {
      int iy0 = pos.iy, ix0 = pos.ix, imgRow = pos.imgRow;
      int dst = rowBase(r, kc) - k0 * MR; // at index of k = 0 for this position
      boolean insideX = ix0 >= 0 && ix0 + span < w;
      for (int ky = ky0; ky < ky1; ky++) {
        int rk = ky * rowLen; // k of the row's first value
        int lo = Math.max(k0, rk), hi = Math.min(k1, rk + rowLen);
        int iy = iy0 + ky * dh;
        if (iy < 0 || iy >= h) {
          zero(at, dst + lo * MR, hi - lo);
        } else if (contiguous && insideX) {
          copy(in, ((imgRow + iy) * w + ix0) * c - rk + lo, at, dst + lo * MR, hi - lo);
        } else {
          int pix = (imgRow + iy) * w + ix0; // pixel of tap kx = 0 (may be outside the row)
          for (int kx = 0, ix = ix0, kr = rk; kx < kw; kx++, ix += dw, pix += dw, kr += cg) {
            int a = Math.max(lo, kr), b = Math.min(hi, kr + cg);
            if (a >= b) continue;
            if (ix >= 0 && ix < w) {
              copy(in, pix * c + cOff - kr + a, at, dst + a * MR, b - a);
            } else {
              zero(at, dst + a * MR, b - a);
            }
          }
        }
      }
    }
  }

  /** Kernel rows ({@code kw*cg} values) shorter than this are gathered by tap. */
  private static final int BY_TAP = 16;

  /**
   * {@link #gather} for few channels per group ({@code kw*cg < BY_TAP}), where copying per position and kernel row
   * moves only a few floats per copy: here the positions of one output row are walked once per tap instead, a strided
   * loop with no per-value call (c = 1: one load and one store per value).
   */
  private static void gatherByTap(float[] in, int h, int w, int c, int kw, int cg, int cOff, int sh, int sw,
      int dh, int dw, int pt, int pl, int oh, int ow, int p0, int np, int k0, int k1, float[] at, Walk walk) {
    int kc = k1 - k0;
    int rowLen = kw * cg;
    int ky0 = k0 / rowLen, ky1 = (k1 - 1) / rowLen + 1;
    int step = sw * c; // input floats from one output position to the next in a row
    Walk pos = walk.start(p0, h, oh, ow, sh, sw, pt, pl);
    for (int r = 0; r < np; ) {
      int seg = Math.min(np - r, ow - pos.ox); // positions r .. r+seg share the image and output row
      int iy0 = pos.iy, ix0 = pos.ix, imgRow = pos.imgRow;
      for (int ky = ky0; ky < ky1; ky++) {
        int iy = iy0 + ky * dh;
        boolean rowInside = iy >= 0 && iy < h;
        for (int kx = 0; kx < kw; kx++) {
          int kr = (ky * kw + kx) * cg; // k of the tap's first channel
          int a = Math.max(k0, kr), b = Math.min(k1, kr + cg);
          if (a >= b) continue;
          int len = b - a;
          int d = (a - k0) * MR; // at index of (position r + i, k = a) from rowBase(r + i, kc)
          int ix = ix0 + kx * dw; // input column of position r
          int src = ((imgRow + iy) * w + ix) * c + cOff - kr + a; // in index of (position r, k = a)
          // positions iLo <= i < iHi read inside the image (one division per tap and row, none per value)
          int iLo = seg, iHi = seg;
          if (rowInside) {
            iLo = ix >= 0 ? 0 : Math.min(seg, (sw - 1 - ix) / sw);
            iHi = ix >= w ? 0 : Math.min(seg, (w - ix + sw - 1) / sw);
            if (iHi < iLo) iHi = iLo;
          }
          for (int i = 0; i < iLo; i++) zero(at, rowBase(r + i, kc) + d, len);
          if (len == 1) {
            for (int i = iLo; i < iHi; i++) at[rowBase(r + i, kc) + d] = in[src + i * step];
          } else {
            for (int i = iLo; i < iHi; i++) copy(in, src + i * step, at, rowBase(r + i, kc) + d, len);
          }
          for (int i = iHi; i < seg; i++) zero(at, rowBase(r + i, kc) + d, len);
        }
      }
      r += seg;
      pos.nextRow();
    }
  }

  /** Where position {@code r} of a tile packed {@code kc} deep starts: its value at k is {@code MR} further per k. */
  static int rowBase(int r, int kc) {
    return r / MR * MR * kc + r % MR;
  }

  /** Copies {@code len} consecutive floats into one row of packed A: {@code dst[to + i * MR] = src[from + i]}. */
  private static void copy(float[] src, int from, float[] dst, int to, int len) {
    for (int i = 0; i < len; i++) dst[to + i * MR] = src[from + i];
  }

  /** Zeros {@code len} values of one row of packed A from {@code to}. */
  private static void zero(float[] dst, int to, int len) {
    for (int i = 0; i < len; i++) dst[to + i * MR] = 0f;
  }

  /**
   * Output positions in order (image, row {@code oy}, column {@code ox}) with the input row {@code iy} and column
   * {@code ix} of their tap (0, 0) and the first input row {@code imgRow} of their image (in rows of the whole batch):
   * divisions only in {@link #start}. Kept in the per-thread scratch.
   */
  static final class Walk {
    int ox, oy, ix, iy, imgRow;
    private int h, oh, ow, sh, pt, sw, pl;

    Walk start(int p, int h, int oh, int ow, int sh, int sw, int pt, int pl) {
      this.h = h;
      this.oh = oh;
      this.ow = ow;
      this.sh = sh;
      this.sw = sw;
      this.pt = pt;
      this.pl = pl;
      int spatial = oh * ow;
      int img = p / spatial;
      int rem = p - img * spatial;
      oy = rem / ow;
      ox = rem - oy * ow;
      imgRow = img * h;
      iy = oy * sh - pt;
      ix = ox * sw - pl;
      return this;
    }

    void next() {
      if (++ox < ow) {
        ix += sw;
      } else {
        nextRow();
      }
    }

    /** To column 0 of the next output row. */
    void nextRow() {
      ox = 0;
      ix = -pl;
      iy += sh;
      if (++oy == oh) {
        oy = 0;
        iy = -pt;
        imgRow += h;
      }
    }
  }

  // ---- depthwise -----------------------------------------------------------------------------------------

  /** Part {@code part} of a depthwise convolution with multiplier 1: output rows split into ranges, {@link VDepthwise}. */
  static void depthwise(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int sh, int sw,
      int dh, int dw, int pt, int pl, int oh, int ow, float[] bias, Activation act, float[] out, int part,
      int parts) {
    int rows = n * oh;
    VDepthwise.rows(in, h, w, c, kernel, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, bias, act, out,
        Sgemm.split(rows, part, parts), Sgemm.split(rows, part + 1, parts));
  }
}

package dev.kiln.vector;

import static dev.kiln.vector.Sgemm.NR;
import static dev.kiln.vector.Sgemm.S;
import static dev.kiln.vector.Sgemm.VL;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.SUB;

import dev.kiln.Activation;
import dev.kiln.kernels.ConvCall;
import dev.kiln.kernels.WorkerPool;
import jdk.incubator.vector.FloatVector;

/**
 * A 3x3 stride-1 convolution followed by 2x2 stride-2 max pooling, by Winograd's minimal filtering F(2x2, 3x3) (Lavin
 * and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), as XNNPACK, oneDNN and cuDNN do: each pooling
 * window is one 2x2 output tile, computed from its 4x4 input patch with 16 multiplications per (input, output)
 * channel pair where the direct convolution needs 36. The tile's four outputs are pooled in registers and never
 * stored.
 *
 * <p>Per block of {@link #TILES} tiles: the input transform {@code V = B^T d B} of each tile's patch (channels in
 * the vector lanes) into {@code v[(e * TILES + r) * c + ch]} for the 16 elements {@code e}; then for each element a
 * {@code [TILES x c] x [c x f]} product with the transformed weights {@code U = G g G^T} (made once, when the
 * session packs the kernel, see {@link #appendWeights}), into {@code m[(e * TILES + r) * NR + j]} one column panel
 * at a time; then the output transform {@code Y = A^T M A}, the maximum of its four values, bias and RELU.
 *
 * <p>Numerics: the transforms only add and subtract (the weight transform halves, exactly), so the result differs
 * from the direct convolution by rounding of the same order (the tests compare both against a double-precision
 * reference). An infinite input can give NaN where the direct convolution gives an infinity: the transforms add and
 * subtract it with both signs. Used only for whole 2x2 windows without pooling padding, channels and filters in
 * whole vectors, RELU or no activation, no residual ({@link #applies}); everything else takes {@link VConv}.
 *
 * <p>Vector arithmetic is written {@code lanewise(ADD, ..)}, not {@code add(..)}: {@code add} is a small
 * {@code FloatVector} method whose own call of the abstract {@code lanewise} has one receiver profile for the whole
 * JVM; where C2 finds no usable profile it does not inline the call and boxes the vectors (the output transform
 * allocated 64 bytes per call that way in {@code AllocationTest} after {@code VectorKernelsTest}). Called from here,
 * the profile is this method's.
 */
final class Winograd {
  private Winograd() {}

  /** Tiles per block: the rows of the product's register tile (12 accumulators with two vectors of filters). */
  static final int TILES = 6;

  /** Whether a convolution's packing carries the transformed weights: 3x3, one group, whole vectors of channels. */
  static boolean packs(int kh, int kw, int c, int f, int groups) {
    return kh == 3 && kw == 3 && groups == 1 && c > 0 && c % VL == 0 && f > 0 && f % VL == 0;
  }

  /** Floats of the transformed weights: 16 elements x {@code c} x the filters' panels. */
  static int length(int c, int f) {
    return 16 * c * Sgemm.panels(f) * NR;
  }

  /** Where the transformed weights start in {@code packed} (after the GEMM panels), or -1 when it has none. */
  static int offset(float[] packed, int kh, int kw, int c, int f, int groups) {
    if (!packs(kh, kw, c, f, groups)) return -1;
    int panels = VConv.groupStride(kh, kw, c, f);
    return packed.length == panels + length(c, f) ? panels : -1;
  }

  /** Whether {@link PooledTask} computes this convolution + max pooling (the caller checks it first). */
  static boolean applies(float[] packed, int kh, int kw, int c, int f, int sh, int sw, int dh, int dw, int pt,
      int pl, int oh, int ow, int groups, Activation act, int ph, int pw, int psh, int psw, int ppt, int ppl, int poh,
      int pow) {
    return sh == 1 && sw == 1 && dh == 1 && dw == 1 && pt >= 0 && pl >= 0
        && (act == Activation.LINEAR || act == Activation.RELU)
        && ph == 2 && pw == 2 && psh == 2 && psw == 2 && ppt == 0 && ppl == 0 && 2 * poh <= oh && 2 * pow <= ow
        && offset(packed, kh, kw, c, f, groups) >= 0;
  }

  /**
   * Writes {@code U = G g G^T} of the HWIO {@code [3, 3, c, f]} kernel into {@code dst} from {@code off}: per panel
   * {@code q} of {@link Sgemm#NR} filters, element {@code e}, input channel {@code ci}, the panel's filters at
   * {@code dst[off + ((q * 16 + e) * c + ci) * NR + j]}, zero past {@code f}. Computed in double, rounded once.
   */
  static void appendWeights(float[] kernel, int c, int f, float[] dst, int off) {
    double[] g = new double[9];
    double[] t = new double[12], row = new double[4];
    for (int ci = 0; ci < c; ci++) {
      for (int co = 0; co < f; co++) {
        for (int tap = 0; tap < 9; tap++) g[tap] = kernel[(tap * c + ci) * f + co];
        for (int kx = 0; kx < 3; kx++) { // G g along ky: rows g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
          double g0 = g[kx], g1 = g[3 + kx], g2 = g[6 + kx];
          t[kx] = g0;
          t[3 + kx] = (g0 + g1 + g2) / 2;
          t[6 + kx] = (g0 - g1 + g2) / 2;
          t[9 + kx] = g2;
        }
        int q = co / NR, j = co - q * NR;
        for (int i = 0; i < 4; i++) { // then along kx
          double g0 = t[3 * i], g1 = t[3 * i + 1], g2 = t[3 * i + 2];
          row[0] = g0;
          row[1] = (g0 + g1 + g2) / 2;
          row[2] = (g0 - g1 + g2) / 2;
          row[3] = g2;
          for (int jj = 0; jj < 4; jj++) dst[off + ((q * 16 + 4 * i + jj) * c + ci) * NR + j] = (float) row[jj];
        }
      }
    }
  }

  /** Per-thread scratch: a block's transformed inputs, its products, and a zero-padded patch for border tiles. */
  private static final class Scratch {
    float[] v = new float[0], patch = new float[0];
    final float[] m = new float[16 * TILES * NR];

    float[] v(int c) {
      if (v.length < 16 * TILES * c) v = new float[16 * TILES * c];
      return v;
    }

    float[] patch(int c) {
      if (patch.length < 16 * c) patch = new float[16 * c];
      return patch;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * The call's units, split over threads: blocks of {@link #TILES} tiles (pooled pixels, numbered over the batch),
   * times ranges of filter panels when the blocks are too few to share (the small CNN's conv2 at batch 1: 25 tiles,
   * 5 blocks; two panel ranges split 1:1 where blocks would split 3:2 and leave one 6-tile block with one tile).
   * Units run panel range major, so a thread's blocks transform their input once.
   */
  static final class PooledTask extends ConvCall implements WorkerPool.Task {
    private int poh, pow, weights, blocks, fParts;

    /** Sets the pooling and the split for {@code parts} threads; call after {@link #set}. */
    void pool(int poh, int pow, int parts) {
      this.poh = poh;
      this.pow = pow;
      weights = offset(packed, kh, kw, c, f, groups);
      blocks = (n * poh * pow + TILES - 1) / TILES;
      int panels = Sgemm.panels(f);
      fParts = parts > 1 && blocks < 4 * parts ? Math.min(panels, parts) : 1;
    }

    int units() {
      return blocks * fParts;
    }

    @Override
    public void run(int part, int parts) {
      int total = units();
      int u0 = Sgemm.split(total, part, parts), u1 = Sgemm.split(total, part + 1, parts);
      int panels = Sgemm.panels(f);
      float lo = act == Activation.RELU ? 0f : Sgemm.NO_RELU;
      Scratch s = SCRATCH.get();
      float[] v = s.v(c);
      // no bias: zeros, so that the output transform has no vector-valued branch (see README: C2 boxes at a merge)
      float[] b = bias != null ? bias : Sgemm.ZEROS;
      for (int u = u0; u < u1; u++) {
        int fp = u / blocks, block = u - fp * blocks;
        int q0 = Sgemm.split(panels, fp, fParts), q1 = Sgemm.split(panels, fp + 1, fParts);
        int t0 = block * TILES, count = Math.min(TILES, n * poh * pow - t0);
        transformInputs(in, h, w, c, pt, pl, poh, pow, t0, count, v, s);
        for (int q = q0; q < q1; q++) {
          int uq = weights + q * 16 * c * NR;
          for (int e = 0; e < 16; e++) multiply(v, e * TILES * c, c, packed, uq + e * c * NR, s.m, e * TILES * NR);
          int jEnd = Math.min(NR, f - q * NR);
          for (int r = 0; r < count; r++) {
            for (int j = 0; j < jEnd; j += VL) {
              transformOutput(s.m, r * NR + j, b, bias != null ? q * NR + j : j, lo, out, (t0 + r) * f + q * NR + j);
            }
          }
        }
      }
    }
  }

  /** Input transforms of tiles {@code t0 .. t0 + count}; border tiles go through a zero-padded copy of their patch. */
  private static void transformInputs(float[] in, int h, int w, int c, int pt, int pl, int poh, int pow, int t0,
      int count, float[] v, Scratch s) {
    for (int r = 0; r < count; r++) {
      int t = t0 + r, img = t / (poh * pow), p = t - img * poh * pow, py = p / pow, px = p - py * pow;
      int y0 = 2 * py - pt, x0 = 2 * px - pl;
      if (y0 >= 0 && y0 + 4 <= h && x0 >= 0 && x0 + 4 <= w) {
        transformInput(in, ((img * h + y0) * w + x0) * c, w * c, c, v, r * c);
      } else {
        float[] patch = s.patch(c);
        for (int i = 0; i < 4; i++) {
          for (int j = 0; j < 4; j++) {
            int y = y0 + i, x = x0 + j, o = (i * 4 + j) * c;
            if (y >= 0 && y < h && x >= 0 && x < w) System.arraycopy(in, ((img * h + y) * w + x) * c, patch, o, c);
            else java.util.Arrays.fill(patch, o, o + c, 0f);
          }
        }
        transformInput(patch, 0, 4 * c, c, v, r * c);
      }
    }
  }

  /**
   * {@code V = B^T d B} of the 4x4 patch whose pixel (i, j) has its channels at {@code in[base + i * rs + j * c]},
   * element {@code e = 4 i + j} stored at {@code v[vOff + e * TILES * c + ch]}. {@code B^T} rows: (1, 0, -1, 0),
   * (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1).
   *
   * <p>Two passes through {@code v}, each a loop over four rows or columns, not the whole patch unrolled by hand:
   * after other kernels had run in the JVM, C2 found no receiver profile at some of the unrolled call sites, did not
   * inline them and boxed their vectors. In loops each site runs four times per call and always has a profile.
   */
  static void transformInput(float[] in, int base, int rs, int c, float[] v, int vOff) {
    int es = TILES * c;
    for (int ch = 0; ch < c; ch += VL) {
      // along x, row by row, into v: (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
      for (int i = 0, o = base + ch, d = vOff + ch; i < 4; i++, o += rs, d += 4 * es) {
        FloatVector a0 = FloatVector.fromArray(S, in, o), a1 = FloatVector.fromArray(S, in, o + c);
        FloatVector a2 = FloatVector.fromArray(S, in, o + 2 * c), a3 = FloatVector.fromArray(S, in, o + 3 * c);
        a0.lanewise(SUB, a2).intoArray(v, d);
        a1.lanewise(ADD, a2).intoArray(v, d + es);
        a2.lanewise(SUB, a1).intoArray(v, d + 2 * es);
        a1.lanewise(SUB, a3).intoArray(v, d + 3 * es);
      }
      // then along y, column by column, in place
      for (int j = 0, d = vOff + ch; j < 4; j++, d += es) {
        FloatVector r0 = FloatVector.fromArray(S, v, d), r1 = FloatVector.fromArray(S, v, d + 4 * es);
        FloatVector r2 = FloatVector.fromArray(S, v, d + 8 * es), r3 = FloatVector.fromArray(S, v, d + 12 * es);
        r0.lanewise(SUB, r2).intoArray(v, d);
        r1.lanewise(ADD, r2).intoArray(v, d + 4 * es);
        r2.lanewise(SUB, r1).intoArray(v, d + 8 * es);
        r1.lanewise(SUB, r3).intoArray(v, d + 12 * es);
      }
    }
  }

  /**
   * One element's product for a block: {@code m[mOff + r * NR + j] = sum over ch of v[vOff + r * c + ch] *
   * u[uOff + ch * NR + j]}, {@code r < TILES}, {@code j < NR}. The shape of {@link Sgemm#kernel6}, but A's rows
   * are {@code c} apart here: the input transform stores whole channel vectors per tile, and {@code kernel6}'s
   * packed layout (six rows interleaved per k) would need a scattered store of every lane.
   */
  static void multiply(float[] v, int vOff, int c, float[] u, int uOff, float[] m, int mOff) {
    FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
        c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    int c2 = 2 * c, c3 = 3 * c, c4 = 4 * c, c5 = 5 * c;
    for (int vi = vOff, vEnd = vOff + c, ui = uOff; vi < vEnd; vi++, ui += NR) {
      FloatVector b0 = FloatVector.fromArray(S, u, ui);
      FloatVector b1 = FloatVector.fromArray(S, u, ui + VL);
      FloatVector x = FloatVector.broadcast(S, v[vi]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, v[vi + c]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, v[vi + c2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, v[vi + c3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, v[vi + c4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, v[vi + c5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
    }
    c00.intoArray(m, mOff);
    c01.intoArray(m, mOff + VL);
    c10.intoArray(m, mOff + NR);
    c11.intoArray(m, mOff + NR + VL);
    c20.intoArray(m, mOff + 2 * NR);
    c21.intoArray(m, mOff + 2 * NR + VL);
    c30.intoArray(m, mOff + 3 * NR);
    c31.intoArray(m, mOff + 3 * NR + VL);
    c40.intoArray(m, mOff + 4 * NR);
    c41.intoArray(m, mOff + 4 * NR + VL);
    c50.intoArray(m, mOff + 5 * NR);
    c51.intoArray(m, mOff + 5 * NR + VL);
  }

  /**
   * {@code Y = A^T M A} of one tile ({@code M}'s element {@code e} at {@code m[mOff + e * TILES * NR]}), then
   * {@code max(max of Y + bias, lo)} into {@code out[o]}. {@code A^T} rows: (1, 1, 1, 0), (0, 1, -1, -1). The bias is
   * added after the maximum, which gives the same floats: adding a constant and {@code max(x, lo)} are monotone.
   */
  static void transformOutput(float[] m, int mOff, float[] bias, int biasOff, float lo, float[] out, int o) {
    int es = TILES * NR;
    FloatVector s00 = FloatVector.fromArray(S, m, mOff), s01 = FloatVector.fromArray(S, m, mOff + es);
    FloatVector s02 = FloatVector.fromArray(S, m, mOff + 2 * es), s03 = FloatVector.fromArray(S, m, mOff + 3 * es);
    FloatVector s10 = FloatVector.fromArray(S, m, mOff + 4 * es), s11 = FloatVector.fromArray(S, m, mOff + 5 * es);
    FloatVector s12 = FloatVector.fromArray(S, m, mOff + 6 * es), s13 = FloatVector.fromArray(S, m, mOff + 7 * es);
    FloatVector x0 = FloatVector.fromArray(S, m, mOff + 8 * es), x1 = FloatVector.fromArray(S, m, mOff + 9 * es);
    FloatVector x2 = FloatVector.fromArray(S, m, mOff + 10 * es), x3 = FloatVector.fromArray(S, m, mOff + 11 * es);
    // along y: row 0 = m0 + m1 + m2, row 1 = m1 - m2 - m3
    FloatVector t00 = s00.lanewise(ADD, s10).lanewise(ADD, x0), t01 = s01.lanewise(ADD, s11).lanewise(ADD, x1);
    FloatVector t02 = s02.lanewise(ADD, s12).lanewise(ADD, x2), t03 = s03.lanewise(ADD, s13).lanewise(ADD, x3);
    FloatVector t10 = s10.lanewise(SUB, x0), t11 = s11.lanewise(SUB, x1);
    FloatVector t12 = s12.lanewise(SUB, x2), t13 = s13.lanewise(SUB, x3);
    t10 = t10.lanewise(SUB, FloatVector.fromArray(S, m, mOff + 12 * es));
    t11 = t11.lanewise(SUB, FloatVector.fromArray(S, m, mOff + 13 * es));
    t12 = t12.lanewise(SUB, FloatVector.fromArray(S, m, mOff + 14 * es));
    t13 = t13.lanewise(SUB, FloatVector.fromArray(S, m, mOff + 15 * es));
    // along x, the same
    FloatVector y00 = t00.lanewise(ADD, t01).lanewise(ADD, t02), y01 = t01.lanewise(SUB, t02).lanewise(SUB, t03);
    FloatVector y10 = t10.lanewise(ADD, t11).lanewise(ADD, t12), y11 = t11.lanewise(SUB, t12).lanewise(SUB, t13);
    FloatVector y = y00.lanewise(MAX, y01).lanewise(MAX, y10.lanewise(MAX, y11));
    y = y.lanewise(ADD, FloatVector.fromArray(S, bias, biasOff));
    y.blend(lo, y.compare(LE, lo)).intoArray(out, o);
  }
}

package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.SUB;

import dev.kiln.kernels.PackedWeights;
import dev.kiln.kernels.RecurrentCell;
import jdk.incubator.vector.FloatVector;

/**
 * The vector {@code recurrentStep}: the recurrent product of a step and the cell, in one call. The recurrent kernel is
 * packed once into panels whose rows hold {@link Packed#width} vectors: for an LSTM the four gates of one block of
 * {@link Sgemm#VL} units (in the order i, f, o, c, so that the three gates with the recurrent activation lie side by
 * side once computed), for a GRU its three gates z, r, h, for a SimpleRNN four blocks of units. Each panel is read once
 * per step, front to back, for every row of the batch (two rows at a time, the rows' states packed k-major first; one
 * row reads its state in place), its products stored gate by gate into working rows ({@code z}: per gate slot, per
 * row, every unit); then the cell runs over those rows while they are in cache: the input projection added, each gate
 * group's activation over the whole group in one vector loop, the states updated.
 *
 * <p>Cells whose units are not a multiple of the vector length, and GRUs with {@code resetAfter} false (a second
 * product that needs {@code r} first), keep the pure-Java step ({@link VectorKernels#packRecurrentKernel} packs them for
 * it).
 */
final class VRecurrent {
  private VRecurrent() {}

  private static final int VL = Sgemm.VL;
  /** LSTM gate order in a panel: i, f, o, c (Keras blocks 0, 1, 3, 2). */
  private static final int[] LSTM_GATES = {0, 1, 3, 2};

  /** A recurrent kernel packed for {@link #step}. */
  static final class Packed extends PackedWeights {
    final float[] data;
    final RecurrentCell.Kind kind;
    final int units;
    /** Vectors per panel row: 4 (LSTM, SimpleRNN) or 3 (GRU). */
    final int width;
    final int panels;

    Packed(float[] data, RecurrentCell.Kind kind, int units, int width, int panels) {
      super("vector");
      this.data = data;
      this.kind = kind;
      this.units = units;
      this.width = width;
      this.panels = panels;
    }

    @Override
    public String toString() {
      return "VRecurrent.Packed[" + kind + ", " + units + " units]";
    }
  }

  /** Whether {@link #step} runs this cell (else the pure-Java step does). */
  static boolean supports(RecurrentCell cell) {
    switch (cell.kind()) {
      case LSTM:
      case GRU:
        return cell.units() % VL == 0;
      case SIMPLE_RNN:
        return cell.units() % (4 * VL) == 0; // whole panels of four unit blocks
      default:
        return false;
    }
  }

  /** The gate block (Keras order) of vector {@code v} of a panel row. */
  private static int gate(RecurrentCell.Kind kind, int v) {
    switch (kind) {
      case LSTM: return LSTM_GATES[v];
      case GRU: return v;
      default: return 0;
    }
  }

  /** The unit block of vector {@code v} of panel {@code q}. */
  private static int unitBlock(RecurrentCell.Kind kind, int q, int v) {
    return kind == RecurrentCell.Kind.SIMPLE_RNN ? 4 * q + v : q;
  }

  /** Packs a recurrent kernel {@code [units, gates * units]} (Keras' layout) for {@link #step}. */
  static Packed pack(float[] kernel, RecurrentCell cell) {
    RecurrentCell.Kind kind = cell.kind();
    int u = cell.units();
    int n = cell.gates() * u;
    if (kernel.length < u * n) {
      throw new IllegalArgumentException("VectorKernels.packRecurrentKernel: " + kernel.length + " values, expected "
          + u + "x" + n);
    }
    int blocks = u / VL;
    int width = kind == RecurrentCell.Kind.GRU ? 3 : 4;
    int panels = kind == RecurrentCell.Kind.SIMPLE_RNN ? blocks / 4 : blocks;
    float[] data = new float[panels * u * width * VL];
    for (int q = 0; q < panels; q++) {
      for (int v = 0; v < width; v++) {
        int ub = unitBlock(kind, q, v);
        int column = gate(kind, v) * u + ub * VL;
        for (int p = 0; p < u; p++) {
          System.arraycopy(kernel, p * n + column, data, ((q * u + p) * width + v) * VL, VL);
        }
      }
    }
    return new Packed(data, kind, u, width, panels);
  }

  /** See {@code KernelSet.recurrentStep}; {@code cell} must be one {@link #supports}. */
  static void step(RecurrentCell cell, Packed packed, int rows, float[] xw, int xwOffset, int xwStride, int[] mask,
      int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int work, Sgemm.Scratch scratch) {
    int u = cell.units();
    if (packed.units != u || packed.kind != cell.kind()) {
      throw new IllegalArgumentException("VectorKernels.recurrentStep: weights packed for " + packed + ", called for "
          + cell);
    }
    int z = work;
    int hp = z + rows * cell.gates() * u; // the rows' states, two by two, k-major
    product(packed, rows, s, hIn, hp, z);
    switch (cell.kind()) {
      case LSTM:
        lstm(cell, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn, hOut, c, z, scratch);
        break;
      case GRU:
        gru(cell, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn, hOut, z, scratch);
        break;
      default:
        simpleRnn(cell, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn, hOut, z, scratch);
    }
  }

  private static boolean masked(int[] mask, int at) {
    return mask != null && mask[at] == 0;
  }

  // ---- the product -------------------------------------------------------------------------------------------

  /**
   * {@code h · U} for every row into {@code s[z ..)}: row {@code r}, gate slot {@code g} (the gate's place in the panel
   * order), unit {@code j} at {@code z + (r * slots + g) * units + j}. Panel by panel, so that each is read from cache
   * once per step, the kernels storing straight into those rows.
   */
  private static void product(Packed p, int rows, float[] s, int hIn, int hp, int z) {
    int u = p.units;
    int pairs = rows / 2;
    for (int b = 0; b < pairs; b++) { // the states two rows at a time, k-major; an odd last row is read in place
      int src0 = hIn + 2 * b * u, src1 = src0 + u, dst = hp + 2 * b * u;
      for (int k = 0; k < u; k++) {
        s[dst + 2 * k] = s[src0 + k];
        s[dst + 2 * k + 1] = s[src1 + k];
      }
    }
    boolean simple = p.kind == RecurrentCell.Kind.SIMPLE_RNN;
    int slots = simple ? 1 : p.width;
    int rowStride = slots * u;
    int vectorStride = simple ? VL : u; // a SimpleRNN's panel holds four unit blocks of its one gate
    int panelFloats = u * p.width * VL;
    for (int q = 0; q < p.panels; q++) {
      int b0 = q * panelFloats;
      int out = z + (simple ? 4 * q : q) * VL;
      for (int b = 0; b < pairs; b++) {
        int o = out + 2 * b * rowStride;
        if (p.width == 4) rows2x4(s, hp + 2 * b * u, u, p.data, b0, s, o, vectorStride, rowStride);
        else rows2x3(s, hp + 2 * b * u, u, p.data, b0, s, o, vectorStride, rowStride);
      }
      if ((rows & 1) != 0) {
        int o = out + (rows - 1) * rowStride;
        if (p.width == 4) row1x4(s, hIn + (rows - 1) * u, u, p.data, b0, s, o, vectorStride);
        else row1x3(s, hIn + (rows - 1) * u, u, p.data, b0, s, o, vectorStride);
      }
    }
  }

  /**
   * One row (its state read in place) times one panel of four vectors: eight chains, k unrolled by two. Every index is
   * the loop variable times a power of two plus an invariant, which C2 bounds-checks once per loop; with the panel's
   * index as a second induction variable it checked it in every step, and the kernel ran at about half the speed.
   */
  static void row1x4(float[] a, int aOff, int k, float[] b, int bOff, float[] c, int cOff, int vs) {
    FloatVector c0 = FloatVector.zero(Sgemm.S), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
    int p = 0;
    for (; p + 2 <= k; p += 2) {
      int bi = bOff + p * (4 * VL);
      FloatVector x = FloatVector.broadcast(Sgemm.S, a[aOff + p]);
      c0 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + VL), c1);
      c2 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + 2 * VL), c2);
      c3 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + 3 * VL), c3);
      FloatVector y = FloatVector.broadcast(Sgemm.S, a[aOff + p + 1]);
      d0 = y.fma(FloatVector.fromArray(Sgemm.S, b, bi + 4 * VL), d0);
      d1 = y.fma(FloatVector.fromArray(Sgemm.S, b, bi + 5 * VL), d1);
      d2 = y.fma(FloatVector.fromArray(Sgemm.S, b, bi + 6 * VL), d2);
      d3 = y.fma(FloatVector.fromArray(Sgemm.S, b, bi + 7 * VL), d3);
    }
    if (p < k) {
      int bi = bOff + p * 4 * VL;
      FloatVector x = FloatVector.broadcast(Sgemm.S, a[aOff + p]);
      c0 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + VL), c1);
      c2 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + 2 * VL), c2);
      c3 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + 3 * VL), c3);
    }
    c0.lanewise(ADD, d0).intoArray(c, cOff);
    c1.lanewise(ADD, d1).intoArray(c, cOff + vs);
    c2.lanewise(ADD, d2).intoArray(c, cOff + 2 * vs);
    c3.lanewise(ADD, d3).intoArray(c, cOff + 3 * vs);
  }

  /** One row times one panel of three vectors: six chains, k unrolled by two. */
  static void row1x3(float[] a, int aOff, int k, float[] b, int bOff, float[] c, int cOff, int vs) {
    FloatVector c0 = FloatVector.zero(Sgemm.S), c1 = c0, c2 = c0, d0 = c0, d1 = c0, d2 = c0;
    int p = 0;
    for (; p + 2 <= k; p += 2) {
      int bi = bOff + p * (3 * VL);
      FloatVector x = FloatVector.broadcast(Sgemm.S, a[aOff + p]);
      c0 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + VL), c1);
      c2 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + 2 * VL), c2);
      FloatVector y = FloatVector.broadcast(Sgemm.S, a[aOff + p + 1]);
      d0 = y.fma(FloatVector.fromArray(Sgemm.S, b, bi + 3 * VL), d0);
      d1 = y.fma(FloatVector.fromArray(Sgemm.S, b, bi + 4 * VL), d1);
      d2 = y.fma(FloatVector.fromArray(Sgemm.S, b, bi + 5 * VL), d2);
    }
    if (p < k) {
      int bi = bOff + p * 3 * VL;
      FloatVector x = FloatVector.broadcast(Sgemm.S, a[aOff + p]);
      c0 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi), c0);
      c1 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + VL), c1);
      c2 = x.fma(FloatVector.fromArray(Sgemm.S, b, bi + 2 * VL), c2);
    }
    c0.lanewise(ADD, d0).intoArray(c, cOff);
    c1.lanewise(ADD, d1).intoArray(c, cOff + vs);
    c2.lanewise(ADD, d2).intoArray(c, cOff + 2 * vs);
  }

  /**
   * Two rows (packed k-major: row {@code r}'s value at k at {@code a[aOff + 2k + r]}) times one panel of four vectors,
   * vector {@code v} of row {@code r} stored at {@code c[cOff + r * rs + v * vs]}: eight chains, each B vector loaded
   * once for both rows.
   */
  static void rows2x4(float[] a, int aOff, int k, float[] b, int bOff, float[] c, int cOff, int vs, int rs) {
    FloatVector c00 = FloatVector.zero(Sgemm.S), c01 = c00, c02 = c00, c03 = c00;
    FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    for (int p = 0; p < k; p++) {
      int bi = bOff + p * (4 * VL);
      FloatVector x0 = FloatVector.broadcast(Sgemm.S, a[aOff + 2 * p]);
      FloatVector x1 = FloatVector.broadcast(Sgemm.S, a[aOff + 2 * p + 1]);
      FloatVector w = FloatVector.fromArray(Sgemm.S, b, bi);
      c00 = x0.fma(w, c00);
      c10 = x1.fma(w, c10);
      w = FloatVector.fromArray(Sgemm.S, b, bi + VL);
      c01 = x0.fma(w, c01);
      c11 = x1.fma(w, c11);
      w = FloatVector.fromArray(Sgemm.S, b, bi + 2 * VL);
      c02 = x0.fma(w, c02);
      c12 = x1.fma(w, c12);
      w = FloatVector.fromArray(Sgemm.S, b, bi + 3 * VL);
      c03 = x0.fma(w, c03);
      c13 = x1.fma(w, c13);
    }
    c00.intoArray(c, cOff);
    c01.intoArray(c, cOff + vs);
    c02.intoArray(c, cOff + 2 * vs);
    c03.intoArray(c, cOff + 3 * vs);
    c10.intoArray(c, cOff + rs);
    c11.intoArray(c, cOff + rs + vs);
    c12.intoArray(c, cOff + rs + 2 * vs);
    c13.intoArray(c, cOff + rs + 3 * vs);
  }

  /** {@link #rows2x4} for panels of three vectors. */
  static void rows2x3(float[] a, int aOff, int k, float[] b, int bOff, float[] c, int cOff, int vs, int rs) {
    FloatVector c00 = FloatVector.zero(Sgemm.S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
    for (int p = 0; p < k; p++) {
      int bi = bOff + p * (3 * VL);
      FloatVector x0 = FloatVector.broadcast(Sgemm.S, a[aOff + 2 * p]);
      FloatVector x1 = FloatVector.broadcast(Sgemm.S, a[aOff + 2 * p + 1]);
      FloatVector w = FloatVector.fromArray(Sgemm.S, b, bi);
      c00 = x0.fma(w, c00);
      c10 = x1.fma(w, c10);
      w = FloatVector.fromArray(Sgemm.S, b, bi + VL);
      c01 = x0.fma(w, c01);
      c11 = x1.fma(w, c11);
      w = FloatVector.fromArray(Sgemm.S, b, bi + 2 * VL);
      c02 = x0.fma(w, c02);
      c12 = x1.fma(w, c12);
    }
    c00.intoArray(c, cOff);
    c01.intoArray(c, cOff + vs);
    c02.intoArray(c, cOff + 2 * vs);
    c10.intoArray(c, cOff + rs);
    c11.intoArray(c, cOff + rs + vs);
    c12.intoArray(c, cOff + rs + 2 * vs);
  }

  // ---- the cells ---------------------------------------------------------------------------------------------

  /** {@code s[o + j] += xw[x + j]} for {@code j < n} (a multiple of the vector length). */
  private static void add(float[] s, int o, float[] xw, int x, int n) {
    for (int j = 0; j < n; j += VL) {
      FloatVector.fromArray(Sgemm.S, s, o + j).lanewise(ADD, FloatVector.fromArray(Sgemm.S, xw, x + j))
          .intoArray(s, o + j);
    }
  }

  private static void simpleRnn(RecurrentCell cell, int rows, float[] xw, int xwOffset, int xwStride, int[] mask,
      int maskOffset, int maskStride, float[] s, int hIn, int hOut, int z, Sgemm.Scratch scratch) {
    int u = cell.units();
    for (int r = 0; r < rows; r++) {
      int hi = hIn + r * u, ho = hOut + r * u;
      if (masked(mask, maskOffset + r * maskStride)) {
        System.arraycopy(s, hi, s, ho, u);
        continue;
      }
      int zr = z + r * u;
      add(s, zr, xw, xwOffset + r * xwStride, u);
      VActivations.apply(cell.activation(), s, zr, u, scratch);
      System.arraycopy(s, zr, s, ho, u);
    }
  }

  /** Per row: slots i, f, o, c (see {@link #LSTM_GATES}). */
  private static void lstm(RecurrentCell cell, int rows, float[] xw, int xwOffset, int xwStride, int[] mask,
      int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int z, Sgemm.Scratch scratch) {
    int u = cell.units();
    for (int r = 0; r < rows; r++) {
      int hi = hIn + r * u, ho = hOut + r * u;
      if (masked(mask, maskOffset + r * maskStride)) {
        System.arraycopy(s, hi, s, ho, u);
        continue;
      }
      int zi = z + 4 * r * u, zf = zi + u, zo = zf + u, g = zo + u, x = xwOffset + r * xwStride, cr = c + r * u;
      add(s, zi, xw, x, 2 * u); // i, f
      add(s, zo, xw, x + 3 * u, u);
      add(s, g, xw, x + 2 * u, u);
      VActivations.apply(cell.recurrentActivation(), s, zi, 3 * u, scratch);
      VActivations.apply(cell.activation(), s, g, u, scratch);
      for (int j = 0; j < u; j += VL) {
        FloatVector next = FloatVector.fromArray(Sgemm.S, s, zf + j).lanewise(MUL, FloatVector.fromArray(Sgemm.S, s, cr + j))
            .lanewise(ADD, FloatVector.fromArray(Sgemm.S, s, zi + j).lanewise(MUL, FloatVector.fromArray(Sgemm.S, s, g + j)));
        next.intoArray(s, cr + j);
        next.intoArray(s, g + j); // act(c) is computed in the spent cell-input slot
      }
      VActivations.apply(cell.activation(), s, g, u, scratch);
      for (int j = 0; j < u; j += VL) {
        FloatVector.fromArray(Sgemm.S, s, zo + j).lanewise(MUL, FloatVector.fromArray(Sgemm.S, s, g + j)).intoArray(s, ho + j);
      }
    }
  }

  /** Keras' reset-after GRU: {@code hh = act(xw_h + r * (hu_h + candidateBias))}, {@code h = z*h + (1-z)*hh}. */
  private static void gru(RecurrentCell cell, int rows, float[] xw, int xwOffset, int xwStride, int[] mask,
      int maskOffset, int maskStride, float[] s, int hIn, int hOut, int z, Sgemm.Scratch scratch) {
    int u = cell.units();
    float[] bias = cell.candidateBias();
    float[] b = bias != null ? bias : Sgemm.ZEROS;
    FloatVector one = FloatVector.broadcast(Sgemm.S, 1f);
    for (int r = 0; r < rows; r++) {
      int hi = hIn + r * u, ho = hOut + r * u;
      if (masked(mask, maskOffset + r * maskStride)) {
        System.arraycopy(s, hi, s, ho, u);
        continue;
      }
      int zz = z + 3 * r * u, zr = zz + u, hh = zr + u, x = xwOffset + r * xwStride;
      add(s, zz, xw, x, 2 * u);
      VActivations.apply(cell.recurrentActivation(), s, zz, 2 * u, scratch);
      for (int j = 0; j < u; j += VL) {
        FloatVector hu = FloatVector.fromArray(Sgemm.S, s, hh + j)
            .lanewise(ADD, FloatVector.fromArray(Sgemm.S, b, bias != null ? j : 0));
        FloatVector.fromArray(Sgemm.S, xw, x + 2 * u + j)
            .lanewise(ADD, FloatVector.fromArray(Sgemm.S, s, zr + j).lanewise(MUL, hu)).intoArray(s, hh + j);
      }
      VActivations.apply(cell.activation(), s, hh, u, scratch);
      for (int j = 0; j < u; j += VL) {
        FloatVector gate = FloatVector.fromArray(Sgemm.S, s, zz + j);
        gate.lanewise(MUL, FloatVector.fromArray(Sgemm.S, s, hi + j))
            .lanewise(ADD, one.lanewise(SUB, gate).lanewise(MUL, FloatVector.fromArray(Sgemm.S, s, hh + j)))
            .intoArray(s, ho + j);
      }
    }
  }
}

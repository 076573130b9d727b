package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.SUB;

import dev.kiln.Activation;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.kernels.RecurrentCell;
import jdk.incubator.vector.FloatVector;

/**
 * The vector {@code recurrentStep}: the recurrent product of a step and the cell, in one call. The recurrent kernel is
 * packed twice when the session opens. A batch of one row streams panels whose rows hold {@link Packed#width} vectors
 * (for an LSTM the four gates of one block of {@link Sgemm#VL} units, in the order i, f, o, c, so that the three gates
 * with the recurrent activation lie side by side once computed; for a GRU its three gates z, r, h; for a SimpleRNN four
 * blocks of units), each read once per step: the step is bound by reading the kernel from L2. A batch of several rows
 * is one {@link Sgemm#dense} over the rows the step does not mask (their states gathered), on the kernel packed with
 * its columns in that same gate order; a kernel set with threads splits the rows between them. Either way the
 * products land in working rows ({@code z}: per multiplied row, per gate slot, every unit); then the cell runs over
 * those rows while they are in cache: the input projection added, each gate group's activation over the whole group
 * in one vector loop, the states updated.
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

  /** A recurrent kernel packed for {@link #step}: once for one row, once for {@link Sgemm#dense}. */
  static final class Packed extends PackedWeights {
    /** Panels for {@link #row1x4} / {@link #row1x3}. */
    final float[] data;
    /** The kernel's columns in gate-slot order, packed for {@link Sgemm#dense}: its C rows are the working rows. */
    final float[] gemm;
    final RecurrentCell.Kind kind;
    final int units;
    /** Vectors per panel row: 4 (LSTM, SimpleRNN) or 3 (GRU). */
    final int width;
    final int panels;

    Packed(float[] data, float[] gemm, RecurrentCell.Kind kind, int units, int width, int panels) {
      super("vector");
      this.data = data;
      this.gemm = gemm;
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
    float[] slotOrder = new float[u * n]; // column block g: the gate of slot g (LSTM i, f, o, c)
    int slots = kind == RecurrentCell.Kind.SIMPLE_RNN ? 1 : width;
    for (int p = 0; p < u; p++) {
      for (int g = 0; g < slots; g++) {
        System.arraycopy(kernel, p * n + gate(kind, g) * u, slotOrder, p * n + g * u, u);
      }
    }
    float[] gemm = new float[Sgemm.packedLength(u, n)];
    Sgemm.pack(slotOrder, 0, n, u, n, gemm, 0);
    return new Packed(data, gemm, kind, u, width, panels);
  }

  /** See {@code KernelSet.recurrentStep}; {@code cell} must be one {@link #supports}. */
  static void step(RecurrentCell cell, Packed packed, int rows, float[] xw, int xwOffset, int xwStride, int[] mask,
      int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int work, Sgemm.Scratch scratch) {
    check(cell, packed);
    stepRows(cell, packed, rows, 0, rows, xw, xwOffset, xwStride, mask, maskOffset, maskStride, s, hIn, hOut, c, work,
        scratch);
  }

  static void check(RecurrentCell cell, Packed packed) {
    if (packed.units != cell.units() || packed.kind != cell.kind()) {
      throw new IllegalArgumentException("VectorKernels.recurrentStep: weights packed for " + packed + ", called for "
          + cell);
    }
  }

  /**
   * Rows {@code [r0, r1)} of a {@link #step} over {@code rows} rows: their states, products and working rows are
   * theirs alone, so that threads can run the parts of one step side by side.
   */
  static void stepRows(RecurrentCell cell, Packed packed, int rows, int r0, int r1, float[] xw, int xwOffset,
      int xwStride, int[] mask, int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int work,
      Sgemm.Scratch scratch) {
    int u = cell.units();
    int g = cell.gates() * u;
    int n = r1 - r0;
    int z = work + r0 * g;
    int hp = work + rows * g + r0 * u; // the unmasked rows' states, gathered
    int x = xwOffset + r0 * xwStride, m = maskOffset + r0 * maskStride;
    int hi = hIn + r0 * u, ho = hOut + r0 * u;
    product(packed, n, rows == 1, mask, m, maskStride, s, hi, hp, z);
    cells(cell, n, xw, x, xwStride, mask, m, maskStride, s, hi, ho, c + r0 * u, z, scratch);
  }

  private static boolean masked(int[] mask, int at) {
    return mask != null && mask[at] == 0;
  }

  // ---- the product -------------------------------------------------------------------------------------------

  /**
   * {@code h · U} for the rows this step does not mask (a masked row keeps its state, so its product would be
   * dropped) into {@code s[z ..)}: the {@code a}-th such row's gate slot {@code g} (the gate's place in the panel
   * order), unit {@code j} at {@code z + (a * slots + g) * units + j}. A batch of one row ({@code single}) streams
   * the panels, each read once; several rows are one {@link Sgemm#dense} on their states, gathered at {@code hp}
   * when some row is masked. Returns how many rows were multiplied.
   */
  private static int product(Packed p, int rows, boolean single, int[] mask, int maskOffset, int maskStride,
      float[] s, int hIn, int hp, int z) {
    int u = p.units;
    if (single) {
      if (masked(mask, maskOffset)) return 0;
      boolean simple = p.kind == RecurrentCell.Kind.SIMPLE_RNN;
      int vectorStride = simple ? VL : u; // a SimpleRNN's panel holds four unit blocks of its one gate
      int panelFloats = u * p.width * VL;
      for (int q = 0; q < p.panels; q++) {
        int out = z + (simple ? 4 * q : q) * VL;
        if (p.width == 4) row1x4(s, hIn, u, p.data, q * panelFloats, s, out, vectorStride);
        else row1x3(s, hIn, u, p.data, q * panelFloats, s, out, vectorStride);
      }
      return 1;
    }
    int active = 0;
    for (int r = 0; r < rows; r++) {
      if (!masked(mask, maskOffset + r * maskStride)) active++;
    }
    int from = hIn;
    if (active < rows) {
      from = hp;
      for (int r = 0, a = 0; r < rows; r++) {
        if (!masked(mask, maskOffset + r * maskStride)) System.arraycopy(s, hIn + r * u, s, hp + u * a++, u);
      }
    }
    if (active > 0) {
      int n = (p.kind == RecurrentCell.Kind.GRU ? 3 : p.kind == RecurrentCell.Kind.LSTM ? 4 : 1) * u;
      Sgemm.dense(s, from, active, u, p.gemm, n, null, null, Activation.LINEAR, s, z, 0, 1);
    }
    return active;
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

  // ---- the cells ---------------------------------------------------------------------------------------------

  /** {@code s[o + j] += xw[x + j]} for {@code j < n} (a multiple of the vector length). */
  private static void add(float[] s, int o, float[] xw, int x, int n) {
    for (int j = 0; j < n; j += VL) {
      FloatVector.fromArray(Sgemm.S, s, o + j).lanewise(ADD, FloatVector.fromArray(Sgemm.S, xw, x + j))
          .intoArray(s, o + j);
    }
  }

  /**
   * The cells of rows {@code [0, rows)}: a masked row keeps its states, the {@code a}-th unmasked one reads its
   * products at {@code z + a * gates * units} ({@link #product}).
   */
  private static void cells(RecurrentCell cell, int rows, float[] xw, int xwOffset, int xwStride, int[] mask,
      int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int z, Sgemm.Scratch scratch) {
    int u = cell.units();
    int g = cell.gates() * u;
    for (int r = 0, a = 0; r < rows; r++) {
      int hi = hIn + r * u, ho = hOut + r * u, x = xwOffset + r * xwStride;
      if (masked(mask, maskOffset + r * maskStride)) {
        System.arraycopy(s, hi, s, ho, u);
        continue;
      }
      int zr = z + a++ * g;
      switch (cell.kind()) {
        case LSTM:
          lstmRow(cell, xw, x, s, zr, c + r * u, ho, scratch);
          break;
        case GRU:
          gruRow(cell, xw, x, s, zr, hi, ho, scratch);
          break;
        default:
          simpleRnnRow(cell, xw, x, s, zr, ho, scratch);
      }
    }
  }

  private static void simpleRnnRow(RecurrentCell cell, float[] xw, int x, float[] s, int zr, int ho,
      Sgemm.Scratch scratch) {
    int u = cell.units();
    add(s, zr, xw, x, u);
    VActivations.apply(cell.activation(), s, zr, u, scratch);
    System.arraycopy(s, zr, s, ho, u);
  }

  /**
   * The cell of one row, slots i, f, o, c ({@link #LSTM_GATES}) at {@code s[zi ..)}, its input projection at
   * {@code xw[x ..)}. A method of its own: with the vector loops in the rows' loop, whose product row advances only on
   * unmasked rows, C2 boxed vectors.
   */
  private static void lstmRow(RecurrentCell cell, float[] xw, int x, float[] s, int zi, int cr, int ho,
      Sgemm.Scratch scratch) {
    int u = cell.units();
    int zf = zi + u, zo = zf + u, g = zo + u;
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

  /**
   * Keras' reset-after GRU for one row ({@link #lstmRow}), slots z, r, h at {@code s[zz ..)}:
   * {@code hh = act(xw_h + r * (hu_h + candidateBias))}, {@code h = z*h + (1-z)*hh}.
   */
  private static void gruRow(RecurrentCell cell, float[] xw, int x, float[] s, int zz, int hi, int ho,
      Sgemm.Scratch scratch) {
    int u = cell.units();
    int zr = zz + u, hh = zr + u;
    float[] bias = cell.candidateBias();
    float[] b = bias != null ? bias : Sgemm.ZEROS;
    add(s, zz, xw, x, 2 * u);
    VActivations.apply(cell.recurrentActivation(), s, zz, 2 * u, scratch);
    for (int j = 0; j < u; j += VL) {
      FloatVector hu = FloatVector.fromArray(Sgemm.S, s, hh + j)
          .lanewise(ADD, FloatVector.fromArray(Sgemm.S, b, bias != null ? j : 0));
      FloatVector.fromArray(Sgemm.S, xw, x + 2 * u + j)
          .lanewise(ADD, FloatVector.fromArray(Sgemm.S, s, zr + j).lanewise(MUL, hu)).intoArray(s, hh + j);
    }
    VActivations.apply(cell.activation(), s, hh, u, scratch);
    FloatVector one = FloatVector.broadcast(Sgemm.S, 1f);
    for (int j = 0; j < u; j += VL) {
      FloatVector gate = FloatVector.fromArray(Sgemm.S, s, zz + j);
      gate.lanewise(MUL, FloatVector.fromArray(Sgemm.S, s, hi + j))
          .lanewise(ADD, one.lanewise(SUB, gate).lanewise(MUL, FloatVector.fromArray(Sgemm.S, s, hh + j)))
          .intoArray(s, ho + j);
    }
  }
}

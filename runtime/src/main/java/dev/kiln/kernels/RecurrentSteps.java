package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * The pure-Java {@link KernelSet#recurrentStep}: the recurrent product of the rows the step does not mask as one
 * {@link Gemm} call on the kernel packed once ({@link Gemm#packWeights}), then the cell row by row, each gate block's
 * activation applied to the whole block (no per-element switch).
 */
final class RecurrentSteps {
  private RecurrentSteps() {}

  /** Per thread: the chunk buffer of {@link Activations#applyInPlace}. */
  private static final ThreadLocal<float[]> TMP = new ThreadLocal<float[]>() {
    @Override
    protected float[] initialValue() {
      return new float[64];
    }
  };

  /** See {@link KernelSet#recurrentStep}. */
  static void step(RecurrentCell cell, PackedWeights recurrentKernel, int rows, float[] xw, int xwOffset,
      int xwStride, int[] mask, int maskOffset, int maskStride, float[] s, int hIn, int hOut, int c, int work) {
    int u = cell.units();
    int g = cell.gates() * u;
    if (!(recurrentKernel instanceof Gemm.Packed)) {
      throw PackedWeights.foreign("KernelSet.recurrentStep", "java", recurrentKernel);
    }
    float[][] packed = ((Gemm.Packed) recurrentKernel).rows(u, g, "KernelSet.recurrentStep");
    float[] tmp = TMP.get();
    RecurrentCell.Kind kind = cell.kind();
    // z = h · U for the rows this step does not mask (a masked row keeps its states, so its product would be
    // dropped), the a-th such row's at work + a * g; their states gathered at hp when some row is masked
    int hp = work + rows * g;
    int active = 0;
    for (int b = 0; b < rows; b++) {
      if (!masked(mask, maskOffset + b * maskStride)) active++;
    }
    int from = hIn;
    if (active < rows) {
      from = hp;
      for (int b = 0, a = 0; b < rows; b++) {
        if (!masked(mask, maskOffset + b * maskStride)) System.arraycopy(s, hIn + b * u, s, hp + u * a++, u);
      }
    }
    if (active == 0) {
      System.arraycopy(s, hIn, s, hOut, rows * u);
      return;
    }
    // for GRU_RESET_BEFORE only the z and r blocks: the candidate needs r first
    Gemm.compute(s, from, 0, active, u, packed, null, 0, g, 0, kind == RecurrentCell.Kind.GRU_RESET_BEFORE ? 2 * u : g,
        null, Activation.LINEAR, s, work);
    if (kind == RecurrentCell.Kind.GRU_RESET_BEFORE) {
      for (int b = 0, a = 0; b < rows; b++) {
        if (masked(mask, maskOffset + b * maskStride)) continue;
        int z = work + a * g;
        addRow(s, z, xw, xwOffset + b * xwStride, 2 * u);
        Activations.applyInPlace(cell.recurrentActivation(), s, z, z + 2 * u, tmp);
        for (int j = 0; j < u; j++) s[hp + a * u + j] = s[z + u + j] * s[from + a * u + j]; // r * h, in place at hp
        a++;
      }
      Gemm.compute(s, hp, 0, active, u, packed, null, 0, g, 2 * u, g, null, Activation.LINEAR, s, work);
    }
    for (int b = 0, a = 0; b < rows; b++) {
      int hi = hIn + b * u, ho = hOut + b * u;
      if (masked(mask, maskOffset + b * maskStride)) {
        System.arraycopy(s, hi, s, ho, u); // a masked step keeps the states
        continue;
      }
      int z = work + a++ * g, x = xwOffset + b * xwStride;
      switch (kind) {
        case SIMPLE_RNN:
          addRow(s, z, xw, x, u);
          Activations.applyInPlace(cell.activation(), s, z, z + u, tmp);
          System.arraycopy(s, z, s, ho, u);
          break;
        case LSTM:
          lstm(cell, s, z, xw, x, ho, c + b * u, u, tmp);
          break;
        case GRU:
          gru(cell, s, z, xw, x, hi, ho, u, tmp);
          break;
        default:
          candidate(cell.activation(), s, z, xw, x, hi, ho, u, tmp);
      }
    }
  }

  private static boolean masked(int[] mask, int at) {
    return mask != null && mask[at] == 0;
  }

  private static void addRow(float[] z, int zo, float[] xw, int xo, int n) {
    for (int j = 0; j < n; j++) z[zo + j] += xw[xo + j];
  }

  private static void lstm(RecurrentCell cell, float[] s, int z, float[] xw, int x, int ho, int c, int u,
      float[] tmp) {
    addRow(s, z, xw, x, 4 * u);
    Activations.applyInPlace(cell.recurrentActivation(), s, z, z + 2 * u, tmp); // i, f
    Activations.applyInPlace(cell.activation(), s, z + 2 * u, z + 3 * u, tmp); // the cell input
    Activations.applyInPlace(cell.recurrentActivation(), s, z + 3 * u, z + 4 * u, tmp); // o
    int zi = z, zf = z + u, zc = z + 2 * u;
    for (int j = 0; j < u; j++) {
      float next = s[zf + j] * s[c + j] + s[zi + j] * s[zc + j];
      s[c + j] = next;
      s[zc + j] = next; // act(c) is computed in the spent cell-input block
    }
    Activations.applyInPlace(cell.activation(), s, zc, zc + u, tmp);
    int zo = z + 3 * u;
    for (int j = 0; j < u; j++) s[ho + j] = s[zo + j] * s[zc + j];
  }

  /** Keras' reset-after GRU: the candidate's recurrent product (and bias) scaled by r. */
  private static void gru(RecurrentCell cell, float[] s, int z, float[] xw, int x, int hi, int ho, int u,
      float[] tmp) {
    addRow(s, z, xw, x, 2 * u);
    Activations.applyInPlace(cell.recurrentActivation(), s, z, z + 2 * u, tmp);
    float[] bias = cell.candidateBias();
    int zr = z + u, zh = z + 2 * u, xh = x + 2 * u;
    for (int j = 0; j < u; j++) {
      float hu = bias != null ? s[zh + j] + bias[j] : s[zh + j];
      s[zh + j] = xw[xh + j] + s[zr + j] * hu;
    }
    Activations.applyInPlace(cell.activation(), s, zh, zh + u, tmp);
    update(s, z, zh, hi, ho, u);
  }

  /** The reset-before GRU's candidate, its product of {@code r*h} already in the block: then the update. */
  private static void candidate(Activation act, float[] s, int z, float[] xw, int x, int hi, int ho, int u,
      float[] tmp) {
    int zh = z + 2 * u;
    addRow(s, zh, xw, x + 2 * u, u);
    Activations.applyInPlace(act, s, zh, zh + u, tmp);
    update(s, z, zh, hi, ho, u);
  }

  /** {@code h = z*h + (1-z)*hh}, the update gate at {@code z}, the candidate at {@code hh}. */
  private static void update(float[] s, int z, int hh, int hi, int ho, int u) {
    for (int j = 0; j < u; j++) {
      float zz = s[z + j];
      s[ho + j] = zz * s[hi + j] + (1f - zz) * s[hh + j];
    }
  }
}

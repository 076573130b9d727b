package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Activation;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.kernels.RecurrentCell;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vector {@code recurrentStep} against the pure-Java one: several chained steps of every cell kind, one row (the
 * panel GEMV) and several (one GEMM over the unmasked rows: row blocks whole and partial, steps with every row masked
 * and with none), masked rows, other activations than the defaults, and the cells
 * the vector step leaves to the pure-Java one (units not a multiple of its blocks, the reset-before GRU). Tolerance as
 * {@link VectorKernelsTest#assertClose}.
 */
class RecurrentStepTest {
  private static final KernelSet JAVA = JavaKernels.FACTORY.create(1);
  private static final int VL = Sgemm.VL;
  private static final int STEPS = 4;
  private static KernelSet[] vector;

  @BeforeAll
  static void open() {
    vector = TestKernelSets.open();
  }

  @AfterAll
  static void close() {
    TestKernelSets.close(vector);
  }

  @Test
  void lstmEqualsPureJava() {
    for (int units : new int[] {VL, 2 * VL, 128}) {
      for (int rows : new int[] {1, 2, 3, 8}) {
        check(new RecurrentCell(RecurrentCell.Kind.LSTM, units, Activation.TANH, Activation.SIGMOID, null), rows, true);
      }
    }
    check(new RecurrentCell(RecurrentCell.Kind.LSTM, 2 * VL, Activation.RELU, Activation.HARD_SIGMOID, null), 5, true);
  }

  @Test
  void gruEqualsPureJava() {
    Random r = new Random(3);
    for (int units : new int[] {VL, 3 * VL}) {
      for (int rows : new int[] {1, 4, 7}) {
        check(new RecurrentCell(RecurrentCell.Kind.GRU, units, Activation.TANH, Activation.SIGMOID,
            random(r, units, 1f)), rows, true);
      }
      check(new RecurrentCell(RecurrentCell.Kind.GRU, units, Activation.TANH, Activation.SIGMOID, null), 3, true);
    }
    check(new RecurrentCell(RecurrentCell.Kind.GRU, VL, Activation.SILU, Activation.HARD_SIGMOID, null), 2, true);
  }

  @Test
  void simpleRnnEqualsPureJava() {
    for (int rows : new int[] {1, 2, 5}) {
      check(new RecurrentCell(RecurrentCell.Kind.SIMPLE_RNN, 4 * VL, Activation.TANH, Activation.SIGMOID, null), rows,
          true);
      check(new RecurrentCell(RecurrentCell.Kind.SIMPLE_RNN, 8 * VL, Activation.RELU, Activation.SIGMOID, null), rows,
          true);
    }
  }

  @Test
  void manyRowsMultiplyOnlyTheUnmaskedOnes() {
    Random r = new Random(5);
    for (int rows : new int[] {6, 13, 32}) {
      check(new RecurrentCell(RecurrentCell.Kind.LSTM, 128, Activation.TANH, Activation.SIGMOID, null), rows, true,
          true);
    }
    check(new RecurrentCell(RecurrentCell.Kind.GRU, 3 * VL, Activation.TANH, Activation.SIGMOID,
        random(r, 3 * VL, 1f)), 13, true, true);
    check(new RecurrentCell(RecurrentCell.Kind.SIMPLE_RNN, 4 * VL, Activation.TANH, Activation.SIGMOID, null), 9, true,
        true);
  }

  @Test
  void cellsTheVectorStepLeavesToThePureJavaOne() {
    Random r = new Random(4);
    check(new RecurrentCell(RecurrentCell.Kind.LSTM, VL + 3, Activation.TANH, Activation.SIGMOID, null), 3, false);
    check(new RecurrentCell(RecurrentCell.Kind.GRU, 20, Activation.TANH, Activation.SIGMOID, random(r, 20, 1f)), 2,
        false);
    check(new RecurrentCell(RecurrentCell.Kind.GRU_RESET_BEFORE, 2 * VL, Activation.TANH, Activation.SIGMOID, null), 3,
        false);
    check(new RecurrentCell(RecurrentCell.Kind.SIMPLE_RNN, 2 * VL, Activation.TANH, Activation.SIGMOID, null), 3,
        false);
  }

  @Test
  void weightsPackedForAnotherCellAreRejected() {
    KernelSet v = vector[0];
    RecurrentCell lstm = new RecurrentCell(RecurrentCell.Kind.LSTM, 2 * VL, Activation.TANH, Activation.SIGMOID, null);
    RecurrentCell wider = new RecurrentCell(RecurrentCell.Kind.LSTM, 4 * VL, Activation.TANH, Activation.SIGMOID, null);
    PackedWeights packed = v.packRecurrentKernel(new float[2 * VL * 8 * VL], lstm);
    float[] s = new float[(int) (4 * 4 * VL + wider.workSize(1))];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> v.recurrentStep(wider, packed, 1, new float[16 * VL], 0, 16 * VL, null, 0, 0, s, 0, 4 * VL, 8 * VL,
            12 * VL));
    assertEquals("VectorKernels.recurrentStep: weights packed for VRecurrent.Packed[LSTM, " + 2 * VL
        + " units], called for " + wider, e.getMessage());
    IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
        () -> v.packRecurrentKernel(new float[10], lstm));
    assertEquals("VectorKernels.packRecurrentKernel: 10 values, expected " + 2 * VL + "x" + 8 * VL, small.getMessage());
  }

  /**
   * {@link #STEPS} steps of {@code cell} over {@code rows} rows, states carried from step to step, on the pure-Java and
   * every vector kernel set; {@code vectorStep}: whether the vector kernels must take their own step for it.
   */
  private static void check(RecurrentCell cell, int rows, boolean vectorStep) {
    check(cell, rows, vectorStep, false);
  }

  /** {@code wholeSteps}: step 1 masks every row and step 2 none (the other steps mask rows at random). */
  private static void check(RecurrentCell cell, int rows, boolean vectorStep, boolean wholeSteps) {
    Random r = new Random(cell.units() * 31 + rows);
    int u = cell.units();
    int g = cell.gates() * u;
    float[] kernel = random(r, u * g, (float) (1.0 / Math.sqrt(u)));
    // the input projection of every step, rows strided as the recurrent ops lay them out ([row][step][g])
    int xwStride = STEPS * g;
    float[] xw = random(r, 5 + rows * xwStride, 1f);
    int[] mask = new int[rows * STEPS];
    for (int i = 0; i < mask.length; i++) mask[i] = r.nextInt(4) == 0 ? 0 : 1;
    for (int b = 0; wholeSteps && b < rows; b++) {
      mask[b * STEPS + 1] = 0;
      mask[b * STEPS + 2] = 1;
    }
    float[] h0 = random(r, rows * u, 0.5f), c0 = random(r, rows * u, 0.5f);
    float[] expected = run(JAVA, cell, rows, kernel, xw, xwStride, mask, h0, c0);
    for (KernelSet v : vector) {
      PackedWeights packed = v.packRecurrentKernel(kernel, cell);
      assertEquals(vectorStep, packed instanceof VRecurrent.Packed, v + " packed " + cell + " as " + packed);
      float[] actual = run(v, cell, rows, kernel, xw, xwStride, mask, h0, c0);
      VectorKernelsTest.assertClose(expected, actual, expected.length, v + " " + cell + " rows " + rows);
    }
  }

  /** The states after the steps: {@code [h rows*u][c rows*u]}; the work space outside them starts as NaN. */
  private static float[] run(KernelSet k, RecurrentCell cell, int rows, float[] kernel, float[] xw, int xwStride,
      int[] mask, float[] h0, float[] c0) {
    int u = cell.units();
    int g = cell.gates() * u;
    PackedWeights packed = k.packRecurrentKernel(kernel, cell);
    int hA = 7, hB = hA + rows * u, c = hB + rows * u, work = c + rows * u;
    float[] s = new float[work + (int) cell.workSize(rows)];
    Arrays.fill(s, Float.NaN);
    System.arraycopy(h0, 0, s, hA, rows * u);
    System.arraycopy(c0, 0, s, c, rows * u);
    int hIn = hA, hOut = hB;
    for (int t = 0; t < STEPS; t++) {
      k.recurrentStep(cell, packed, rows, xw, 5 + t * g, xwStride, mask, t, STEPS, s, hIn, hOut, c, work);
      int swap = hIn;
      hIn = hOut;
      hOut = swap;
    }
    float[] states = new float[2 * rows * u];
    System.arraycopy(s, hIn, states, 0, rows * u);
    System.arraycopy(s, c, states, rows * u, rows * u);
    for (float x : states) assertFalse(Float.isNaN(x), k + " " + cell + ": a state read unwritten work space");
    return states;
  }

  private static float[] random(Random r, int n, float scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (r.nextFloat() * 2f - 1f) * scale;
    return x;
  }
}

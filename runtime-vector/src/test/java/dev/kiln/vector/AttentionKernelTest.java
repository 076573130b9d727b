package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.kernels.Attention;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vector {@code attention} against the pure-Java one ({@link Attention}): odd and even query counts, several
 * heads, key and value widths, masks per key, per query and key, broadcast over the batch, causal, both ways of
 * hiding a score, a query that sees no key, and the shapes it leaves to the pure-Java kernel. Tolerance as
 * {@link VectorKernelsTest#assertClose}.
 */
class AttentionKernelTest {
  private static final KernelSet JAVA = JavaKernels.FACTORY.create(1);
  private static final int VL = Sgemm.VL;
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
  void unmaskedEqualsPureJava() {
    check(1, 2, 4 * VL, 1, 8, VL, false, 0, false, true);
    check(2, 5, 4 * VL, 3, 7, VL, false, 0, false, true);
    check(3, 128, 128, 4, 32, 32, false, 0, false, true);
    check(1, 9, 8 * VL, 2, 16, 2 * VL, false, 0, false, true);
  }

  @Test
  void maskedAndCausalEqualPureJava() {
    for (int maskKind = 1; maskKind <= 3; maskKind++) {
      check(2, 7, 4 * VL, 2, 8, VL, false, maskKind, false, true);
      check(2, 6, 8 * VL, 3, 5, VL, false, maskKind, true, true);
    }
    check(2, 7, 4 * VL, 2, 8, VL, true, 0, false, true);
    check(2, 4 * VL, 4 * VL, 2, 8, 2 * VL, true, 2, true, true);
  }

  /**
   * Query counts around the register tile of {@link VAttention#ROWS} rows (a last block of one to five rows, or
   * fewer queries than one tile), value heads of an odd number of vectors (the one-vector tile after two-vector ones),
   * a fully masked query row in a partial last block.
   */
  @Test
  void queriesNotWholeTilesEqualPureJava() {
    int rows = VAttention.ROWS;
    for (int tq = 2; tq <= 2 * rows + 1; tq++) check(1, tq, 4 * VL, 2, 5, 3 * VL, false, 0, false, true);
    check(2, 3 * rows + 2, 8 * VL, 3, 7, 3 * VL, true, 2, false, true);
    check(2, 2 * rows + 1, 4 * VL, 2, 9, 2 * VL, false, 2, true, true);
    check(3, rows - 1, 4 * VL, 1, 3, VL, true, 3, false, true);
    int[] mask = new int[2 * rows * 4 * VL]; // every query of the last, partial block sees no key; the others some
    for (int i = 0; i < rows * 4 * VL; i++) mask[i] = i % 3 == 0 ? 1 : 0;
    assertEquals(true, VAttention.supports(rows + 2, 4 * VL, 3 * VL));
    checkWithMask(1, rows + 2, 4 * VL, 2, 8, 3 * VL, mask, 0, 4 * VL, 1);
  }

  /** Calls large enough for the kernel sets with threads to split their (batch row, head) pairs, masked or not. */
  @Test
  void pairsSplitBetweenThreadsEqualPureJava() {
    for (int maskKind = 0; maskKind <= 3; maskKind++) {
      check(3, 40, 8 * VL, 4, 16, 2 * VL, maskKind == 2, maskKind, maskKind == 1, true);
    }
    check(5, 3 * VAttention.ROWS + 1, 16 * VL, 3, 24, 3 * VL, true, 0, false, true);
  }

  @Test
  void shapesLeftToThePureJavaKernel() {
    check(2, 1, 4 * VL, 2, 8, VL, false, 0, false, false); // one query
    check(2, 5, 4 * VL + 3, 2, 8, VL, false, 1, false, false); // keys not whole blocks
    check(2, 5, 4 * VL, 2, 8, VL + 1, false, 0, false, false); // value head not whole vectors
  }

  /**
   * Random q, k, v; {@code maskKind} 0 none, 1 per batch row and key, 2 per batch row, query and key (with one query
   * seeing no key), 3 per query and key broadcast over the batch.
   */
  private static void check(int batch, int tq, int tk, int heads, int dk, int dv, boolean causal, int maskKind,
      boolean subtractMasked, boolean vectorPath) {
    assertEquals(vectorPath, VAttention.supports(tq, tk, dv), "path for tq " + tq + " tk " + tk + " dv " + dv);
    Random r = new Random(tq * 1000 + tk * 10 + maskKind);
    int[] mask = null;
    int mbs = 0, mrs = 0, mks = 1;
    if (maskKind == 1) {
      mask = bits(r, batch * tk);
      mbs = tk;
    } else if (maskKind == 2) {
      mask = bits(r, batch * tq * tk);
      Arrays.fill(mask, tk, 2 * tk, 0); // batch row 0, query 1 sees nothing
      mbs = tq * tk;
      mrs = tk;
    } else if (maskKind == 3) {
      mask = bits(r, tq * tk);
      mrs = tk;
    }
    checkWithMask(batch, tq, tk, heads, dk, dv, causal, mask, mbs, mrs, mks, subtractMasked, r);
  }

  private static void checkWithMask(int batch, int tq, int tk, int heads, int dk, int dv, int[] mask, int mbs, int mrs,
      int mks) {
    checkWithMask(batch, tq, tk, heads, dk, dv, false, mask, mbs, mrs, mks, false, new Random(tq * 7 + dv));
  }

  private static void checkWithMask(int batch, int tq, int tk, int heads, int dk, int dv, boolean causal, int[] mask,
      int mbs, int mrs, int mks, boolean subtractMasked, Random r) {
    float[] q = random(r, batch * tq * heads * dk), k = random(r, batch * tk * heads * dk);
    float[] v = random(r, batch * tk * heads * dv);
    float scale = (float) (1.0 / Math.sqrt(dk));
    int n = batch * tq * heads * dv;
    float[] expected = new float[n];
    float[] work = new float[(int) Attention.workSize(tq, tk, dk, dv)];
    JAVA.attention(q, k, v, batch, tq, tk, heads, dk, dv, scale, mask, mbs, mrs, mks, causal, subtractMasked, expected,
        work);
    for (KernelSet ks : vector) {
      float[] actual = new float[n + 1];
      Arrays.fill(actual, Float.NaN);
      Arrays.fill(work, Float.NaN);
      ks.attention(q, k, v, batch, tq, tk, heads, dk, dv, scale, mask, mbs, mrs, mks, causal, subtractMasked, actual,
          work);
      String what = ks + " attention batch " + batch + " tq " + tq + " tk " + tk + " heads " + heads + " dk " + dk
          + " dv " + dv + " causal " + causal + " mask " + (mask == null ? "none" : mask.length + " values") + " subtract " + subtractMasked;
      VectorKernelsTest.assertClose(expected, actual, n, what);
      assertEquals(Float.NaN, actual[n], what + ": wrote past the output");
    }
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2f - 1f;
    return x;
  }

  private static int[] bits(Random r, int n) {
    int[] m = new int[n];
    for (int i = 0; i < n; i++) m[i] = r.nextInt(3) == 0 ? 0 : 1;
    return m;
  }
}

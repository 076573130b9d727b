package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Activation;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The kernels a layer calls only a few times are split into more calls over row groups and k ranges
 * ({@link Sgemm#MIN_KERNEL_CALLS}), the accumulators carried through memory: the results must be the same bits as in
 * one call over all of k.
 */
class KernelCallSplitTest {
  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
    return x;
  }

  @Test
  void gemvInKRangesGivesTheBitsOfOneRange() {
    Random r = new Random(7);
    for (int k : new int[] {1, 3, 7, 128, 130}) {
      float[] a = random(r, k);
      float[] b = random(r, k * Sgemm.NR);
      for (int w : new int[] {4, Sgemm.NR}) {
        float[] whole = new float[w];
        Sgemm.gemv(a, 0, k, k, b, 0, whole, 0, w, new float[8 * Sgemm.NR]);
        for (int chunk : new int[] {4, 8, 12, 64}) {
          float[] split = new float[w];
          Sgemm.gemv(a, 0, k, chunk, b, 0, split, 0, w, new float[8 * Sgemm.NR]);
          assertArrayEquals(whole, split, "k " + k + ", w " + w + ", chunk " + chunk);
        }
      }
    }
  }

  @Test
  void kChunkMakesEnoughCallsOrKeepsAllOfK() {
    for (int k = 1; k <= 300; k++) {
      for (int calls = 1; calls <= 2 * Sgemm.MIN_KERNEL_CALLS; calls++) {
        int chunk = Sgemm.kChunk(k, calls);
        String at = "k " + k + ", " + calls + " calls: chunk " + chunk;
        if (calls >= Sgemm.MIN_KERNEL_CALLS) {
          assertEquals(k, chunk, at);
        } else {
          assertEquals(0, chunk % 4, at);
          int ranges = (k + chunk - 1) / chunk;
          // equal ranges of a multiple of 4: at least half the minimum, or half of what ranges of 4 would make
          assertTrue(2 * calls * ranges >= Math.min(Sgemm.MIN_KERNEL_CALLS, calls * ((k + 3) / 4)), at);
        }
      }
    }
  }

  @Test
  void partialPanelOfFewRowsGivesTheBitsOfManyRows() {
    Random r = new Random(11);
    int k = 128, n = 4, few = 12, many = 6 * Sgemm.MIN_KERNEL_CALLS + 12;
    float[] a = random(r, many * k);
    float[] bias = random(r, n);
    float[] packed = Sgemm.packDense(random(r, k * n), k, n);
    for (Activation act : new Activation[] {Activation.LINEAR, Activation.RELU}) {
      float[] manyRows = new float[many * n];
      Sgemm.dense(a, many, k, packed, n, bias, null, act, manyRows, 0, 1); // a group per call, all of k
      float[] fewRows = new float[few * n];
      Sgemm.dense(a, few, k, packed, n, bias, null, act, fewRows, 0, 1); // two groups: in k ranges
      assertArrayEquals(Arrays.copyOf(manyRows, few * n), fewRows, act.toString());
    }
  }
}

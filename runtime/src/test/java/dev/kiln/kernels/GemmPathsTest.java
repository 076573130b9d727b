package dev.kiln.kernels;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Paths of the row-array Gemm: GEMV, tails, k-blocking, narrow panels, epilogues, and the pooled overloads. */
class GemmPathsTest {
  /** m, k, n: m = 1 and 2, odd sizes, k % 4 and k % 2 tails, n not a multiple of 16 / of the panel, k-blocks. */
  private static final int[][] SHAPES = {
    {1, 784, 128}, {1, 5, 3}, {1, 3, 700}, {1, 1030, 17}, {2, 7, 65}, {3, 6, 129}, {5, 700, 512}, {9, 513, 1030},
    {33, 27, 16}, {31, 144, 32}, {4, 1, 600}, {17, 258, 513}, {64, 784, 128}, {2, 2, 2}, {1, 1, 1}, {6, 600, 63},
    // row triples (rows3) with 0, 1 and 2 rows left over, odd k, narrow and wide tiles, several k-blocks
    {3, 5, 17}, {4, 7, 600}, {5, 301, 530}, {6, 129, 64}, {7, 1, 65}, {12, 27, 16}, {10, 260, 1030}, {11, 33, 512},
    // narrow C computed transposed (n <= 48, m >= 64): one and several row blocks, odd sizes, k = 1, deep k
    {64, 27, 16}, {97, 33, 17}, {130, 144, 32}, {65, 1, 48}, {600, 5, 3}, {70, 1030, 20}, {1000, 7, 9}, {63, 9, 16}
  };

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
    return x;
  }

  /** Plain triple loop in double: the reference. */
  private static double[] reference(float[] a, float[] b, int m, int k, int n, float[] bias) {
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = bias == null ? 0 : bias[j];
        for (int p = 0; p < k; p++) s += (double) a[i * k + p] * b[p * n + j];
        c[i * n + j] = s;
      }
    }
    return c;
  }

  private static void assertClose(float[] got, double[] want, int k) {
    double scale = Math.sqrt(Math.max(k, 1));
    for (int i = 0; i < want.length; i++) {
      double tol = 1e-5 * (Math.abs(want[i]) + scale);
      if (!(Math.abs(got[i] - want[i]) <= tol)) {
        throw new AssertionError("element " + i + ": got " + got[i] + ", want " + want[i]);
      }
    }
  }

  @Test
  void matmulAndDenseMatchReferenceOnAllPaths() {
    Random r = new Random(7);
    for (int[] s : SHAPES) {
      int m = s[0], k = s[1], n = s[2];
      float[] a = random(r, m * k);
      float[] b = random(r, k * n);
      float[] bias = random(r, n);
      float[] c = new float[m * n];
      Gemm.matmul(a, b, c, m, k, n);
      assertClose(c, reference(a, b, m, k, n, null), k);

      float[] d = new float[m * n];
      Gemm.dense(a, m, k, Gemm.packWeights(b, k, n), n, bias, Activation.LINEAR, d);
      assertClose(d, reference(a, b, m, k, n, bias), k);

      // relu epilogue after several k-blocks: applied once, on the full sum
      float[] e = new float[m * n];
      Gemm.dense(a, m, k, Gemm.packWeights(b, k, n), n, bias, Activation.RELU, e);
      double[] want = reference(a, b, m, k, n, bias);
      for (int i = 0; i < want.length; i++) want[i] = Math.max(0, want[i]);
      assertClose(e, want, k);
    }
  }

  @Test
  void denseRejectsWeightsPackedForAnotherShapeOrKernelSet() {
    Gemm.Packed packed = Gemm.packWeights(new float[300 * 70], 300, 70);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Gemm.dense(new float[300], 1, 300, packed, 71, null, null, new float[71]));
    assertThat(e).hasMessageThat().isEqualTo("Gemm.dense: weights packed as 300x70, called with 300x71");
    KernelSet java = JavaKernels.FACTORY.create(1);
    PackedWeights foreign = new PackedWeights("vector") {};
    e = assertThrows(IllegalArgumentException.class,
        () -> java.dense(new float[300], 1, 300, foreign, 70, null, null, new float[70]));
    assertThat(e).hasMessageThat().isEqualTo("JavaKernels.dense: weights packed by the 'vector' kernel set, expected "
        + "weights packed by the 'java' kernel set that runs them");
    e = assertThrows(IllegalArgumentException.class, () -> java.conv2d(new float[9], 1, 3, 3, 1, packed, 1, 1, 70, 1,
        1, 1, 1, 0, 0, 3, 3, 1, null, null, null, new float[630]));
    assertThat(e).hasMessageThat().isEqualTo("JavaKernels.conv2d: weights packed by the 'java' kernel set, expected "
        + "weights packed by the 'java' kernel set that runs them");
  }

  @Test
  void zeroDepthGivesBiasAndActivation() {
    float[] bias = {-1f, 2f, 3f};
    float[] c = new float[6];
    Arrays.fill(c, 9f);
    Gemm.dense(new float[0], 2, 0, Gemm.packWeights(new float[0], 0, 3), 3, bias, Activation.RELU, c);
    assertThat(c).isEqualTo(new float[] {0f, 2f, 3f, 0f, 2f, 3f});
    Gemm.matmul(new float[0], new float[0], c, 2, 0, 3);
    assertThat(c).isEqualTo(new float[6]);
  }

  @Test
  void pooledOverloadsAreBitIdenticalToSingleThread() {
    Random r = new Random(9);
    int[][] shapes = {
      {1, 784, 128}, {64, 784, 128}, {7, 300, 1030}, {200, 50, 33}, {3, 90, 700}, {129, 64, 64}, {2, 1000, 100},
      {1, 2000, 40}, {15, 100, 200}, {1, 10, 10}, {26, 131, 70}, {50, 33, 600}, {49, 320, 1280}, {25, 7, 16},
      {97, 33, 17}, {700, 27, 16}, {64, 300, 48}
    };
    double minFlops = Gemm.parallelMinFlops;
    for (int threads = 1; threads <= 3; threads++) {
      Gemm.parallelMinFlops = 0; // split even the small shapes
      WorkerPool pool = WorkerPool.create(threads);
      try {
        for (int[] s : shapes) {
          int m = s[0], k = s[1], n = s[2];
          float[] a = random(r, m * k + 5);
          float[] b = random(r, k * n + 3);
          float[] bias = random(r, n);
          float[] want = new float[m * n + 4];
          float[] got = new float[m * n + 4];
          Gemm.matmul(a, 5, b, 3, want, 4, m, k, n);
          Gemm.matmul(a, 5, b, 3, got, 4, m, k, n, pool);
          assertThat(got).isEqualTo(want);

          float[] a0 = Arrays.copyOf(a, m * k);
          float[] b0 = Arrays.copyOf(b, k * n);
          Gemm.Packed packed = Gemm.packWeights(b0, k, n);
          for (Activation act : new Activation[] {Activation.RELU, Activation.SOFTMAX, null}) {
            float[] wd = new float[m * n];
            float[] gd = new float[m * n];
            Gemm.dense(a0, m, k, packed, n, bias, act, wd);
            Gemm.dense(a0, m, k, packed, n, bias, act, gd, pool);
            assertThat(gd).isEqualTo(wd);
          }
        }
      } finally {
        pool.close();
        Gemm.parallelMinFlops = minFlops;
      }
    }
  }

  /**
   * The one-k triple kernel that JDK 25 and later use ({@link Gemm#ONE_K_TRIPLES}; the build's JDK 17 never
   * reaches it through {@code compute}): three tile rows at constant offsets, odd depths, column sub-ranges.
   */
  @Test
  void oneKTripleKernelMatchesReference() {
    Random r = new Random(11);
    int w = Gemm.MAX_PANEL;
    for (int[] s : new int[][] {{1, 0, 16}, {7, 3, 500}, {64, 0, 512}, {33, 17, 40}, {0, 0, 8}}) {
      int k = s[0], from = s[1], to = s[2];
      int lda = k + 3;
      float[] a = random(r, 3 * lda + 2);
      float[][] rows = new float[k + 2][];
      for (int p = 0; p < rows.length; p++) rows[p] = random(r, w);
      float[] t = random(r, 3 * w);
      float[] start = t.clone();
      Gemm.rows3By1(a, 2, lda, rows, 1, k, t, from, to);
      for (int row = 0; row < 3; row++) {
        for (int j = 0; j < w; j++) {
          double want = start[row * w + j];
          if (j >= from && j < to) {
            for (int p = 0; p < k; p++) want += (double) a[2 + row * lda + p] * rows[1 + p][j];
          }
          double tol = 1e-5 * (Math.abs(want) + Math.sqrt(k + 1));
          if (!(Math.abs(t[row * w + j] - want) <= tol)) {
            throw new AssertionError("k " + k + " row " + row + " column " + j + ": got " + t[row * w + j]
                + ", want " + want);
          }
        }
      }
    }
  }
}

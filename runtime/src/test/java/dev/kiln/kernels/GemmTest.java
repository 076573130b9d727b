package dev.kiln.kernels;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.Activation;
import java.util.Random;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.junit.jupiter.api.Test;

class GemmTest {
  private static final int[][] SIZES = {
    {1, 1, 1}, {1, 784, 128}, {1, 7, 13}, {3, 5, 7}, {4, 3, 2}, {5, 17, 33}, {8, 300, 65},
    {13, 257, 129}, {64, 100, 600}, {2, 1, 9}, {7, 2, 1}, {6, 513, 1030}
  };

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian());
    return x;
  }

  /** EJML oracle C = A B. */
  private static float[] ejml(float[] a, float[] b, int m, int k, int n) {
    FMatrixRMaj am = new FMatrixRMaj(m, k);
    System.arraycopy(a, 0, am.data, 0, m * k);
    FMatrixRMaj bm = new FMatrixRMaj(k, n);
    System.arraycopy(b, 0, bm.data, 0, k * n);
    FMatrixRMaj cm = new FMatrixRMaj(m, n);
    CommonOps_FDRM.mult(am, bm, cm);
    return cm.data.clone();
  }

  /** |x - y| <= 1e-5 * (|y| + scale), scale = sqrt(k) (typical magnitude of a sum of k unit products). */
  private static void assertClose(float[] got, float[] want, int count, int k) {
    double scale = Math.sqrt(k);
    for (int i = 0; i < count; i++) {
      double tol = 1e-5 * (Math.abs(want[i]) + scale);
      if (Math.abs(got[i] - want[i]) > tol) {
        throw new AssertionError("element " + i + ": got " + got[i] + ", want " + want[i]);
      }
    }
  }

  @Test
  void denseRowsComputesOnlyTheUnmaskedRows() {
    Random r = new Random(7);
    // a recurrent projection's rows, [batch, time]: each row's steps masked from its length on; and a scattered mask
    int[][] shapes = {{4, 9, 16, 40}, {3, 50, 64, 512}, {2, 80, 33, 20}};
    for (int threads : new int[] {1, 2}) {
      KernelSet kernels = JavaKernels.FACTORY.create(threads);
      try {
        for (int[] s : shapes) {
          int batch = s[0], time = s[1], k = s[2], n = s[3], m = batch * time;
          float[] a = random(r, m * k), b = random(r, k * n), bias = random(r, n);
          for (boolean scattered : new boolean[] {false, true}) {
            int[] mask = new int[m];
            for (int i = 0; i < m; i++) {
              mask[i] = scattered ? r.nextInt(2) : i % time < time / 2 + i / time ? 1 : 0;
            }
            float[] c = new float[m * n];
            java.util.Arrays.fill(c, Float.NaN);
            kernels.denseRows(a, m, k, kernels.packDenseWeights(b, k, n), n, bias, Activation.RELU, c, mask);
            float[] want = ejml(a, b, m, k, n);
            for (int i = 0; i < m; i++) {
              for (int j = 0; j < n; j++) {
                float got = c[i * n + j];
                if (mask[i] == 0) {
                  assertThat(got).isNaN(); // skipped
                } else {
                  float w = Math.max(0f, want[i * n + j] + bias[j]);
                  double tol = 1e-5 * (Math.abs(w) + Math.sqrt(k));
                  if (Math.abs(got - w) > tol) {
                    throw new AssertionError(threads + " threads, " + m + "x" + k + "x" + n + " row " + i + ": got "
                        + got + ", want " + w);
                  }
                }
              }
            }
          }
        }
      } finally {
        kernels.close();
      }
    }
  }

  @Test
  void matmulMatchesEjml() {
    Random r = new Random(1);
    for (int[] s : SIZES) {
      int m = s[0], k = s[1], n = s[2];
      float[] a = random(r, m * k);
      float[] b = random(r, k * n);
      float[] c = new float[m * n + 3]; // longer than needed
      c[m * n] = 42f;
      Gemm.matmul(a, b, c, m, k, n);
      assertClose(c, ejml(a, b, m, k, n), m * n, k);
      assertThat(c[m * n]).isEqualTo(42f);
    }
  }

  @Test
  void matmulWithOffsets() {
    Random r = new Random(2);
    int m = 5, k = 9, n = 11;
    float[] a = random(r, m * k + 3);
    float[] b = random(r, k * n + 4);
    float[] c = new float[m * n + 6];
    Gemm.matmul(a, 3, b, 4, c, 6, m, k, n);
    float[] a0 = java.util.Arrays.copyOfRange(a, 3, 3 + m * k);
    float[] b0 = java.util.Arrays.copyOfRange(b, 4, 4 + k * n);
    float[] want = ejml(a0, b0, m, k, n);
    assertClose(java.util.Arrays.copyOfRange(c, 6, 6 + m * n), want, m * n, k);
    assertThat(c[0]).isEqualTo(0f);
  }

  @Test
  void randomSizesDenseMatchesEjmlWithBiasAndActivations() {
    Random r = new Random(3);
    Activation[] acts = {null, Activation.LINEAR, Activation.RELU, Activation.SIGMOID, Activation.SOFTMAX, Activation.TANH};
    for (int trial = 0; trial < 30; trial++) {
      int m = trial % 5 == 0 ? 1 : 1 + r.nextInt(40);
      int k = 1 + r.nextInt(700);
      int n = 1 + r.nextInt(700);
      Activation act = acts[trial % acts.length];
      float[] a = random(r, m * k);
      float[] b = random(r, k * n);
      float[] bias = trial % 3 == 0 ? null : random(r, n);
      float[] c = new float[m * n];
      Gemm.dense(a, m, k, Gemm.packWeights(b, k, n), n, bias, act, c);

      float[] want = ejml(a, b, m, k, n);
      for (int i = 0; i < m; i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          float v = want[i * n + j] + (bias == null ? 0f : bias[j]);
          want[i * n + j] = v;
          max = Math.max(max, v);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
          float v = want[i * n + j];
          float y;
          if (act == Activation.RELU) y = v > 0 ? v : 0;
          else if (act == Activation.SIGMOID) y = (float) (1 / (1 + Math.exp(-v)));
          else if (act == Activation.TANH) y = (float) Math.tanh(v);
          else if (act == Activation.SOFTMAX) {
            y = (float) Math.exp(v - max);
            sum += y;
          } else y = v;
          want[i * n + j] = y;
        }
        if (act == Activation.SOFTMAX) for (int j = 0; j < n; j++) want[i * n + j] /= sum;
      }
      if (act == Activation.SIGMOID || act == Activation.TANH || act == Activation.SOFTMAX) {
        // bounded outputs: absolute tolerance scaled by the pre-activation error
        for (int i = 0; i < m * n; i++) {
          assertThat((double) c[i]).isWithin(1e-4).of(want[i]);
        }
      } else {
        assertClose(c, want, m * n, k);
      }
    }
  }

  @Test
  void packedLayoutHoldsEveryWeightOnce() {
    int k = 300, n = 1100;
    float[] b = new float[k * n];
    for (int i = 0; i < b.length; i++) b[i] = i;
    Gemm.Packed p = Gemm.packWeights(b, k, n);
    float[] sortedP = new float[k * n];
    int at = 0;
    for (float[] row : p.rows) {
      System.arraycopy(row, 0, sortedP, at, row.length);
      at += row.length;
    }
    java.util.Arrays.sort(sortedP);
    assertThat(sortedP).isEqualTo(b);
  }
}

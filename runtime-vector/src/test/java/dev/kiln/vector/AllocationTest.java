package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.Activation;
import dev.kiln.kernels.KernelSet;
import java.lang.management.ManagementFactory;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Once C2 has compiled them, the vector kernels allocate nothing per call: a vector that C2 cannot keep in registers
 * (merged by a vector-valued branch, or passed to a call it did not inline) becomes an object per use, which the
 * numerical tests cannot see. One call of each of the small CNN's paths and a few others (GEMM, GEMV, Winograd
 * convolution + pooling, one-channel convolution + pooling in registers, blocked-row and gathered convolutions,
 * depthwise, max pooling), on the calling thread. Only where the species is native: emulated 512-bit vectors on an
 * AVX2 machine allocate by design.
 */
class AllocationTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Test
  void kernelsAllocateNothingOnceCompiled() {
    assumeTrue(Sgemm.S.length() <= FloatVector.SPECIES_PREFERRED.length(), "species emulated on this machine");
    THREADS.setThreadAllocatedMemoryEnabled(true);
    Random r = new Random(5);
    KernelSet ks = VectorKernels.FACTORY.create(1);
    float[] x1 = random(r, 2 * 28 * 28), x16 = random(r, 2 * 13 * 13 * 16), a = random(r, 8 * 200);
    float[] small = random(r, 8 * 8 * 16);
    float[] k1 = ks.packConvKernel(random(r, 9 * 16), 3, 3, 1, 16, 1);
    float[] k16 = ks.packConvKernel(random(r, 9 * 16 * 32), 3, 3, 16, 32, 1);
    float[] k16x5 = ks.packConvKernel(random(r, 25 * 16 * 32), 5, 5, 16, 32, 1);
    float[] dense = ks.packDenseWeights(random(r, 200 * 64), 200, 64);
    float[] dw = random(r, 9 * 16), b16 = random(r, 16), b32 = random(r, 32), b64 = random(r, 64);
    float[] p1 = new float[2 * 13 * 13 * 16], p2 = new float[2 * 5 * 5 * 32], conv = new float[8 * 8 * 32];
    float[] y = new float[8 * 64], y1 = new float[64], d = new float[2 * 13 * 13 * 16];
    float[] pooled = new float[2 * 6 * 6 * 16];
    Runnable[] calls = {
      () -> ks.conv2dMaxPool(x1, 2, 28, 28, 1, k1, 3, 3, 16, 1, 1, 1, 1, 0, 0, 26, 26, 1, b16, null,
          Activation.RELU, null, 2, 2, 2, 2, 0, 0, 13, 13, p1),
      () -> ks.conv2dMaxPool(x16, 2, 13, 13, 16, k16, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, b32, null,
          Activation.RELU, null, 2, 2, 2, 2, 0, 0, 5, 5, p2),
      () -> ks.conv2d(small, 1, 8, 8, 16, k16, 3, 3, 32, 1, 1, 1, 1, 1, 1, 8, 8, 1, b32, null, Activation.RELU6, conv),
      () -> ks.conv2d(small, 1, 8, 8, 16, k16x5, 5, 5, 32, 2, 2, 1, 1, 2, 2, 4, 4, 1, b32, null, Activation.RELU,
          conv),
      () -> ks.dense(a, 8, 200, dense, 64, b64, Activation.RELU, y),
      () -> ks.dense(a, 1, 200, dense, 64, b64, Activation.LINEAR, y1),
      () -> ks.depthwise2d(x16, 2, 13, 13, 16, dw, 3, 3, 1, 1, 1, 1, 1, 1, 1, 13, 13, b16, Activation.RELU6, d),
      () -> ks.maxPool2d(x16, 2, 13, 13, 16, 2, 2, 2, 2, 0, 0, 6, 6, pooled),
    };
    // C2 compiles a kernel after about 10,000 calls or loop iterations; until then vectors are objects
    for (int i = 0; i < 20_000; i++) {
      for (Runnable call : calls) call.run();
    }
    for (int c = 0; c < calls.length; c++) {
      // the best window within 5 s: a compilation still in C2's queue, or a recompilation after a deoptimisation
      // (a CI run once measured 43 KB a call here right after the warm-up), gets time to finish
      long best = Long.MAX_VALUE;
      for (long end = System.nanoTime() + 5_000_000_000L; best > 0 && System.nanoTime() < end; ) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100; i++) calls[c].run();
        best = Math.min(best, THREADS.getCurrentThreadAllocatedBytes() - before);
      }
      assertEquals(0L, best, "bytes allocated by 100 calls of kernel call " + c);
    }
    ks.close();
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = r.nextFloat() - 0.5f;
    return x;
  }
}

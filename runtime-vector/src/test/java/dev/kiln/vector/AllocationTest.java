package dev.kiln.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.Activation;
import dev.kiln.kernels.Attention;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.kernels.RecurrentCell;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Once C2 has compiled them, the vector kernels allocate nothing per call, on the calling thread or on the workers. A
 * vector that C2 cannot keep in registers (merged by a vector-valued branch, or passed to a call it did not inline)
 * becomes an object per use, which the numerical tests cannot see. Every kernel path a session takes is called here,
 * at the species sessions use ({@link Sgemm#S}), on one thread and on two.
 *
 * <p>Deterministic: its surefire executions run it in its own JVM with {@code -Xbatch}, so each compilation finishes
 * before the warm-up goes on; then one measurement per path must be 0 bytes. No retry. It runs at the default
 * species, never skipped, and again with {@code -Dkiln.vector.bits=512}, which it reports skipped (with the reason) on
 * a machine without AVX-512, where 512-bit vectors are emulated as objects.
 */
class AllocationTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final int WARM_UP_ROUNDS = 12_000;
  private static final int MEASURED_CALLS = 50;

  @Test
  void speciesIsNative() {
    // the default species must be one the CPU runs natively, else every call boxes
    assertTrue(Integer.getInteger("kiln.vector.bits") != null
        || Sgemm.S.vectorBitSize() <= FloatVector.SPECIES_PREFERRED.vectorBitSize(),
        "default species " + Sgemm.S + " is wider than this machine's " + FloatVector.SPECIES_PREFERRED);
  }

  @Test
  void kernelsAllocateNothingOnceCompiled() {
    // a species chosen wider than the machine's (the 512-bit run on an AVX2 machine) is emulated: objects by design
    assumeTrue(Sgemm.S.vectorBitSize() <= FloatVector.SPECIES_PREFERRED.vectorBitSize(),
        "-Dkiln.vector.bits=" + Integer.getInteger("kiln.vector.bits") + " is wider than this machine's "
            + FloatVector.SPECIES_PREFERRED + ": emulated, not measured");
    THREADS.setThreadAllocatedMemoryEnabled(true);
    KernelSet one = VectorKernels.FACTORY.create(1);
    KernelSet two = VectorKernels.FACTORY.create(2);
    try {
      Map<String, Runnable> calls = new LinkedHashMap<>();
      addCases(calls, one, "1 thread", 1);
      addCases(calls, two, "2 threads", 4);
      for (int i = 0; i < WARM_UP_ROUNDS; i++) {
        for (Runnable call : calls.values()) call.run();
      }
      List<String> allocating = new ArrayList<>();
      for (Map.Entry<String, Runnable> c : calls.entrySet()) {
        long[] ids = threadIds();
        // reading the counters allocates their result array: measure that once and take it off
        long overhead = -allocated(ids) + allocated(ids);
        long before = allocated(ids);
        for (int i = 0; i < MEASURED_CALLS; i++) c.getValue().run();
        long bytes = allocated(ids) - before - overhead;
        if (bytes != 0) allocating.add(c.getKey() + ": " + bytes + " bytes in " + MEASURED_CALLS + " calls");
      }
      assertEquals(List.of(), allocating, "kernel paths that allocate at " + Sgemm.S.vectorBitSize() + " bits");
    } finally {
      one.close();
      two.close();
    }
  }

  /**
   * One call per kernel path; {@code batch} scales the inputs so that the two-thread kernel set splits them. Each
   * case names its path; where a predicate of the kernels decides it, the case asserts that it is taken.
   */
  private static void addCases(Map<String, Runnable> calls, KernelSet ks, String threads, int batch) {
    Random r = new Random(5);
    int n = batch;
    // dense: GEMV on the transposed copy, GEMV on panels, packed A (>= 3 panels), A in place, a partial last panel
    float[] a = random(r, 64 * n * 200), y = new float[64 * n * 1024];
    PackedWeights d64 = ks.packDenseWeights(random(r, 200 * 64), 200, 64);
    PackedWeights d10 = ks.packDenseWeights(random(r, 200 * 10), 200, 10);
    PackedWeights dWide = ks.packDenseWeights(random(r, 200 * 1024), 200, 1024);
    float[] b64 = random(r, 64), b10 = random(r, 10), b1024 = random(r, 1024);
    calls.put(threads + ": dense GEMV transposed", () -> ks.dense(a, 1, 200, d64, 64, b64, Activation.RELU, y));
    calls.put(threads + ": dense GEMV panels, partial panel", () -> ks.dense(a, 1, 200, d10, 10, b10, null, y));
    calls.put(threads + ": dense GEMV wide", () -> ks.dense(a, 1, 200, dWide, 1024, b1024, Activation.LINEAR, y));
    calls.put(threads + ": dense packed A", () -> ks.dense(a, 16 * n, 200, dWide, 1024, b1024, Activation.RELU6, y));
    calls.put(threads + ": dense A in place", () -> ks.dense(a, 16 * n, 200, d64, 64, null, Activation.HARD_SILU, y));
    calls.put(threads + ": dense partial panel, softmax",
        () -> ks.dense(a, 64 * n, 200, d10, 10, b10, Activation.SOFTMAX, y));
    int[] rowMask = new int[32 * n];
    for (int i = 0; i < rowMask.length; i++) rowMask[i] = i % 8 < 6 ? 1 : 0; // sentences padded at the end
    calls.put(threads + ": dense rows of a masked projection",
        () -> ks.denseRows(a, 32 * n, 200, dWide, 1024, b1024, Activation.LINEAR, y, rowMask));
    calls.put(threads + ": dense, sigmoid epilogue", () -> ks.dense(a, 8 * n, 200, d64, 64, b64, Activation.SIGMOID, y));

    // convolutions
    float[] img1 = random(r, n * 28 * 28), img3 = random(r, n * 32 * 32 * 3), img16 = random(r, n * 13 * 13 * 16);
    float[] img32 = random(r, n * 14 * 14 * 32), res = random(r, n * 14 * 14 * 32);
    PackedWeights k1x32 = ks.packConvKernel(random(r, 9 * 32), 3, 3, 1, 32, 1);
    PackedWeights k1x32k5 = ks.packConvKernel(random(r, 25 * 32), 5, 5, 1, 32, 1);
    PackedWeights k3x32 = ks.packConvKernel(random(r, 9 * 3 * 32), 3, 3, 3, 32, 1);
    PackedWeights k16x32 = ks.packConvKernel(random(r, 9 * 16 * 32), 3, 3, 16, 32, 1);
    PackedWeights k16x32k5 = ks.packConvKernel(random(r, 25 * 16 * 32), 5, 5, 16, 32, 1);
    PackedWeights k32x64pw = ks.packConvKernel(random(r, 32 * 64), 1, 1, 32, 64, 1);
    PackedWeights k32x32g = ks.packConvKernel(random(r, 9 * 8 * 32), 3, 3, 8, 32, 4);
    PackedWeights k32x24 = ks.packConvKernel(random(r, 9 * 32 * 24), 3, 3, 32, 24, 1);
    float[] b16 = random(r, 16), b24 = random(r, 24), b32 = random(r, 32);
    float[] conv = new float[n * 32 * 32 * 64], pooled = new float[n * 16 * 16 * 64];
    // 32 filters: whole panels at 256 and at 512 bits, so every case takes the same path at both widths
    assertTrue(VConv.byRows(28, 28, 1, 3, 3, 32, 1, 1, 1, 1, 0, 0, 26, 26));
    calls.put(threads + ": conv one channel by rows",
        () -> ks.conv2d(img1, n, 28, 28, 1, k1x32, 3, 3, 32, 1, 1, 1, 1, 0, 0, 26, 26, 1, b32, null, Activation.RELU, conv));
    assertTrue(VConv.byBlockedRows(16, 32, 1, 1, 1, 1, 1));
    calls.put(threads + ": conv blocked rows, SAME",
        () -> ks.conv2d(img16, n, 13, 13, 16, k16x32, 3, 3, 32, 1, 1, 1, 1, 1, 1, 13, 13, 1, b32, null,
            Activation.RELU6, conv));
    calls.put(threads + ": conv blocked rows, residual",
        () -> ks.conv2d(img32, n, 14, 14, 32, k32x24, 3, 3, 24, 1, 1, 1, 1, 1, 1, 14, 14, 1, b24, res,
            Activation.RELU, conv));
    calls.put(threads + ": conv direct, stride 2, padded",
        () -> ks.conv2d(img16, n, 13, 13, 16, k16x32k5, 5, 5, 32, 2, 2, 1, 1, 2, 2, 7, 7, 1, b32, null,
            Activation.RELU, conv));
    calls.put(threads + ": conv gathered taps (3 channels, stride 2)",
        () -> ks.conv2d(img3, n, 32, 32, 3, k3x32, 3, 3, 32, 2, 2, 1, 1, 0, 0, 16, 16, 1, b32, null,
            Activation.RELU6, conv));
    calls.put(threads + ": conv 1x1 as GEMM",
        () -> ks.conv2d(img32, n, 14, 14, 32, k32x64pw, 1, 1, 64, 1, 1, 1, 1, 0, 0, 14, 14, 1, null, null,
            Activation.LINEAR, conv));
    calls.put(threads + ": conv grouped",
        () -> ks.conv2d(img32, n, 14, 14, 32, k32x32g, 3, 3, 32, 1, 1, 1, 1, 1, 1, 14, 14, 4, b32, null,
            Activation.RELU, conv));
    calls.put(threads + ": conv, tanh epilogue",
        () -> ks.conv2d(img16, n, 13, 13, 16, k16x32, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, b32, null,
            Activation.TANH, conv));

    // convolution + max pooling
    assertTrue(VConv.byPooledRows(28, 28, 1, 3, 3, 32, 1, 1, 1, 1, 0, 0, 26, 26, Activation.RELU, 2, 2, 2, 2, 0, 0,
        13, 13));
    calls.put(threads + ": conv + pool in registers, 3x3",
        () -> ks.conv2dMaxPool(img1, n, 28, 28, 1, k1x32, 3, 3, 32, 1, 1, 1, 1, 0, 0, 26, 26, 1, b32, null,
            Activation.RELU, conv, 2, 2, 2, 2, 0, 0, 13, 13, pooled));
    calls.put(threads + ": conv + pool in registers, 5x5",
        () -> ks.conv2dMaxPool(img1, n, 28, 28, 1, k1x32k5, 5, 5, 32, 1, 1, 1, 1, 0, 0, 24, 24, 1, b32, null,
            Activation.LINEAR, conv, 2, 2, 2, 2, 0, 0, 12, 12, pooled));
    assertTrue(Winograd.applies(((VPacked) k16x32).data, 3, 3, 16, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, Activation.RELU, 2, 2, 2, 2, 0, 0,
        5, 5));
    calls.put(threads + ": Winograd conv + pool",
        () -> ks.conv2dMaxPool(img16, n, 13, 13, 16, k16x32, 3, 3, 32, 1, 1, 1, 1, 0, 0, 11, 11, 1, b32, null,
            Activation.RELU, conv, 2, 2, 2, 2, 0, 0, 5, 5, pooled));
    calls.put(threads + ": conv + pool by bands (3x3 pooling)",
        () -> ks.conv2dMaxPool(img16, n, 13, 13, 16, k16x32, 3, 3, 32, 1, 1, 1, 1, 1, 1, 13, 13, 1, b32, null,
            Activation.RELU6, conv, 3, 3, 2, 2, 0, 0, 6, 6, pooled));
    calls.put(threads + ": conv + pool, 3 channels",
        () -> ks.conv2dMaxPool(img3, n, 32, 32, 3, k3x32, 3, 3, 32, 1, 1, 1, 1, 0, 0, 30, 30, 1, b32, null,
            Activation.RELU, conv, 2, 2, 2, 2, 0, 0, 15, 15, pooled));

    // depthwise (multiplier 1, vectorized) and pooling
    float[] dw = random(r, 9 * 32), dw16 = random(r, 9 * 16), depth = new float[n * 14 * 14 * 32];
    calls.put(threads + ": depthwise stride 1",
        () -> ks.depthwise2d(img32, n, 14, 14, 32, dw, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14, b32, Activation.RELU6,
            depth));
    calls.put(threads + ": depthwise stride 2",
        () -> ks.depthwise2d(img32, n, 14, 14, 32, dw, 3, 3, 1, 2, 2, 1, 1, 0, 0, 7, 7, null, Activation.LINEAR,
            depth));
    float[] dw5 = random(r, 25 * 32);
    calls.put(threads + ": depthwise 5x5 (tap lists)",
        () -> ks.depthwise2d(img32, n, 14, 14, 32, dw5, 5, 5, 1, 1, 1, 1, 1, 2, 2, 14, 14, b32, Activation.RELU,
            depth));
    calls.put(threads + ": depthwise 16 channels",
        () -> ks.depthwise2d(img16, n, 13, 13, 16, dw16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 13, 13, b16, Activation.RELU,
            depth));
    // depthwise + 1x1 convolution, fused tile by tile
    PackedWeights pw24 = ks.packConvKernel(random(r, 32 * 24), 1, 1, 32, 24, 1);
    float[] res24 = random(r, n * 14 * 14 * 24);
    float[] dwTile = new float[n * 14 * 14 * 32], pwOut = new float[n * 14 * 14 * 24];
    calls.put(threads + ": depthwise + pointwise fused, residual",
        () -> ks.depthwisePointwise(img32, n, 14, 14, 32, dw, 3, 3, 1, 1, 1, 1, 1, 1, 1, 14, 14, b32, Activation.RELU6,
            dwTile, pw24, 24, b24, res24, Activation.LINEAR, pwOut));
    calls.put(threads + ": depthwise + pointwise fused, stride 2, activations in passes",
        () -> ks.depthwisePointwise(img32, n, 14, 14, 32, dw, 3, 3, 1, 2, 2, 1, 1, 0, 0, 7, 7, b32,
            Activation.HARD_SILU, dwTile, pw24, 24, null, null, Activation.TANH, pwOut));
    calls.put(threads + ": max pool 2x2",
        () -> ks.maxPool2d(img32, n, 14, 14, 32, 2, 2, 2, 2, 0, 0, 7, 7, pooled));
    calls.put(threads + ": max pool 3x3, stride 2",
        () -> ks.maxPool2d(img32, n, 14, 14, 32, 3, 3, 2, 2, 0, 0, 7, 7, pooled));
    calls.put(threads + ": average pool", () -> ks.avgPool2d(img32, n, 14, 14, 32, 2, 2, 2, 2, 0, 0, 7, 7, pooled));

    // recurrent steps: the vector cells (one row; several, a masked one left out of the product), and a fallback cell
    addRecurrentCase(calls, ks, threads + ": LSTM step, 1 row",
        new RecurrentCell(RecurrentCell.Kind.LSTM, 128, Activation.TANH, Activation.SIGMOID, null), 1, r);
    addRecurrentCase(calls, ks, threads + ": LSTM step, 5 rows",
        new RecurrentCell(RecurrentCell.Kind.LSTM, 128, Activation.TANH, Activation.SIGMOID, null), 5, r);
    addRecurrentCase(calls, ks, threads + ": LSTM step, 13 rows (a part per thread)",
        new RecurrentCell(RecurrentCell.Kind.LSTM, 128, Activation.TANH, Activation.SIGMOID, null), 13, r);
    addRecurrentCase(calls, ks, threads + ": GRU step, 3 rows",
        new RecurrentCell(RecurrentCell.Kind.GRU, 64, Activation.TANH, Activation.SIGMOID, random(r, 64)), 3, r);
    addRecurrentCase(calls, ks, threads + ": SimpleRNN step, 2 rows",
        new RecurrentCell(RecurrentCell.Kind.SIMPLE_RNN, 128, Activation.TANH, Activation.SIGMOID, null), 2, r);
    addRecurrentCase(calls, ks, threads + ": LSTM step on the pure-Java fallback",
        new RecurrentCell(RecurrentCell.Kind.LSTM, 20, Activation.TANH, Activation.SIGMOID, null), 3, r);

    // attention: unmasked (the vector passes), and masked and causal with an odd number of queries (the scalar pass)
    float[] aq = random(r, n * 64 * 128), ak = random(r, n * 64 * 128), av = random(r, n * 64 * 128);
    float[] aOut = new float[n * 64 * 128], aWork = new float[(int) Attention.workSize(64, 64, 32, 32)];
    int[] aMask = new int[n * 64];
    for (int i = 0; i < aMask.length; i++) aMask[i] = i % 5 == 0 ? 0 : 1;
    assertTrue(VAttention.supports(64, 64, 32) && VAttention.supports(63, 64, 32));
    calls.put(threads + ": attention, 4 heads",
        () -> ks.attention(aq, ak, av, n, 64, 64, 4, 32, 32, 0.17f, null, 0, 0, 0, false, false, aOut, aWork));
    calls.put(threads + ": attention, masked, causal, odd queries",
        () -> ks.attention(aq, ak, av, n, 63, 64, 4, 32, 32, 0.17f, aMask, 64, 0, 1, true, false, aOut, aWork));
    calls.put(threads + ": attention, queries not whole tiles, value heads of three vectors",
        () -> ks.attention(aq, ak, av, n, 13, 64, 2, 32, 3 * Sgemm.VL, 0.17f, null, 0, 0, 0, false, false, aOut,
            aWork));

    // layer normalization: rows of whole vectors, and with a scalar tail and no scale
    float[] ln = random(r, n * 64 * 128), lnOut = new float[ln.length], lnGamma = random(r, 128);
    float[] lnBeta = random(r, 128);
    calls.put(threads + ": layer norm", () -> ks.layerNorm(ln, lnOut, n * 64, 128, lnGamma, lnBeta, 1e-6f));
    calls.put(threads + ": layer norm, tail, no scale",
        () -> ks.layerNorm(ln, lnOut, n * 64, 123, null, lnBeta, 1e-3f));
  }

  /** One {@code recurrentStep} of {@code cell} over {@code rows} rows, states and work space in one array. */
  private static void addRecurrentCase(Map<String, Runnable> calls, KernelSet ks, String name, RecurrentCell cell,
      int rows, Random r) {
    int u = cell.units();
    int g = cell.gates() * u;
    PackedWeights packed = ks.packRecurrentKernel(random(r, u * g), cell);
    assertEquals(u % 16 == 0, packed.getClass() == VRecurrent.Packed.class, name + ": packed as " + packed);
    float[] xw = random(r, rows * g);
    int[] mask = new int[rows];
    for (int i = 0; i < rows; i++) mask[i] = i % 4 == 1 ? 0 : 1;
    float[] s = new float[(int) (3 * rows * u + cell.workSize(rows))];
    calls.put(name, () -> ks.recurrentStep(cell, packed, rows, xw, 0, g, mask, 0, 1, s, 0, rows * u, 2 * rows * u,
        3 * rows * u));
  }

  /** The calling thread and the kernel sets' workers. */
  private static long[] threadIds() {
    List<Long> ids = new ArrayList<>();
    ids.add(Thread.currentThread().getId());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("kiln-vector")) ids.add(t.getId());
    }
    long[] out = new long[ids.size()];
    for (int i = 0; i < out.length; i++) out[i] = ids.get(i);
    return out;
  }

  private static long allocated(long[] ids) {
    long sum = 0;
    for (long b : THREADS.getThreadAllocatedBytes(ids)) sum += b;
    return sum;
  }

  private static float[] random(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = r.nextFloat() - 0.5f;
    return x;
  }
}

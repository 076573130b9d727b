package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.Activation;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A session runs its heavy kernels through the kernel set its options name, and closes it with the session. */
class KernelSetTest {
  /** Delegates to the pure-Java kernels and counts what the session asks for. */
  static final class Counting implements KernelSet {
    final KernelSet java;
    final AtomicInteger packs = new AtomicInteger();
    final AtomicInteger denseCalls = new AtomicInteger();
    final AtomicInteger threads = new AtomicInteger();
    volatile boolean closed;

    Counting(int threads) {
      this.java = JavaKernels.FACTORY.create(threads);
      this.threads.set(threads);
    }

    @Override public String name() { return "counting"; }

    @Override public PackedWeights packDenseWeights(float[] b, int k, int n) {
      packs.incrementAndGet();
      return java.packDenseWeights(b, k, n);
    }

    @Override public void dense(float[] a, int m, int k, PackedWeights packedB, int n, float[] bias, Activation act, float[] c) {
      denseCalls.incrementAndGet();
      java.dense(a, m, k, packedB, n, bias, act, c);
    }

    @Override public PackedWeights packConvKernel(float[] kernel, int kh, int kw, int cPerGroup, int f, int groups) {
      return java.packConvKernel(kernel, kh, kw, cPerGroup, f, groups);
    }

    @Override public void conv2d(float[] in, int n, int h, int w, int c, PackedWeights packed, int kh, int kw, int f, int strideH,
        int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, int groups, float[] bias,
        float[] residual, Activation act, float[] out) {
      java.conv2d(in, n, h, w, c, packed, kh, kw, f, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, groups, bias,
          residual, act, out);
    }

    @Override public void depthwise2d(float[] in, int n, int h, int w, int c, float[] kernel, int kh, int kw, int m,
        int strideH, int strideW, int dilH, int dilW, int padTop, int padLeft, int oh, int ow, float[] bias,
        Activation act, float[] out) {
      java.depthwise2d(in, n, h, w, c, kernel, kh, kw, m, strideH, strideW, dilH, dilW, padTop, padLeft, oh, ow, bias, act, out);
    }

    @Override public void close() {
      closed = true;
      java.close();
    }
  }

  @Test
  void sessionUsesTheKernelSetOfItsOptions() throws Exception {
    Counting[] created = new Counting[1];
    SessionOptions options = SessionOptions.defaults().intraOpThreads(3).kernels(threads -> created[0] = new Counting(threads));
    Tensor x = Main.syntheticInputs();
    Tensor expected;
    try (KilnMlp plain = KilnMlp.open(Main.mlpWeights())) {
      expected = plain.call(x);
    }
    KilnMlp session = KilnMlp.open(Main.mlpWeights(), options);
    Counting k = created[0];
    assertThat(k.threads.get()).isEqualTo(3);
    assertThat(k.packs.get()).isEqualTo(2); // hidden and out kernels, packed once at open
    assertThat(session.call(x).toFloatArray()).isEqualTo(expected.toFloatArray());
    assertThat(k.denseCalls.get()).isEqualTo(2); // one fused call per Dense layer
    assertThat(k.closed).isFalse();
    session.close();
    assertThat(k.closed).isTrue();
  }
}

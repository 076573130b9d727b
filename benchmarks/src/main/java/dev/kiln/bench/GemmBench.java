package dev.kiln.bench;

import dev.kiln.Activation;
import dev.kiln.kernels.Gemm;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.vector.VectorKernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code C[M,N] = A[M,K] B[K,N]} (shape {@code MxKxN}), one thread: Kiln's {@code Gemm.matmul} (B unpacked),
 * {@code Gemm.dense} (B packed once, as a session does for weights), kiln-runtime-vector's dense kernel (one thread,
 * B packed once by it) and EJML's {@code CommonOps_FDRM.mult}.
 * GFLOPS = 2MKN / time (RunAll converts).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GemmBench {
  @Param({"128x128x128", "512x512x512", "1x784x128", "64x784x128", "3136x27x16", "784x144x32"})
  public String mkn;

  @Param({"kiln-matmul", "kiln-dense", "kiln-vector-dense", "ejml"})
  public String impl;

  int m, k, n;
  float[] a, b, c;
  Gemm.Packed packed;
  PackedWeights vectorPacked;
  /** kiln-runtime-vector's kernels on one thread, as a session with {@code intraOpThreads(1)} has them. */
  final KernelSet vector = VectorKernels.FACTORY.create(1);
  FMatrixRMaj ea, eb, ec;

  @Setup(Level.Trial)
  public void setup() {
    String[] p = mkn.split("x");
    m = Integer.parseInt(p[0]);
    k = Integer.parseInt(p[1]);
    n = Integer.parseInt(p[2]);
    Random r = new Random(1);
    a = new float[m * k];
    b = new float[k * n];
    for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
    for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
    c = new float[m * n];
    packed = Gemm.packWeights(b, k, n);
    vectorPacked = vector.packDenseWeights(b, k, n);
    ea = FMatrixRMaj.wrap(m, k, a);
    eb = FMatrixRMaj.wrap(k, n, b);
    ec = new FMatrixRMaj(m, n);
    // the three agree before timing
    float[] ref = new float[m * n];
    Gemm.matmul(a, b, ref, m, k, n);
    Gemm.dense(a, m, k, packed, n, null, Activation.LINEAR, c);
    CommonOps_FDRM.mult(ea, eb, ec);
    float[] v = new float[m * n];
    vector.dense(a, m, k, vectorPacked, n, null, Activation.LINEAR, v);
    for (int i = 0; i < ref.length; i++) {
      float tol = 1e-4f * k;
      if (Math.abs(ref[i] - c[i]) > tol || Math.abs(ref[i] - ec.data[i]) > tol || Math.abs(ref[i] - v[i]) > tol) {
        throw new IllegalStateException(mkn + ": kernels disagree at " + i + ": " + ref[i] + " " + c[i] + " "
            + ec.data[i] + " " + v[i]);
      }
    }
  }

  @Benchmark
  public Object mult() {
    switch (impl) {
      case "kiln-matmul":
        Gemm.matmul(a, b, c, m, k, n);
        return c;
      case "kiln-dense":
        Gemm.dense(a, m, k, packed, n, null, Activation.LINEAR, c);
        return c;
      case "kiln-vector-dense":
        vector.dense(a, m, k, vectorPacked, n, null, Activation.LINEAR, c);
        return c;
      default:
        CommonOps_FDRM.mult(ea, eb, ec);
        return ec;
    }
  }
}

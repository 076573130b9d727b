package dev.kiln.conv;

import dev.kiln.Activation;
import dev.kiln.kernels.Conv;
import java.util.Arrays;
import java.util.Random;

/** Not a test: {@code java -cp target/classes:target/test-classes dev.kiln.conv.ConvBench}. Single thread; prints wall and thread-CPU medians (the latter is steadier on a loaded machine). */
public final class ConvBench {
  private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

  public static void main(String[] args) {
    run("3x3 56x56x64->64", 56, 64, 3, 64, 1);
    run("1x1 56x56x64->256", 56, 64, 1, 256, 1);
    run("3x3 28x28x128->128", 28, 128, 3, 128, 1);
    run("3x3 s2 56x56x64->128", 56, 64, 3, 128, 2);
    runDepthwise("dw 3x3 112x112x32", 112, 32);
  }

  static void run(String name, int hw, int c, int k, int f, int s) {
    Random r = new Random(1);
    float[] x = Ref.random(r, hw * hw * c);
    float[] ker = Ref.random(r, k * k * c * f);
    float[] bias = Ref.random(r, f);
    Conv.Packed packed = Conv.packKernel(ker, k, k, c, f, 1);
    int o = (hw + s - 1) / s;
    int pad = Math.max((o - 1) * s + k - hw, 0) / 2;
    float[] out = new float[o * o * f];
    double flops = 2.0 * o * o * f * k * k * c;
    double[] t = new double[15];
    double[] cpu = new double[15];
    for (int it = 0; it < 60; it++) {
      long t0 = System.nanoTime(), c0 = CPU.getCurrentThreadCpuTime();
      Conv.conv2d(x, 1, hw, hw, c, packed, k, k, f, s, s, 1, 1, pad, pad, o, o, 1, bias, null, Activation.RELU, out);
      long dt = System.nanoTime() - t0, dc = CPU.getCurrentThreadCpuTime() - c0;
      if (it >= 45) {
        t[it - 45] = dt;
        cpu[it - 45] = dc;
      }
    }
    Arrays.sort(t);
    Arrays.sort(cpu);
    System.out.printf("%s: median %.3f ms wall, %.1f GFLOPS; thread CPU %.3f ms, %.1f GFLOPS%n", name, t[7] / 1e6,
        flops / t[7], cpu[7] / 1e6, flops / cpu[7]);
  }

  static void runDepthwise(String name, int hw, int c) {
    Random r = new Random(1);
    float[] x = Ref.random(r, hw * hw * c);
    float[] ker = Ref.random(r, 9 * c);
    float[] out = new float[hw * hw * c];
    double[] t = new double[15];
    double[] cpu = new double[15];
    for (int it = 0; it < 60; it++) {
      long t0 = System.nanoTime(), c0 = CPU.getCurrentThreadCpuTime();
      Conv.depthwise2d(x, 1, hw, hw, c, ker, 3, 3, 1, 1, 1, 1, 1, 1, 1, hw, hw, null, Activation.RELU6, out);
      long dt = System.nanoTime() - t0, dc = CPU.getCurrentThreadCpuTime() - c0;
      if (it >= 45) {
        t[it - 45] = dt;
        cpu[it - 45] = dc;
      }
    }
    Arrays.sort(t);
    Arrays.sort(cpu);
    System.out.printf("%s: median %.3f ms wall, %.2f GFLOPS; thread CPU %.3f ms%n", name, t[7] / 1e6,
        2.0 * 9 * hw * hw * c / t[7], cpu[7] / 1e6);
  }
}

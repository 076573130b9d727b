package dev.kiln.bench;

import dev.kiln.Activation;
import dev.kiln.kernels.KernelSet;
import dev.kiln.kernels.PackedWeights;
import dev.kiln.kernels.Reductions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * MobileNetV2 (224x224x3, width 1, 1000 classes: example-app's model) as the sequence of kernel calls its compiled
 * session makes at batch {@code n}, on seeded random weights, so that its layers can be timed one by one and kernels
 * the session does not call yet can be measured on the whole model. Same shapes, strides, paddings, activations and
 * residuals as {@code KilnMobileNetV2.compute}; the weights are not the benchmark's (numbers, not outputs, matter
 * here).
 */
final class MobileNetV2Kernels {
  /** One kernel call of the model. */
  abstract static class Layer {
    final String name;
    final String kind;
    /** Multiply-adds at batch 1. */
    final long macs;

    Layer(String name, String kind, long macs) {
      this.name = name;
      this.kind = kind;
      this.macs = macs;
    }

    abstract void run(KernelSet ks, float[][] buf, int n);
  }

  /** Expansion, output channels, repeats, first stride of each stage (the MobileNetV2 paper's table 2). */
  private static final int[][] STAGES = {
      {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

  final List<Layer> layers = new ArrayList<>();
  /** Largest activation, floats per image. */
  final int maxActivation;
  private final int batch;

  /**
   * The layers packed for {@code ks}. {@code fused}: each block's depthwise convolution and projection as one
   * {@link KernelSet#depthwisePointwise} call.
   */
  MobileNetV2Kernels(KernelSet ks, int batch, boolean fused) {
    this.batch = batch;
    Random r = new Random(2);
    int h = 112, c = 32;
    int max = 112 * 112 * 32;
    PackedWeights stemK = ks.packConvKernel(weights(r, 27 * 32, 27), 3, 3, 3, 32, 1);
    float[] stemB = weights(r, 32, 10);
    // buffers: 0 input, 1-3 activations (as the session's f0, f1, f2)
    layers.add(new Layer("stem 3x3/2 3>32", "stem", 112L * 112 * 32 * 27) {
      void run(KernelSet k, float[][] b, int n) {
        k.conv2d(b[0], n, 224, 224, 3, stemK, 3, 3, 32, 2, 2, 1, 1, 0, 0, 112, 112, 1, stemB, null, Activation.RELU6,
            b[1]);
      }
    });
    int x = 1; // buffer holding the block input
    int blockIndex = 0;
    for (int[] st : STAGES) {
      for (int rep = 0; rep < st[2]; rep++, blockIndex++) {
        int t = st[0], cout = st[1], s = rep == 0 ? st[3] : 1;
        int ce = c * t, oh = h / s;
        int hIn = h, cIn = c;
        String id = "b" + blockIndex + " ";
        int e = x;
        if (t != 1) {
          e = other(x, -1);
          final int src = x, dst = e;
          PackedWeights k = ks.packConvKernel(weights(r, cIn * ce, cIn), 1, 1, cIn, ce, 1);
          float[] bias = weights(r, ce, 10);
          layers.add(new Layer(id + "expand " + hIn + "x" + hIn + " " + cIn + ">" + ce, "expand",
              (long) hIn * hIn * cIn * ce) {
            void run(KernelSet kk, float[][] b, int n) {
              kk.conv2d(b[src], n, hIn, hIn, cIn, k, 1, 1, ce, 1, 1, 1, 1, 0, 0, hIn, hIn, 1, bias, null,
                  Activation.RELU6, b[dst]);
            }
          });
        }
        max = Math.max(max, hIn * hIn * ce);
        int d = other(x, e);
        int p = s == 1 ? 1 : 0; // stride 2: TF's SAME pads bottom and right only, which the kernels' bounds do
        float[] dwK = weights(r, 9 * ce, 9);
        float[] dwB = weights(r, ce, 10);
        PackedWeights pwK = ks.packConvKernel(weights(r, ce * cout, ce), 1, 1, ce, cout, 1);
        float[] pwB = weights(r, cout, 10);
        boolean residual = s == 1 && cIn == cout;
        final int src = e, mid = d, res = x;
        int out = other(x, d); // neither the block input (the residual) nor the depthwise output
        final int dst = out;
        if (fused) {
          layers.add(new Layer(id + "dw+project " + oh + "x" + oh + " " + ce + ">" + cout, "dw+project",
              (long) oh * oh * ce * (9 + cout)) {
            void run(KernelSet kk, float[][] b, int n) {
              kk.depthwisePointwise(b[src], n, hIn, hIn, ce, dwK, 3, 3, 1, s, s, 1, 1, p, p, oh, oh, dwB,
                  Activation.RELU6, b[mid], pwK, cout, pwB, residual ? b[res] : null, Activation.LINEAR, b[dst]);
            }
          });
        } else {
          layers.add(new Layer(id + "dw 3x3/" + s + " " + oh + "x" + oh + " " + ce, "depthwise", (long) oh * oh * ce * 9) {
            void run(KernelSet kk, float[][] b, int n) {
              kk.depthwise2d(b[src], n, hIn, hIn, ce, dwK, 3, 3, 1, s, s, 1, 1, p, p, oh, oh, dwB, Activation.RELU6,
                  b[mid]);
            }
          });
          layers.add(new Layer(id + "project " + oh + "x" + oh + " " + ce + ">" + cout + (residual ? " +res" : ""),
              "project", (long) oh * oh * ce * cout) {
            void run(KernelSet kk, float[][] b, int n) {
              kk.conv2d(b[mid], n, oh, oh, ce, pwK, 1, 1, cout, 1, 1, 1, 1, 0, 0, oh, oh, 1, pwB,
                  residual ? b[res] : null, Activation.LINEAR, b[dst]);
            }
          });
        }
        x = out;
        h = oh;
        c = cout;
      }
    }
    PackedWeights headK = ks.packConvKernel(weights(r, 320 * 1280, 320), 1, 1, 320, 1280, 1);
    float[] headB = weights(r, 1280, 10);
    final int hx = x, hOut = other(x, -1), pooled = other(x, hOut);
    layers.add(new Layer("head 1x1 7x7 320>1280", "head", 49L * 320 * 1280) {
      void run(KernelSet k, float[][] b, int n) {
        k.conv2d(b[hx], n, 7, 7, 320, headK, 1, 1, 1280, 1, 1, 1, 1, 0, 0, 7, 7, 1, headB, null, Activation.RELU6,
            b[hOut]);
      }
    });
    layers.add(new Layer("global average pool", "pool", 49L * 1280) {
      void run(KernelSet k, float[][] b, int n) {
        Reductions.reduce(Reductions.MEAN, b[hOut], b[pooled], n, 49, 1280);
      }
    });
    PackedWeights fcK = ks.packDenseWeights(weights(r, 1280 * 1000, 1280), 1280, 1000);
    float[] fcB = weights(r, 1000, 10);
    layers.add(new Layer("classifier 1280>1000 softmax", "classifier", 1280L * 1000) {
      void run(KernelSet k, float[][] b, int n) {
        k.dense(b[pooled], n, 1280, fcK, 1000, fcB, Activation.SOFTMAX, b[4]);
      }
    });
    maxActivation = max;
  }

  /** Buffers for {@link #run}: the input, three activations, the output. */
  float[][] buffers() {
    Random r = new Random(3);
    float[] in = new float[batch * 224 * 224 * 3];
    for (int i = 0; i < in.length; i++) in[i] = r.nextFloat() * 2 - 1;
    return new float[][] {in, new float[batch * maxActivation], new float[batch * maxActivation],
        new float[batch * maxActivation], new float[batch * 1000]};
  }

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /**
   * Runs every layer; {@code nanos[i]} (nullable) gets layer {@code i}'s time added: the calling thread's CPU time if
   * {@code cpu} (it leaves out other threads, and the time the thread waited for a core on a loaded machine), else
   * wall time.
   */
  void run(KernelSet ks, float[][] buf, long[] nanos, boolean cpu) {
    long t = nanos == null ? 0 : cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).run(ks, buf, batch);
      if (nanos != null) {
        long now = cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
        nanos[i] += now - t;
        t = now;
      }
    }
  }

  long macs() {
    long m = 0;
    for (Layer l : layers) m += l.macs;
    return m * batch;
  }

  /** The activation buffer (1-3) that is neither {@code a} nor {@code b}. */
  private static int other(int a, int b) {
    for (int i = 1; i <= 3; i++) {
      if (i != a && i != b) return i;
    }
    throw new AssertionError();
  }

  /** Uniform in +-sqrt(3 / fanIn): unit variance through the layers, as a trained network keeps it. */
  private static float[] weights(Random r, int n, int fanIn) {
    float a = (float) Math.sqrt(3.0 / fanIn);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) w[i] = (r.nextFloat() * 2 - 1) * a;
    return w;
  }
}

package dev.kiln.conformance;

import static dev.kiln.conformance.Cases.s;

import dev.kiln.ConvOps;
import dev.kiln.NormOps;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tensorflow.Operand;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * Convolutions, pooling, normalization and resizing ({@link ConvOps}, {@link NormOps}), eagerly, against TF's
 * Conv2D, DepthwiseConv2dNative, MaxPool, AvgPool, FusedBatchNorm, ResizeNearestNeighbor / ResizeBilinear and a
 * moments-based layer norm, over grids of input sizes, kernels, strides, dilations, paddings and batch sizes.
 * (TF's CPU kernels reject strides > 1 together with dilations > 1, so those combinations are left out, and its
 * depthwise kernel has no dilations, so the oracle dilates the kernel.)
 */
class ConvNormConformanceTest {
  @AfterAll
  static void report() {
    Check.report();
  }

  static final int[][] HW = {{7, 7}, {8, 5}};
  static final int[][] KERNELS = {{1, 1}, {3, 3}, {2, 3}, {5, 5}};
  static final int[][] STRIDES = {{1, 1}, {2, 2}, {2, 1}};
  static final int[] DILATIONS = {1, 2};

  static String tfPadding(Padding p) {
    return p == Padding.SAME ? "SAME" : "VALID";
  }

  static boolean fits(int[] hw, int[] k, int d, Padding p) {
    return p == Padding.SAME || (hw[0] >= (k[0] - 1) * d + 1 && hw[1] >= (k[1] - 1) * d + 1);
  }

  @TestFactory
  List<DynamicTest> conv2d() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int batch : new int[] {1, 2}) {
      for (int[] hw : HW) {
        for (int[] k : KERNELS) {
          for (int[] st : STRIDES) {
            for (int d : DILATIONS) {
              if (d > 1 && (st[0] > 1 || st[1] > 1)) continue;
              for (Padding p : Padding.values()) {
                if (!fits(hw, k, d, p)) continue;
                String name = "x " + s(batch, hw[0], hw[1], 3) + " k " + s(k) + " s " + s(st) + " d " + d + " " + p;
                Random r = Check.random("Conv2D" + name);
                Tensor x = Check.gaussian(r, batch, hw[0], hw[1], 3);
                Tensor w = Check.gaussian(r, k[0], k[1], 3, 4);
                int dd = d;
                cases.add(Cases.of("Conv2D", name, () -> ConvOps.conv2d(x, w, st, new int[] {d, d}, p, 1),
                    t -> t.tf.nn.conv2d(t.placeholder(x), t.constant(w), List.of(1L, (long) st[0], (long) st[1], 1L),
                        tfPadding(p), Conv2d.dilations(1L, (long) dd, (long) dd, 1L))));
              }
            }
          }
        }
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> depthwiseConv2d() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int batch : new int[] {1, 2}) {
      for (int[] hw : HW) {
        for (int[] k : new int[][] {{3, 3}, {2, 3}}) {
          for (int[] st : new int[][] {{1, 1}, {2, 2}}) {
            for (int d : DILATIONS) {
              if (d > 1 && st[0] > 1) continue;
              for (int mult : new int[] {1, 2}) {
                for (Padding p : Padding.values()) {
                  if (!fits(hw, k, d, p)) continue;
                  String name = "x " + s(batch, hw[0], hw[1], 3) + " k " + s(k) + " x" + mult + " s " + s(st) + " d " + d + " " + p;
                  Random r = Check.random("Depthwise" + name);
                  Tensor x = Check.gaussian(r, batch, hw[0], hw[1], 3);
                  Tensor w = Check.gaussian(r, k[0], k[1], 3, mult);
                  // TF's CPU DepthwiseConv2dNative has no dilations: the oracle dilates the kernel itself
                  // (zeros between taps), which is the same computation.
                  Tensor wd = dilate(w, d);
                  cases.add(Cases.of("DepthwiseConv2d", name,
                      () -> ConvOps.depthwiseConv2d(x, w, st, new int[] {d, d}, p),
                      t -> t.tf.nn.depthwiseConv2dNative(t.placeholder(x), t.constant(wd),
                          List.of(1L, (long) st[0], (long) st[1], 1L), tfPadding(p))));
                }
              }
            }
          }
        }
      }
    }
    return cases;
  }

  /** A {@code [kh, kw, a, b]} kernel with {@code d - 1} zero rows/columns between taps. */
  static Tensor dilate(Tensor w, int d) {
    int[] ks = w.shape();
    int kh = (ks[0] - 1) * d + 1;
    int kw = (ks[1] - 1) * d + 1;
    int inner = ks[2] * ks[3];
    float[] src = w.toFloatArray();
    float[] out = new float[kh * kw * inner];
    for (int i = 0; i < ks[0]; i++) {
      for (int j = 0; j < ks[1]; j++) {
        System.arraycopy(src, (i * ks[1] + j) * inner, out, ((i * d) * kw + j * d) * inner, inner);
      }
    }
    return Tensor.of(out, kh, kw, ks[2], ks[3]);
  }

  @TestFactory
  List<DynamicTest> pooling() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int batch : new int[] {1, 3}) {
      for (int[] hw : HW) {
        for (int[] k : new int[][] {{2, 2}, {3, 3}, {2, 3}}) {
          for (int[] st : new int[][] {{1, 1}, {2, 2}, {1, 2}, {3, 3}}) {
            for (Padding p : Padding.values()) {
              String name = "x " + s(batch, hw[0], hw[1], 2) + " k " + s(k) + " s " + s(st) + " " + p;
              Tensor x = Check.gaussian(Check.random("Pool" + name), batch, hw[0], hw[1], 2);
              cases.add(Cases.of("MaxPool", name, () -> ConvOps.maxPool2d(x, k, st, p),
                  t -> t.tf.nn.maxPool(t.placeholder(x), t.ints(1, k[0], k[1], 1), t.ints(1, st[0], st[1], 1), tfPadding(p))));
              cases.add(Cases.of("AvgPool", name, () -> ConvOps.avgPool2d(x, k, st, p),
                  t -> t.tf.nn.avgPool(t.placeholder(x), List.of(1L, (long) k[0], (long) k[1], 1L),
                      List.of(1L, (long) st[0], (long) st[1], 1L), tfPadding(p))));
            }
          }
        }
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> batchNorm() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : new int[][] {{1, 4, 4, 3}, {2, 5, 3, 8}, {5, 1, 1, 16}}) {
      for (float eps : new float[] {1e-3f, 1e-5f, 0.1f}) {
        String name = s(shape) + " epsilon " + eps;
        Random r = Check.random("BatchNorm" + name);
        int c = shape[3];
        Tensor x = Check.gaussian(r, shape);
        Tensor mean = Check.gaussian(r, c);
        Tensor var = Check.uniform(r, 0.01f, 2f, c);
        Tensor gamma = Check.uniform(r, 0.5f, 1.5f, c);
        Tensor beta = Check.gaussian(r, c);
        cases.add(Cases.of("BatchNorm", name, () -> NormOps.batchNorm(x, mean, var, gamma, beta, -1, eps),
            t -> t.tf.nn.fusedBatchNorm(t.placeholder(x), t.constant(gamma), t.constant(beta), t.constant(mean),
                t.constant(var), FusedBatchNorm.epsilon(eps), FusedBatchNorm.isTraining(false)).y()));
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> layerNorm() {
    List<DynamicTest> cases = new ArrayList<>();
    int[] shape = {2, 3, 4, 5};
    for (int[] axes : new int[][] {{-1}, {3}, {2, 3}, {1, 2, 3}, {1, 2}}) {
      for (float eps : new float[] {1e-3f, 1e-6f}) {
        String name = s(shape) + " axes " + s(axes) + " epsilon " + eps;
        Random r = Check.random("LayerNorm" + name);
        Tensor x = Ops4.add(Check.gaussian(r, shape), 3f);
        int[] pos = axes.clone();
        for (int i = 0; i < pos.length; i++) if (pos[i] < 0) pos[i] += shape.length;
        int[] paramShape = new int[pos.length];
        int[] broadcast = {1, 1, 1, 1};
        for (int i = 0; i < pos.length; i++) {
          paramShape[i] = shape[pos[i]];
          broadcast[pos[i]] = shape[pos[i]];
        }
        Tensor gamma = Check.uniform(r, 0.5f, 1.5f, paramShape);
        Tensor beta = Check.gaussian(r, paramShape);
        cases.add(Cases.of("LayerNorm", name, () -> NormOps.layerNorm(x, gamma, beta, axes, eps), t -> {
          var tf = t.tf;
          Operand<TFloat32> px = t.placeholder(x);
          Operand<TFloat32> mean = tf.math.mean(px, t.ints(pos), Mean.keepDims(true));
          Operand<TFloat32> centered = tf.math.sub(px, mean);
          Operand<TFloat32> var = tf.math.mean(tf.math.square(centered), t.ints(pos), Mean.keepDims(true));
          Operand<TFloat32> norm = tf.math.mul(centered, tf.math.rsqrt(tf.math.add(var, t.scalar(eps))));
          return tf.math.add(tf.math.mul(norm, tf.reshape(t.constant(gamma), t.ints(broadcast))),
              tf.reshape(t.constant(beta), t.ints(broadcast)));
        }));
      }
    }
    return cases;
  }

  @TestFactory
  List<DynamicTest> resize() {
    List<DynamicTest> cases = new ArrayList<>();
    for (int[] shape : new int[][] {{1, 2, 3, 2}, {2, 4, 4, 1}, {3, 1, 5, 3}}) {
      for (int[] scale : new int[][] {{2, 2}, {3, 1}, {1, 2}, {3, 4}}) {
        String name = s(shape) + " x" + s(scale);
        Tensor x = Check.gaussian(Check.random("Resize" + name), shape);
        int[] size = {shape[1] * scale[0], shape[2] * scale[1]};
        cases.add(Cases.of("Resize(nearest)", name, () -> NormOps.resize(x, scale[0], scale[1], "nearest"),
            t -> t.tf.image.resizeNearestNeighbor(t.placeholder(x), t.ints(size), ResizeNearestNeighbor.halfPixelCenters(true))));
        cases.add(Cases.of("Resize(bilinear)", name, () -> NormOps.resize(x, scale[0], scale[1], "bilinear"),
            t -> t.tf.image.resizeBilinear(t.placeholder(x), t.ints(size), ResizeBilinear.halfPixelCenters(true))));
      }
    }
    return cases;
  }

  static final class Ops4 {
    static Tensor add(Tensor x, float k) {
      return dev.kiln.Ops.add(x, k);
    }
  }
}

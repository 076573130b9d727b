package dev.kiln.norm;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.kernels.Reductions;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReductionAxesTest {
  // x [2, 2, 3] = 0..11:  x[a][b][c] = 6a + 3b + c
  private static final Tensor X = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 2, 3);

  @Test
  void contiguousAxesHandValues() {
    // over {1, 2}: sums of 0..5 = 15 and 6..11 = 51
    Tensor s = Ops.sum(X, new int[] {1, 2}, false);
    assertThat(s.shape()).isEqualTo(new int[] {2});
    assertThat(s.toFloatArray()).usingExactEquality().containsExactly(15f, 51f).inOrder();
    // over {0, 1} keepDims: columns c: mean of {c, 3+c, 6+c, 9+c} = 4.5 + c
    Tensor m = Ops.mean(X, new int[] {-2, 0}, true);
    assertThat(m.shape()).isEqualTo(new int[] {1, 1, 3});
    assertThat(m.toFloatArray()).usingExactEquality().containsExactly(4.5f, 5.5f, 6.5f).inOrder();
  }

  @Test
  void nonContiguousAxesHandValues() {
    // over {0, 2}: for b = 0: {0,1,2,6,7,8} -> sum 24, mean 4, max 8; b = 1: {3,4,5,9,10,11} -> 42, 7, 11
    Tensor s = Ops.sum(X, new int[] {2, 0}, false);
    assertThat(s.shape()).isEqualTo(new int[] {2});
    assertThat(s.toFloatArray()).usingExactEquality().containsExactly(24f, 42f).inOrder();
    Tensor m = Ops.mean(X, new int[] {0, 2, 0}, true);
    assertThat(m.shape()).isEqualTo(new int[] {1, 2, 1});
    assertThat(m.toFloatArray()).usingExactEquality().containsExactly(4f, 7f).inOrder();
    Tensor mx = Ops.max(X, new int[] {0, -1}, false);
    assertThat(mx.toFloatArray()).usingExactEquality().containsExactly(8f, 11f).inOrder();
  }

  @Test
  void emptyAndAllAxes() {
    Tensor same = Ops.sum(X, new int[0], false);
    assertThat(same.shape()).isEqualTo(new int[] {2, 2, 3});
    assertThat(same.toFloatArray()).isEqualTo(X.toFloatArray());
    Tensor all = Ops.mean(X, new int[] {0, 1, 2}, false);
    assertThat(all.shape()).isEqualTo(new int[0]);
    assertThat(all.toFloatArray()).usingExactEquality().containsExactly(5.5f);
    assertThrows(IllegalArgumentException.class, () -> Ops.sum(X, new int[] {3}, false));
  }

  @Test
  void gridAgainstNaiveReference() {
    Random r = new Random(7);
    int[][] shapes = {{5}, {3, 4}, {2, 3, 4}, {2, 1, 3, 5}, {3, 2, 2, 2, 3}};
    String[] names = {"Sum", "Mean", "Max"};
    for (int[] shape : shapes) {
      int rank = shape.length;
      float[] v = Naive.random(r, Naive.size(shape));
      Tensor x = Tensor.of(v, shape);
      for (int mask = 1; mask < (1 << rank); mask++) {
        int[] axes = new int[Integer.bitCount(mask)];
        for (int d = 0, j = 0; d < rank; d++) if ((mask >> d & 1) != 0) axes[j++] = d;
        for (int op = 0; op < 3; op++) {
          for (boolean keep : new boolean[] {false, true}) {
            Tensor y = op == 0 ? Ops.sum(x, axes, keep) : op == 1 ? Ops.mean(x, axes, keep) : Ops.max(x, axes, keep);
            int[] want = shape.clone();
            for (int a : axes) want[a] = 1;
            assertThat(y.shape()).isEqualTo(keep ? want : Naive.keptShape(shape, axes));
            Naive.assertClose(names[op] + java.util.Arrays.toString(shape) + java.util.Arrays.toString(axes),
                y.toFloatArray(), Naive.reduce(op, v, shape, axes), 1e-5);
          }
        }
      }
    }
  }

  @Test
  void reduceAxesKernelMatchesContiguousKernel() {
    // the general kernel on contiguous axes must agree exactly with the [outer, axisLen, inner] one (both use double)
    Random r = new Random(3);
    int[] shape = {3, 4, 5, 2};
    float[] v = Naive.random(r, Naive.size(shape));
    float[] a = new float[6];
    float[] b = new float[6];
    Reductions.reduceAxes(Reductions.MEAN, v, shape, new int[] {1, 2}, a);
    Reductions.reduce(Reductions.MEAN, v, b, 3, 20, 2);
    assertThat(a).isEqualTo(b);
    assertThrows(IllegalArgumentException.class, () -> Reductions.reduceAxes(Reductions.SUM, v, shape, new int[] {2, 1}, a));
  }

  @Test
  void tracedNodesCarryAxesAndExecuteLikeEager() {
    Tracer tracer = Tracer.begin();
    NodeDef mean;
    NodeDef sum;
    NodeDef max;
    try {
      Tensor x = tracer.placeholder("x", 0, DType.FLOAT32, -1, 2, 3);
      Tensor m = Ops.mean(x, new int[] {-1, 1, -1}, true);
      assertThat(m.shape()).isEqualTo(new int[] {-1, 1, 1});
      mean = m.symbol().node();
      assertThat(mean.opType()).isEqualTo("Mean");
      assertThat(mean.attrs().getInts("axes")).isEqualTo(new int[] {1, 2});
      assertThat(mean.attrs().getBoolean("keep_dims")).isTrue();
      assertThat(mean.attrs().has("axis")).isFalse();
      Tensor s = Ops.sum(x, 2, false);
      assertThat(s.shape()).isEqualTo(new int[] {-1, 2});
      sum = s.symbol().node();
      assertThat(sum.attrs().getInts("axes")).isEqualTo(new int[] {2});
      Tensor mx = Ops.max(x, new int[] {2, 0}, false);
      assertThat(mx.shape()).isEqualTo(new int[] {2});
      max = mx.symbol().node();
      assertThat(max.attrs().getInts("axes")).isEqualTo(new int[] {0, 2});
    } finally {
      tracer.end();
    }
    Tensor[] in = {X};
    assertThat(mean.op().compute(in)[0].toFloatArray()).isEqualTo(Ops.mean(X, new int[] {1, 2}, true).toFloatArray());
    assertThat(sum.op().compute(in)[0].toFloatArray()).isEqualTo(Ops.sum(X, 2, false).toFloatArray());
    assertThat(max.op().compute(in)[0].toFloatArray()).usingExactEquality().containsExactly(8f, 11f).inOrder();
  }
}

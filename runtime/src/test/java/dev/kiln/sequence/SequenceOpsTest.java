package dev.kiln.sequence;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.ops.BoolReduce;
import dev.kiln.ops.BroadcastTo;
import dev.kiln.ops.Cast;
import dev.kiln.ops.Compare;
import dev.kiln.ops.DotProductAttention;
import dev.kiln.ops.ExpandDims;
import dev.kiln.ops.Gather;
import dev.kiln.ops.Gru;
import dev.kiln.ops.Logical;
import dev.kiln.ops.Lstm;
import dev.kiln.ops.MatMul;
import dev.kiln.ops.OnesLike;
import dev.kiln.ops.Op;
import dev.kiln.ops.OpRegistry;
import dev.kiln.ops.Outputs;
import dev.kiln.ops.Range;
import dev.kiln.ops.RecurrentOp;
import dev.kiln.ops.Reverse;
import dev.kiln.ops.Select;
import dev.kiln.ops.SimpleRnn;
import dev.kiln.ops.Squeeze;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernels of the sequence ops against hand-computed values, int and bool tensors through the shaping ops, and the
 * messages of their shape errors ({@code OpRegistryTest} has every op's shape function and attribute round trip).
 */
class SequenceOpsTest {
  static final Dim B = Dim.BATCH;
  static final Dim T = Dim.TIME;

  static Dim[] dims(Object... ds) {
    Dim[] out = new Dim[ds.length];
    for (int i = 0; i < ds.length; i++) out[i] = ds[i] instanceof Dim ? (Dim) ds[i] : Dim.of((Integer) ds[i]);
    return out;
  }

  static Outputs infer(Op op, Dim[][] shapes, DType... dtypes) {
    return op.infer(shapes, dtypes);
  }

  @Test
  void shapeErrorsNameTheOpAndTheShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> infer(new Gather(0),
        new Dim[][] {dims(20, 8), dims(B, T)}, DType.FLOAT32, DType.FLOAT32));
    assertThat(e).hasMessageThat().isEqualTo("GatherV2: indices must be int32, got float32[batch, time]");
    RecurrentOp gru = new Gru(new RecurrentOp.Config(4, Activation.TANH, Activation.SIGMOID, true, false, false, false,
        false), true);
    e = assertThrows(IllegalArgumentException.class, () -> infer(gru,
        new Dim[][] {dims(B, T, 8), dims(8, 12), dims(4, 12), dims(12)}, DType.FLOAT32, DType.FLOAT32, DType.FLOAT32,
        DType.FLOAT32));
    assertThat(e).hasMessageThat().isEqualTo(
        "GRU: bias must be [2, 12] for input [batch, time, 8] and 4 units, got [12]");
    e = assertThrows(IllegalArgumentException.class, () -> infer(Logical.of(Logical.Fn.AND),
        new Dim[][] {dims(B, T), dims(B, T)}, DType.BOOL, DType.FLOAT32));
    assertThat(e).hasMessageThat().isEqualTo("LogicalAnd: input 1 must be bool, got float32[batch, time]");
    e = assertThrows(IllegalArgumentException.class, () -> infer(new Squeeze(new int[] {1}),
        new Dim[][] {dims(B, T)}, DType.FLOAT32));
    assertThat(e).hasMessageThat().isEqualTo("Squeeze: axis 1 of [batch, time] is not of size 1");
  }

  @Test
  void kernelsOnHandComputedValues() {
    Tensor params = Tensor.of(new float[] {0, 1, 10, 11, 20, 21}, 3, 2);
    Tensor idx = Tensor.ofInts(new int[] {2, 0, 1, 2}, 2, 2);
    assertThat(Ops.gather(params, idx, 0).toFloatArray()).isEqualTo(new float[] {20, 21, 0, 1, 10, 11, 20, 21});
    assertThat(Ops.gather(params, Tensor.ofInts(new int[] {1}, 1), 1).toFloatArray()).isEqualTo(new float[] {1, 11, 21});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Ops.gather(params, Tensor.ofInts(new int[] {0, 3}, 2), 0));
    assertThat(e).hasMessageThat().isEqualTo("GatherV2: index 3 (position 1 of the indices [2]) is not in [0, 3)");

    Tensor f = Tensor.of(new float[] {-1.7f, 0f, 2.9f}, 3);
    assertThat(Ops.cast(f, DType.INT32).toIntArray()).isEqualTo(new int[] {-1, 0, 2});
    assertThat(Ops.cast(f, DType.BOOL).toIntArray()).isEqualTo(new int[] {1, 0, 1});
    assertThat(Ops.cast(Tensor.ofBooleans(new boolean[] {true, false}, 2), DType.FLOAT32).toFloatArray())
        .isEqualTo(new float[] {1, 0});

    Tensor tokens = Tensor.ofInts(new int[] {3, 0, 5, 0}, 2, 2);
    assertThat(Ops.notEqual(tokens, 0).toIntArray()).isEqualTo(new int[] {1, 0, 1, 0});
    assertThat(Ops.notEqual(tokens, 0).dtype()).isEqualTo(DType.BOOL);
    assertThat(Ops.equal(Tensor.of(new float[] {1, 2, 3}, 3), 2f).toIntArray()).isEqualTo(new int[] {0, 1, 0});
    assertThat(Ops.greaterEqual(Ops.expandDims(Ops.range(tokens, 1), -1), Ops.range(tokens, 1)).toIntArray())
        .isEqualTo(new int[] {1, 0, 1, 1});

    Tensor m = Tensor.ofBooleans(new boolean[] {true, false}, 2, 1);
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    assertThat(Ops.where(m, x, -1f).toFloatArray()).isEqualTo(new float[] {1, 2, -1, -1});
    Tensor a = Tensor.ofBooleans(new boolean[] {true, false, true}, 3);
    Tensor b = Tensor.ofBooleans(new boolean[] {true, true, false}, 3);
    assertThat(Ops.logicalAnd(a, b).toIntArray()).isEqualTo(new int[] {1, 0, 0});
    assertThat(Ops.logicalOr(a, b).toIntArray()).isEqualTo(new int[] {1, 1, 1});
    assertThat(Ops.logicalNot(a).toIntArray()).isEqualTo(new int[] {0, 1, 0});
    Tensor grid = Tensor.ofBooleans(new boolean[] {false, false, true, false, true, true}, 2, 3);
    assertThat(Ops.any(grid, -1, false).toIntArray()).isEqualTo(new int[] {1, 1});
    assertThat(Ops.all(grid, 0, true).toIntArray()).isEqualTo(new int[] {0, 0, 1});
    assertThat(Ops.all(grid, 0, true).shape()).isEqualTo(new int[] {1, 3});

    assertThat(Ops.range(Tensor.zeros(2, 4, 3), 1).toIntArray()).isEqualTo(new int[] {0, 1, 2, 3});
    assertThat(Ops.reverse(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 3, 2), 1).toFloatArray())
        .isEqualTo(new float[] {5, 6, 3, 4, 1, 2});
    assertThat(Ops.squeeze(Ops.expandDims(x, 1), 1).shape()).isEqualTo(new int[] {2, 2});
    assertThat(Ops.expandDims(x, -1).shape()).isEqualTo(new int[] {2, 2, 1});
    assertThat(Ops.broadcastTo(m, x).toIntArray()).isEqualTo(new int[] {1, 1, 0, 0});
    assertThat(Ops.onesLike(x, DType.BOOL).toIntArray()).isEqualTo(new int[] {1, 1, 1, 1});

    // transposes: [[1,2],[3,4]]ᵀ · [[1,0],[0,2]] and a · bᵀ
    Tensor i2 = Tensor.of(new float[] {1, 0, 0, 2}, 2, 2);
    assertThat(Ops.matmul(x, i2, true, false).toFloatArray()).isEqualTo(new float[] {1, 6, 2, 8});
    assertThat(Ops.matmul(x, x, false, true).toFloatArray()).isEqualTo(new float[] {5, 11, 11, 25});
    // int and bool tensors through the shaping ops
    Tensor ints = Tensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertThat(Ops.transpose(ints).toIntArray()).isEqualTo(new int[] {1, 4, 2, 5, 3, 6});
    assertThat(Ops.slice(ints, new int[] {0, 1}, new int[] {2, 2}).toIntArray()).isEqualTo(new int[] {2, 3, 5, 6});
    assertThat(Ops.concat(0, grid, grid).dtype()).isEqualTo(DType.BOOL);
    assertThat(Ops.reshape(ints, 3, 2).dtype()).isEqualTo(DType.INT32);
  }

  /** The recurrent cells' tanh (from one exp, a series near 0) is the float Math.tanh gives, over a sweep of floats. */
  @Test
  void tanhIsMathTanhToTheBit() {
    for (int bits = 0; bits < 0x7f800000; bits += 4099) {
      float x = Float.intBitsToFloat(bits);
      assertThat(dev.kiln.kernels.Activations.tanh(x)).isEqualTo((float) Math.tanh(x));
      assertThat(dev.kiln.kernels.Activations.tanh(-x)).isEqualTo((float) Math.tanh(-x));
    }
  }
}

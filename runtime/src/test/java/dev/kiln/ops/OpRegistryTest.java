package dev.kiln.ops;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.Padding;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every op's shape function, once, against the registry: for each registered type, inputs with run-time symbols give
 * the expected output shapes and dtypes, a shape that cannot work is refused with a message naming the op, and the
 * op rebuilt from its stored attributes ({@link OpRegistry#decode}) is the same op. Every registered type must have a
 * case here: adding an op without one fails {@link #everyRegisteredTypeHasACase}.
 */
class OpRegistryTest {
  private static final Dim B = Dim.BATCH;
  private static final Dim T = Dim.TIME;
  private static final DType F = DType.FLOAT32;

  /** One op applied to inputs of the given shapes; {@code out} null means the shapes must be refused. */
  private static final class Case {
    final Op op;
    final Dim[][] in;
    final DType[] dtypes;
    final String out;
    final DType outType;
    final String error;

    Case(Op op, String out, DType outType, String error, Dim[]... in) {
      this(op, out, outType, error, null, in);
    }

    Case(Op op, String out, DType outType, String error, DType[] inTypes, Dim[]... in) {
      this.op = op;
      this.in = in;
      this.dtypes = new DType[in.length];
      java.util.Arrays.fill(dtypes, F);
      if (inTypes != null) System.arraycopy(inTypes, 0, dtypes, 0, inTypes.length);
      this.out = out;
      this.outType = outType;
      this.error = error;
    }
  }

  private static Case ok(Op op, String out, Dim[]... in) {
    return new Case(op, out, F, null, in);
  }

  private static Case okTyped(Op op, String out, DType outType, Dim[]... in) {
    return new Case(op, out, outType, null, in);
  }

  /** A case whose inputs are not all float32: {@code inTypes} gives the first inputs' dtypes. */
  private static Case typed(Op op, String out, DType outType, DType[] inTypes, Dim[]... in) {
    return new Case(op, out, outType, null, inTypes, in);
  }

  private static Case refusedTyped(Op op, String error, DType[] inTypes, Dim[]... in) {
    return new Case(op, null, null, error, inTypes, in);
  }

  private static DType[] types(DType... t) {
    return t;
  }

  private static Case refused(Op op, String error, Dim[]... in) {
    return new Case(op, null, null, error, in);
  }

  private static Dim[] s(Object... dims) {
    Dim[] d = new Dim[dims.length];
    for (int i = 0; i < d.length; i++) d[i] = dims[i] instanceof Dim ? (Dim) dims[i] : Dim.of((Integer) dims[i]);
    return d;
  }

  private static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    for (UnaryOp.Fn fn : UnaryOp.Fn.values()) {
      Op op = fn == UnaryOp.Fn.CLIP ? UnaryOp.clip(-1f, 1f) : UnaryOp.of(fn);
      c.add(ok(op, "[batch, time, 8]", s(B, T, 8)));
    }
    for (BinaryOp.Fn fn : BinaryOp.Fn.values()) {
      c.add(ok(BinaryOp.of(fn), "[batch, 4, 3]", s(B, 4, 3), s(3)));
      c.add(ok(BinaryOp.of(fn), "[batch, 4, 3]", s(B, 1, 3), s(4, 1)));
      c.add(refused(BinaryOp.of(fn), fn.type() + ": shapes [batch, 4] and [batch, 5] cannot be broadcast", s(B, 4), s(B, 5)));
    }
    c.add(refused(BinaryOp.of(BinaryOp.Fn.ADD), "Add: shapes [batch, 4] and [time, 4] cannot be broadcast", s(B, 4), s(T, 4)));
    for (Reduce.Fn fn : Reduce.Fn.values()) {
      c.add(ok(new Reduce(fn, new int[] {1}, false), "[batch, 5]", s(B, T, 5)));
      c.add(ok(new Reduce(fn, new int[] {1, 2}, true), "[batch, 1, 1]", s(B, 4, 5)));
    }
    c.add(ok(BiasAdd.INSTANCE, "[batch, time, 6]", s(B, T, 6), s(6)));
    c.add(refused(BiasAdd.INSTANCE, "BiasAdd: shapes [batch, 5] and [6] are incompatible", s(B, 5), s(6)));
    c.add(ok(MatMul.INSTANCE, "[batch*time, 10]", s(B.times(T), 64), s(64, 10)));
    c.add(ok(MatMul.INSTANCE, "[batch, 3, 5]", s(B, 3, 4), s(B, 4, 5)));
    c.add(refused(MatMul.INSTANCE, "MatMul: shapes [batch, 5] and [4, 3] are incompatible (inner dimensions 5 and 4)",
        s(B, 5), s(4, 3)));
    c.add(ok(new Softmax(2), "[batch, time, 10]", s(B, T, 10)));
    c.add(refused(new Softmax(2), "Softmax: axis 2 is out of range for rank 2", s(B, 10)));
    c.add(okTyped(new ArgMax(1), "[batch]", DType.INT32, s(B, 10)));
    c.add(ok(new Concat(1), "[batch, 7]", s(B, 3), s(B, 4)));
    c.add(refused(new Concat(0), "ConcatV2: concatenating [batch, 3], [batch, 3] along axis 0 would add up the run-time dimension batch",
        s(B, 3), s(B, 3)));
    c.add(ok(Reshape.to(s(B, T, 8), new int[] {-1, 8}), "[batch*time, 8]", s(B, T, 8)));
    c.add(ok(new Reshape(s(B, T, 8)), "[batch, time, 8]", s(B.times(T), 8)));
    c.add(refused(new Reshape(s(B, 3)), "Reshape: cannot reshape [batch, 4] (4*batch elements) to [batch, 3]", s(B, 4)));
    c.add(ok(Identity.INSTANCE, "[batch, 3]", s(B, 3)));
    c.add(ok(new Transpose(new int[] {1, 0, 2}), "[time, batch, 4]", s(B, T, 4)));
    c.add(refused(new Transpose(new int[] {0, 0}), "Transpose: [0, 0] is not a permutation of the axes of [batch, 3]", s(B, 3)));
    c.add(ok(new Pad(new int[] {0, 0, 1, 2}, 0f), "[batch, 7]", s(B, 4)));
    c.add(refused(new Pad(new int[] {1, 0, 0, 0}, 0f), "Pad: axis 0 of [batch, 4] is the run-time dimension batch", s(B, 4)));
    c.add(ok(new Slice(new int[] {0, 1}, new int[] {-1, 2}), "[batch, 2]", s(B, 4)));
    c.add(refused(new Slice(new int[] {1, 0}, new int[] {-1, 4}), "Slice: axis 0 of [batch, 4] is the run-time dimension batch", s(B, 4)));
    c.add(ok(new BatchNorm(3, 1e-3f, true, true), "[batch, 5, 5, 4]", s(B, 5, 5, 4), s(4), s(4), s(4), s(4)));
    c.add(refused(new BatchNorm(1, 1e-3f, false, false), "BatchNorm: mean of shape [5] does not fit input [batch, 4] (needs [4])",
        s(B, 4), s(5), s(4)));
    c.add(ok(new LayerNorm(new int[] {2}, 1e-3f, true, true), "[batch, time, 8]", s(B, T, 8), s(8), s(8)));
    c.add(ok(new Resize(2, 3, "nearest"), "[batch, 8, 15, 3]", s(B, 4, 5, 3)));
    c.add(ok(new Conv2D(new int[] {2, 2}, new int[] {1, 1}, Padding.SAME, 1), "[batch, 14, 14, 16]", s(B, 28, 28, 3),
        s(3, 3, 3, 16)));
    c.add(ok(new Conv2D(new int[] {1, 1}, new int[] {2, 2}, Padding.VALID, 2), "[batch, 4, 4, 6]", s(B, 8, 8, 4),
        s(3, 3, 2, 6)));
    c.add(refused(new Conv2D(new int[] {1, 1}, new int[] {1, 1}, Padding.SAME, 1),
        "Conv2D: the height of [batch, time, 1, 8] is the run-time dimension time", s(B, T, 1, 8), s(3, 1, 8, 8)));
    c.add(ok(new DepthwiseConv2D(new int[] {1, 1}, new int[] {1, 1}, Padding.SAME), "[batch, 6, 6, 8]", s(B, 6, 6, 4),
        s(3, 3, 4, 2)));
    c.add(ok(new Conv2DTranspose(new int[] {2, 2}, Padding.SAME, null), "[batch, 12, 12, 4]", s(B, 6, 6, 8),
        s(3, 3, 4, 8)));
    c.add(ok(new Pool2D(true, new int[] {2, 2}, new int[] {2, 2}, Padding.VALID), "[batch, 3, 3, 5]", s(B, 7, 6, 5)));
    c.add(ok(new Pool2D(false, new int[] {3, 3}, new int[] {1, 1}, Padding.SAME), "[batch, 7, 6, 5]", s(B, 7, 6, 5)));
    sequenceOps(c);
    return c;
  }

  /** The ops of sequence models (API §7): indices, dtypes, comparisons, masks, recurrent layers, attention. */
  private static void sequenceOps(List<Case> c) {
    DType I = DType.INT32;
    DType Z = DType.BOOL;
    c.add(typed(new Gather(0), "[batch, time, 8]", F, types(F, I), s(20, 8), s(B, T)));
    c.add(refusedTyped(new Gather(0), "GatherV2: indices must be int32, got float32[batch, time]", types(F, F), s(20, 8),
        s(B, T)));
    c.add(typed(new Cast(Z), "[batch, time]", Z, types(I), s(B, T)));
    for (Compare.Fn fn : Compare.Fn.values()) {
      c.add(typed(Compare.of(fn), "[batch, time]", Z, types(I, I), s(B, T), s()));
    }
    c.add(refusedTyped(Compare.of(Compare.Fn.EQUAL), "Equal: inputs of different dtypes: int32[batch] and float32[]",
        types(I, F), s(B), s()));
    for (Logical.Fn fn : Logical.Fn.values()) {
      Dim[][] in = fn == Logical.Fn.NOT ? new Dim[][] {s(B, T)} : new Dim[][] {s(B, 1, T), s(B, T, 1)};
      c.add(typed(Logical.of(fn), fn == Logical.Fn.NOT ? "[batch, time]" : "[batch, time, time]", Z,
          fn == Logical.Fn.NOT ? types(Z) : types(Z, Z), in));
    }
    c.add(refusedTyped(Logical.of(Logical.Fn.AND), "LogicalAnd: input 1 must be bool, got float32[batch, time]",
        types(Z, F), s(B, T), s(B, T)));
    c.add(typed(Select.INSTANCE, "[batch, time, 8]", F, types(Z, F, F), s(B, T, 1), s(B, T, 8), s()));
    c.add(typed(new Range(1), "[time]", I, types(F), s(B, T, 8)));
    c.add(typed(new ExpandDims(2), "[batch, time, 1]", Z, types(Z), s(B, T)));
    c.add(typed(new Squeeze(new int[] {2}), "[batch, time]", Z, types(Z), s(B, T, 1)));
    c.add(refused(new Squeeze(new int[] {1}), "Squeeze: axis 1 of [batch, time] is not of size 1", s(B, T)));
    c.add(typed(new BoolReduce(false, new int[] {2}, false), "[batch, time]", Z, types(Z), s(B, T, 8)));
    c.add(typed(new BoolReduce(true, new int[] {0}, true), "[1, time]", Z, types(Z), s(B, T)));
    c.add(typed(new OnesLike(Z), "[batch, time, 3]", Z, types(F), s(B, T, 3)));
    c.add(typed(BroadcastTo.INSTANCE, "[batch, time, 3]", Z, types(Z, F), s(B, T, 1), s(B, T, 3)));
    c.add(ok(new Reverse(1), "[batch, time, 3]", s(B, T, 3)));
    c.add(ok(MatMul.of(false, true), "[batch, time, 5]", s(B, T, 8), s(B, 5, 8)));
    RecurrentOp.Config seq = new RecurrentOp.Config(4, Activation.TANH, Activation.SIGMOID, true, false, true, true, false);
    RecurrentOp.Config last = new RecurrentOp.Config(4, Activation.RELU, Activation.HARD_SIGMOID, false, true, false,
        false, true);
    c.add(typed(new Lstm(seq), "[batch, time, 4]", F, types(F, F, F, F, Z), s(B, T, 8), s(8, 16), s(4, 16), s(16),
        s(B, T)));
    c.add(ok(new SimpleRnn(last), "[batch, 4]", s(B, T, 8), s(8, 4), s(4, 4)));
    c.add(ok(new Gru(last, false), "[batch, 4]", s(B, T, 8), s(8, 12), s(4, 12)));
    c.add(refused(new Gru(new RecurrentOp.Config(4, Activation.TANH, Activation.SIGMOID, true, false, false, false,
        false), true), "GRU: bias must be [2, 12] for input [batch, time, 8] and 4 units, got [12]", s(B, T, 8), s(8, 12),
        s(4, 12), s(12)));
    c.add(typed(new DotProductAttention(2, 0.5f, true, true, true, DotProductAttention.Fill.SUBTRACT), "[batch, time, 4]",
        F, types(F, F, F, Z, F), s(B, T, 6), s(B, 9, 6), s(B, 9, 4), s(B, T, 1), s()));
    c.add(refused(new DotProductAttention(2, 0.5f, false, false, false, DotProductAttention.Fill.WHERE),
        "DotProductAttention: query [batch, time, 6], key [batch, 9, 6] and value [batch, 7, 4] do not fit 2 heads",
        s(B, T, 6), s(B, 9, 6), s(B, 7, 4)));
  }

  @Test
  void shapeFunctions() {
    for (Case k : cases()) {
      String what = k.op + " on " + describe(k.in);
      if (k.out == null) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.op.infer(k.in, k.dtypes), what);
        assertThat(e).hasMessageThat().contains(k.error);
        continue;
      }
      Outputs out = k.op.infer(k.in, k.dtypes);
      assertThat(what + " -> " + Dims.toString(out.shape(0)) + " " + out.dtype(0))
          .isEqualTo(what + " -> " + k.out + " " + k.outType);
    }
  }

  /** The graph table stores an op as its type and attributes; decoding them gives an op that infers the same. */
  @Test
  void attributesRoundTrip() {
    for (Case k : cases()) {
      Op back = OpRegistry.decode(k.op.type(), k.op.attrs());
      assertThat(back.type()).isEqualTo(k.op.type());
      assertThat(back.attrs().toString()).isEqualTo(k.op.attrs().toString());
      assertThat(back.pattern()).isEqualTo(k.op.pattern());
      if (k.out != null) {
        assertThat(Dims.toString(back.infer(k.in, k.dtypes).shape(0))).isEqualTo(k.out);
      }
    }
  }

  @Test
  void everyRegisteredTypeHasACase() {
    Set<String> covered = new LinkedHashSet<>();
    for (Case k : cases()) covered.add(k.op.type());
    covered.add("Placeholder");
    covered.add("Variable");
    covered.add("Const");
    Set<String> missing = new LinkedHashSet<>(OpRegistry.types());
    missing.removeAll(covered);
    assertThat(missing).isEmpty();
  }

  /** The registry facts fusion reads, for the ops that have them. */
  @Test
  void fusionFacts() {
    for (UnaryOp.Fn fn : UnaryOp.Fn.values()) {
      Op op = fn == UnaryOp.Fn.CLIP ? UnaryOp.clip(0f, 1f) : UnaryOp.of(fn);
      assertThat(op.pattern()).isEqualTo(Pattern.ELEMENTWISE);
      assertThat(op.scalarForm()).isNotNull();
    }
    assertThat(UnaryOp.leakyRelu(0.2f).asActivation(2)).isEqualTo(Activation.LEAKY_RELU);
    assertThat(UnaryOp.leakyRelu(0.3f).asActivation(2)).isNull(); // the kernels' LEAKY_RELU has slope 0.2
    assertThat(new Softmax(1).asActivation(2)).isEqualTo(Activation.SOFTMAX);
    assertThat(new Softmax(0).asActivation(2)).isNull();
    Epilogue conv = new Conv2D(new int[] {1, 1}, new int[] {1, 1}, Padding.SAME, 1).epilogue();
    assertThat(conv.residual()).isTrue();
    assertThat(conv.maxPooling()).isTrue();
    assertThat(conv.activation(Activation.SOFTMAX)).isFalse();
    Epilogue depthwise = new DepthwiseConv2D(new int[] {1, 1}, new int[] {1, 1}, Padding.SAME).epilogue();
    assertThat(depthwise.residual()).isFalse();
    assertThat(depthwise.batchNorm()).isTrue();
    Epilogue transposed = new Conv2DTranspose(new int[] {2, 2}, Padding.SAME, null).epilogue();
    assertThat(transposed.residual()).isFalse();
    assertThat(transposed.batchNorm()).isFalse();
    assertThat(MatMul.INSTANCE.epilogue().activation(Activation.SOFTMAX)).isTrue();
    assertThat(MatMul.INSTANCE.epilogue().residual()).isFalse();
  }

  private static String describe(Dim[][] in) {
    StringBuilder sb = new StringBuilder();
    for (Dim[] d : in) sb.append(sb.length() > 0 ? ", " : "").append(Dims.toString(d));
    return sb.toString();
  }

}

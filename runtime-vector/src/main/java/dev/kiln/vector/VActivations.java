package dev.kiln.vector;

import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.DIV;
import static jdk.incubator.vector.VectorOperators.EXP;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.SUB;

import dev.kiln.Activation;
import dev.kiln.kernels.Activations;
import jdk.incubator.vector.FloatVector;

/**
 * Activations over array segments in vector registers, for the recurrent cells: the logistic sigmoid and tanh from the
 * Vector API's {@code EXP} (an intrinsic, many times faster than {@code Math.exp} per value: see the module README), the
 * others as {@link Sgemm#activate}. Each call switches once, outside its loop, so that no vector value merges two
 * branches (which makes C2 box it).
 */
final class VActivations {
  private VActivations() {}

  private static final int VL = Sgemm.VL;

  /** {@code a[off .. off+n) = act(a[off .. off+n))}. */
  static void apply(Activation act, float[] a, int off, int n, Sgemm.Scratch s) {
    int nv = Sgemm.S.loopBound(n);
    int j = 0;
    switch (act) {
      case SIGMOID:
        for (; j < nv; j += VL) sigmoid(FloatVector.fromArray(Sgemm.S, a, off + j)).intoArray(a, off + j);
        for (; j < n; j++) a[off + j] = Activations.sigmoid(a[off + j]);
        return;
      case TANH:
        for (; j < nv; j += VL) tanh(FloatVector.fromArray(Sgemm.S, a, off + j)).intoArray(a, off + j);
        for (; j < n; j++) a[off + j] = Activations.tanh(a[off + j]);
        return;
      default:
        Sgemm.activate(act, a, off, n, s);
    }
  }

  /** {@code 1 / (1 + e^-x)}: 0 where {@code e^-x} overflows, within 2 ulps of {@link Activations#sigmoid}. */
  static FloatVector sigmoid(FloatVector x) {
    FloatVector one = FloatVector.broadcast(Sgemm.S, 1f);
    return one.lanewise(DIV, x.lanewise(NEG).lanewise(EXP).lanewise(ADD, one));
  }

  /**
   * {@code tanh(x)} as {@link Activations#tanh} computes it: {@code (1 - e^-2|x|) / (1 + e^-2|x|)} with the sign, and
   * below |x| = 1/8, where {@code 1 - e^-2|x|} would cancel, its series to the x^7 term (a blend, not a branch):
   * within 2 ulps of {@code Math.tanh}, and faster than the Vector API's {@code TANH} (module README).
   */
  static FloatVector tanh(FloatVector x) {
    FloatVector one = FloatVector.broadcast(Sgemm.S, 1f);
    FloatVector a = x.lanewise(ABS);
    FloatVector e = a.lanewise(MUL, -2f).lanewise(EXP);
    FloatVector t = one.lanewise(SUB, e).lanewise(DIV, one.lanewise(ADD, e));
    t = t.blend(t.lanewise(NEG), x.compare(LT, 0f));
    FloatVector x2 = x.lanewise(MUL, x);
    FloatVector series = x.lanewise(MUL, x2.lanewise(MUL, x2.lanewise(MUL, x2.lanewise(MUL, -17f / 315f)
        .lanewise(ADD, 2f / 15f)).lanewise(SUB, 1f / 3f)).lanewise(ADD, one));
    return t.blend(series, a.compare(LT, 0.125f));
  }
}

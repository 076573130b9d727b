package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.kernels.Attention;
import dev.kiln.kernels.KernelSet;

/**
 * Scaled dot-product attention over {@code heads} heads: scores {@code q·k} times the scale, the mask, a softmax over
 * the keys and the weighted sum of the values, as {@link KernelSet#attention} computes them (blocked GEMMs around one
 * pass over each block of scores: see {@link Attention}); it {@link #runsOnKernels}.
 * Inputs {@code q [batch, tq, heads*dk]}, {@code k [batch, tk, heads*dk]}, {@code v [batch, tk, heads*dv]} (the heads
 * side by side in the last axis, as the projections produce them), then the BOOL mask {@code [batch or 1, tq or 1,
 * tk or 1]}
 * when {@code masked}, then a scalar scale weight when {@code scaleInput}; output {@code [batch, tq, heads*dv]}.
 *
 * <p>Masked scores follow the layer this op serves: {@link Fill#WHERE} replaces them with {@code -0.7 * 3.38953e38}
 * (Keras 3 {@code ops.dot_product_attention}, which {@code MultiHeadAttention} calls at inference: a row with no key
 * left averages the values), {@link Fill#SUBTRACT} subtracts {@code 1e9} (the {@code Attention} layer).
 * {@code causal} masks key {@code j > i} for query {@code i}.
 */
public final class DotProductAttention extends Op {
  /** How masked scores are suppressed. */
  public enum Fill { WHERE, SUBTRACT }

  private final int heads;
  private final float scale;
  private final boolean causal;
  private final boolean masked;
  private final boolean scaleInput;
  private final Fill fill;

  public DotProductAttention(int heads, float scale, boolean causal, boolean masked, boolean scaleInput, Fill fill) {
    if (heads <= 0) throw new IllegalArgumentException("DotProductAttention: heads must be positive, got " + heads);
    this.heads = heads;
    this.scale = scale;
    this.causal = causal;
    this.masked = masked;
    this.scaleInput = scaleInput;
    this.fill = fill;
  }

  static DotProductAttention decode(Attrs a) {
    return new DotProductAttention(a.getInt("heads"), a.getFloat("scale"), a.getBoolean("causal"),
        a.getBoolean("masked"), a.getBoolean("scale_input"), Fill.valueOf(a.getString("fill")));
  }

  @Override
  public String type() {
    return "DotProductAttention";
  }

  @Override
  public Pattern pattern() {
    return Pattern.OPAQUE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.NONE.with("heads", heads).with("scale", scale).with("causal", causal).with("masked", masked)
        .with("scale_input", scaleInput).with("fill", fill.name());
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 3 + (masked ? 1 : 0) + (scaleInput ? 1 : 0));
    Dim[] q = shapes[0];
    Dim[] k = shapes[1];
    Dim[] v = shapes[2];
    for (int i = 0; i < 3; i++) {
      if (shapes[i].length != 3 || dtypes[i] != DType.FLOAT32) {
        throw new IllegalArgumentException("DotProductAttention: query, key and value must be float32 of rank 3, got "
            + Dims.toString(q) + ", " + Dims.toString(k) + ", " + Dims.toString(v));
      }
    }
    if (!q[0].equals(k[0]) || !k[0].equals(v[0]) || !k[1].equals(v[1]) || !q[2].equals(k[2])
        || !q[2].isConstant() || !v[2].isConstant() || q[2].value() % heads != 0 || v[2].value() % heads != 0) {
      throw new IllegalArgumentException("DotProductAttention: query " + Dims.toString(q) + ", key " + Dims.toString(k)
          + " and value " + Dims.toString(v) + " do not fit " + heads + " heads (same batch, key and value of the same"
          + " length, query and key of the same width, widths divisible by the heads)");
    }
    if (masked) {
      Dim[] m = shapes[3];
      boolean fits = m.length == 3 && dtypes[3] == DType.BOOL && (m[0].equals(q[0]) || m[0].equals(Dim.ONE))
          && (m[1].equals(q[1]) || m[1].equals(Dim.ONE)) && (m[2].equals(k[1]) || m[2].equals(Dim.ONE));
      if (!fits) {
        throw new IllegalArgumentException("DotProductAttention: the mask must be bool [" + q[0] + " or 1, " + q[1]
            + " or 1, " + k[1] + " or 1], got " + dtypes[3].kerasName() + Dims.toString(m));
      }
    }
    if (scaleInput) {
      Dim[] s = shapes[shapes.length - 1];
      if (Dim.size(s).equals(Dim.ONE) && dtypes[shapes.length - 1] == DType.FLOAT32) {
        return Outputs.of(new Dim[] {q[0], q[1], v[2]}, DType.FLOAT32);
      }
      throw new IllegalArgumentException("DotProductAttention: the scale must be one float32 value, got "
          + Dims.toString(s));
    }
    return Outputs.of(new Dim[] {q[0], q[1], v[2]}, DType.FLOAT32);
  }

  @Override
  public boolean runsOnKernels() {
    return true;
  }

  @Override
  public long scratchSize(int[][] inputShapes) {
    return Attention.workSize(inputShapes[0][1], inputShapes[1][1], inputShapes[0][2] / heads,
        inputShapes[2][2] / heads);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    run(in, inShapes, out, outShapes, new float[(int) scratchSize(inShapes)]);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes, float[] scratch) {
    run(CALLING_THREAD, null, in, inShapes, out, outShapes, scratch);
  }

  @Override
  public void run(KernelSet kernels, Object prepared, Object[] in, int[][] inShapes, Object[] out, int[][] outShapes,
      float[] scratch) {
    int[] mask = masked ? (int[]) in[3] : null;
    int[] ms = masked ? inShapes[3] : null;
    float factor = scaleInput ? ((float[]) in[in.length - 1])[0] : 1f;
    kernels.attention((float[]) in[0], (float[]) in[1], (float[]) in[2], inShapes[0][0], inShapes[0][1],
        inShapes[1][1], heads, inShapes[0][2] / heads, inShapes[2][2] / heads, scale * factor, mask,
        masked && ms[0] != 1 ? ms[1] * ms[2] : 0, masked && ms[1] != 1 ? ms[2] : 0, masked && ms[2] != 1 ? 1 : 0,
        causal, fill == Fill.SUBTRACT, (float[]) out[0], scratch);
  }
}

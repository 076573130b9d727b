package dev.kiln.bench;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import java.util.LinkedHashMap;
import java.util.Random;

/** Seeded weights and inputs shared by every engine. */
public final class Data {
  private Data() {}

  public static final long SEED = 20261125L;

  /**
   * One value per variable of the graph, seeded by the variable's name: kernels He-uniform, in +-sqrt(6 / fanIn)
   * (fanIn = kh * kw for depthwise kernels), so that the signal neither dies nor saturates through MobileNetV2's 52
   * layers (with Glorot kernels its softmax came out uniform whatever the input, which checks nothing); embeddings in
   * +-1 (a row per token; as He-uniform over 20,000 rows the LSTM classifier's softmax came out uniform too); biases
   * (attention biases are [heads, dim]), betas and moving means in +-0.1 (not zero, so that a dropped bias shows);
   * BatchNorm scales and variances in [0.5, 1.5].
   */
  public static Weights weights(GraphDef graph) {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    for (NodeDef v : graph.variables()) {
      int[] shape = v.outputShape(0);
      int n = 1;
      for (int d : shape) n *= d;
      Random r = new Random(SEED * 31 + v.name().hashCode());
      float[] values = new float[n];
      String leaf = v.name().substring(v.name().lastIndexOf('/') + 1);
      float lo, hi;
      if (leaf.equals("embeddings")) { // a lookup: one row per token, no fan-in to scale by
        lo = -1f;
        hi = 1f;
      } else if (leaf.contains("gamma") || leaf.contains("variance")) {
        lo = 0.5f;
        hi = 1.5f;
      } else if (shape.length >= 2 && !leaf.equals("bias")) { // attention biases are [heads, dim]
        int fanIn = leaf.startsWith("depthwise") ? shape[0] * shape[1] : n / shape[shape.length - 1];
        float a = (float) Math.sqrt(6.0 / fanIn);
        lo = -a;
        hi = a;
      } else {
        lo = -0.1f;
        hi = 0.1f;
      }
      for (int i = 0; i < n; i++) values[i] = lo + (hi - lo) * r.nextFloat();
      out.put(v.name(), Tensor.of(values, shape));
    }
    return Weights.of(out);
  }

  /** Seeded input values in [0, 1). */
  public static float[] input(int size) {
    Random r = new Random(SEED + size);
    float[] x = new float[size];
    for (int i = 0; i < size; i++) x[i] = r.nextFloat();
    return x;
  }
}

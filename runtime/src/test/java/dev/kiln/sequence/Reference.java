package dev.kiln.sequence;

/**
 * Float64 references written from Keras 3's source (keras/src/layers/rnn/{simple_rnn,lstm,gru}.py and
 * backend.rnn's masking; keras/src/layers/attention/{multi_head_attention,attention}.py with the TensorFlow backend's
 * dot_product_attention), independent of Kiln's kernels: plain loops over double arrays, row-major. Weights are
 * Keras' layouts.
 */
final class Reference {
  private Reference() {}

  static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /** {@code a [m, k] · b [k, n]} from the given row of {@code a}. */
  static double[] dot(double[] a, int aRow, int k, double[] b, int n) {
    double[] out = new double[n];
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int p = 0; p < k; p++) s += a[aRow * k + p] * b[p * n + j];
      out[j] = s;
    }
    return out;
  }

  /** A recurrent cell: new states from the step input, the states and the weights. */
  interface Cell {
    double[][] step(double[] x, double[][] states);
  }

  /** Keras' LSTMCell (implementation 2): gates i, f, c, o; tanh and sigmoid. */
  static Cell lstm(int in, int units, double[] kernel, double[] recurrent, double[] bias) {
    return (x, s) -> {
      double[] z = dot(x, 0, in, kernel, 4 * units);
      double[] r = dot(s[0], 0, units, recurrent, 4 * units);
      double[] h = new double[units];
      double[] c = new double[units];
      for (int j = 0; j < units; j++) {
        double[] g = new double[4];
        for (int q = 0; q < 4; q++) g[q] = z[q * units + j] + r[q * units + j] + (bias == null ? 0 : bias[q * units + j]);
        double i = sigmoid(g[0]);
        double f = sigmoid(g[1]);
        double o = sigmoid(g[3]);
        c[j] = f * s[1][j] + i * Math.tanh(g[2]);
        h[j] = o * Math.tanh(c[j]);
      }
      return new double[][] {h, c};
    };
  }

  /** Keras' GRUCell: gates z, r, h; bias [2, 3u] with reset_after (input row, recurrent row), else [3u]. */
  static Cell gru(int in, int units, double[] kernel, double[] recurrent, double[] bias, boolean resetAfter) {
    return (x, s) -> {
      double[] hPrev = s[0];
      double[] mx = dot(x, 0, in, kernel, 3 * units);
      if (bias != null) for (int j = 0; j < 3 * units; j++) mx[j] += bias[j];
      double[] h = new double[units];
      double[] inner = dot(hPrev, 0, units, recurrent, 3 * units);
      if (resetAfter && bias != null) for (int j = 0; j < 3 * units; j++) inner[j] += bias[3 * units + j];
      double[] r = new double[units];
      for (int j = 0; j < units; j++) r[j] = sigmoid(mx[units + j] + inner[units + j]);
      double[] rh = new double[units];
      if (!resetAfter) {
        // (r * h) · U_h: the last third of the recurrent kernel's columns
        for (int j = 0; j < units; j++) {
          double acc = 0;
          for (int p = 0; p < units; p++) acc += r[p] * hPrev[p] * recurrent[p * 3 * units + 2 * units + j];
          rh[j] = acc;
        }
      }
      for (int j = 0; j < units; j++) {
        double z = sigmoid(mx[j] + inner[j]);
        double hh = Math.tanh(mx[2 * units + j] + (resetAfter ? r[j] * inner[2 * units + j] : rh[j]));
        h[j] = z * hPrev[j] + (1 - z) * hh;
      }
      return new double[][] {h};
    };
  }

  /**
   * Keras' backend.rnn over {@code x [batch, time, in]} with an optional mask {@code [batch, time]}: a masked step
   * keeps the states and repeats the previous output (zeros with {@code zeroOutputForMask}); {@code goBackwards}
   * reverses the steps and the outputs stay in processing order. Returns {@code [sequence [b, t, u], h [b, u], (c)]}.
   */
  static double[][] rnn(Cell cell, int states, double[] x, int batch, int time, int in, int units, boolean[] mask,
      boolean goBackwards, boolean zeroOutputForMask) {
    double[] seq = new double[batch * time * units];
    double[][] finals = new double[states][batch * units];
    for (int b = 0; b < batch; b++) {
      double[][] s = new double[states][units];
      double[] prevOut = new double[units];
      for (int step = 0; step < time; step++) {
        int t = goBackwards ? time - 1 - step : step;
        double[] xt = new double[in];
        System.arraycopy(x, (b * time + t) * in, xt, 0, in);
        boolean keep = mask == null || mask[b * time + t];
        double[] out;
        if (keep) {
          s = cell.step(xt, s);
          out = s[0];
        } else {
          out = zeroOutputForMask ? new double[units] : prevOut;
        }
        System.arraycopy(out, 0, seq, (b * time + step) * units, units);
        prevOut = out;
      }
      for (int k = 0; k < states; k++) System.arraycopy(s[k], 0, finals[k], b * units, units);
    }
    double[][] result = new double[1 + states][];
    result[0] = seq;
    System.arraycopy(finals, 0, result, 1, states);
    return result;
  }

  /**
   * Keras 3's MultiHeadAttention at inference on rank-3 inputs: EinsumDense projections ({@code kernel [d, heads,
   * dim]}, {@code bias [heads, dim]}), logits {@code (q·k) * 1/sqrt(keyDim)}, masked logits replaced by
   * {@code -0.7 * 3.38953e38} (ops.dot_product_attention), softmax, weighted values, output projection
   * {@code [heads, valueDim, out]}. {@code mask [b, tq, tk]} (true: attend) may be null.
   */
  static double[] multiHeadAttention(double[] q, double[] v, double[] k, int batch, int tq, int tk, int dq, int dv,
      int dk, int heads, int keyDim, int valueDim, int out, double[] wq, double[] bq, double[] wk, double[] bk,
      double[] wv, double[] bv, double[] wo, double[] bo, boolean[] mask) {
    double[] pq = project(q, batch * tq, dq, wq, bq, heads * keyDim);
    double[] pk = project(k, batch * tk, dk, wk, bk, heads * keyDim);
    double[] pv = project(v, batch * tk, dv, wv, bv, heads * valueDim);
    double scale = 1.0 / Math.sqrt(keyDim);
    double large = -0.7 * 3.38953e38;
    double[] attended = new double[batch * tq * heads * valueDim];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < tq; i++) {
          double[] logits = new double[tk];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < tk; j++) {
            double s = 0;
            for (int p = 0; p < keyDim; p++) {
              s += pq[(b * tq + i) * heads * keyDim + h * keyDim + p] * pk[(b * tk + j) * heads * keyDim + h * keyDim + p];
            }
            s *= scale;
            if (mask != null && !mask[(b * tq + i) * tk + j]) s = large;
            logits[j] = s;
            max = Math.max(max, s);
          }
          double sum = 0;
          for (int j = 0; j < tk; j++) sum += logits[j] = Math.exp(logits[j] - max);
          for (int j = 0; j < tk; j++) {
            for (int p = 0; p < valueDim; p++) {
              attended[(b * tq + i) * heads * valueDim + h * valueDim + p] +=
                  logits[j] / sum * pv[(b * tk + j) * heads * valueDim + h * valueDim + p];
            }
          }
        }
      }
    }
    return project(attended, batch * tq, heads * valueDim, wo, bo, out);
  }

  /** {@code x [rows, in] · w [in, out] + b}: an EinsumDense with its kernel's axes flattened. */
  static double[] project(double[] x, int rows, int in, double[] w, double[] b, int out) {
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      double[] row = dot(x, r, in, w, out);
      for (int j = 0; j < out; j++) y[r * out + j] = row[j] + (b == null ? 0 : b[j]);
    }
    return y;
  }

  /**
   * Keras 3's Attention layer: dot scores {@code q·kᵀ * scale} or concat scores
   * {@code concatWeight * sum(tanh(scale * (q + k)))}; {@code scoresMask [b, tq, tv]} (value mask and causal) gives
   * {@code score - 1e9}; softmax; weights · values; times the query mask.
   */
  static double[] attention(double[] q, double[] v, double[] k, int batch, int tq, int tv, int dim, boolean concat,
      double scale, double concatWeight, boolean[] scoresMask, boolean[] queryMask) {
    double[] out = new double[batch * tq * dim];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < tq; i++) {
        double[] s = new double[tv];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < tv; j++) {
          double acc = 0;
          for (int p = 0; p < dim; p++) {
            double qv = q[(b * tq + i) * dim + p];
            double kv = k[(b * tv + j) * dim + p];
            acc += concat ? Math.tanh(scale * (qv + kv)) : qv * kv;
          }
          s[j] = concat ? concatWeight * acc : acc * scale;
          if (scoresMask != null && !scoresMask[(b * tq + i) * tv + j]) s[j] -= 1e9;
          max = Math.max(max, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < tv; j++) sum += s[j] = Math.exp(s[j] - max);
        boolean keep = queryMask == null || queryMask[b * tq + i];
        for (int j = 0; j < tv; j++) {
          for (int p = 0; p < dim; p++) out[(b * tq + i) * dim + p] += keep ? s[j] / sum * v[(b * tv + j) * dim + p] : 0;
        }
      }
    }
    return out;
  }
}

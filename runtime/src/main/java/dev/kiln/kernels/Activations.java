package dev.kiln.kernels;

import dev.kiln.Activation;

/**
 * Scalar activation functions and an allocation-free array form. All functions compute in double internally
 * where it matters for accuracy and return floats.
 */
public final class Activations {
  private Activations() {}

  private static final double SQRT_HALF = 0.7071067811865476;
  private static final double SQRT_2_OVER_PI = 0.7978845608028654;

  public static float relu(float x) {
    return Math.max(x, 0f);
  }

  public static float relu6(float x) {
    return Math.min(Math.max(x, 0f), 6f);
  }

  /** Numerically stable logistic function. */
  public static float sigmoid(float x) {
    if (x >= 0) return (float) (1.0 / (1.0 + Math.exp(-x)));
    double e = Math.exp(x);
    return (float) (e / (1.0 + e));
  }

  /**
   * {@code tanh(x)} from one {@code Math.exp} in double, {@code (1 - e^-2|x|) / (1 + e^-2|x|)} with the sign (its series
   * near 0): the same float as {@code (float) Math.tanh(x)} to within an ulp, and cheaper on JDK 17, where
   * {@code Math.tanh} is not an intrinsic (recurrent cells call it twice per unit and step).
   */
  public static float tanh(float x) {
    double a = Math.abs(x);
    if (a < 0x1p-8) {
      // 1 - e^-2a cancels near 0: the series, whose next term is below 1e-15 of the value here
      double d = x;
      double d2 = d * d;
      return (float) (d * (1.0 - d2 * (1.0 / 3 - d2 * (2.0 / 15))));
    }
    double t = Math.exp(-2.0 * a);
    double r = (1.0 - t) / (1.0 + t);
    return (float) (x < 0 ? -r : r);
  }

  /** Exact GELU: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
  public static float gelu(float x) {
    return (float) (0.5 * x * (1.0 + erf(x * SQRT_HALF)));
  }

  /** Tanh approximation of GELU: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
  public static float geluTanh(float x) {
    double d = x;
    return (float) (0.5 * d * (1.0 + Math.tanh(SQRT_2_OVER_PI * (d + 0.044715 * d * d * d))));
  }

  /** {@code x * sigmoid(x)} (swish). */
  public static float silu(float x) {
    double d = x;
    if (x >= 0) return (float) (d / (1.0 + Math.exp(-d)));
    double e = Math.exp(d);
    return (float) (d * e / (1.0 + e));
  }

  /** Keras 3 hard sigmoid: {@code relu6(x + 3) / 6}. */
  public static float hardSigmoid(float x) {
    return Math.min(Math.max(x + 3f, 0f), 6f) / 6f;
  }

  /** {@code x * hardSigmoid(x)}. */
  public static float hardSilu(float x) {
    return x * hardSigmoid(x);
  }

  public static float elu(float x, float alpha) {
    return x > 0 ? x : (float) (alpha * Math.expm1(x));
  }

  public static float leakyRelu(float x, float alpha) {
    return x >= 0 ? x : alpha * x;
  }

  /** Stable {@code log(1 + exp(x))}. */
  public static float softplus(float x) {
    double d = x;
    return (float) (Math.max(d, 0.0) + Math.log1p(Math.exp(-Math.abs(d))));
  }

  /** {@code x / (1 + |x|)} (Keras {@code softsign}). */
  public static float softsign(float x) {
    return x / (1f + Math.abs(x));
  }

  /**
   * Error function in double, absolute error below 1e-7: the Maclaurin series for |x| < 0.5, the Numerical
   * Recipes Chebyshev fit of erfc (fractional error below 1.2e-7) above.
   */
  public static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 0.5) {
      // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)); 10 terms give < 1e-12 here.
      double x2 = ax * ax;
      double term = ax;
      double sum = ax;
      for (int n = 1; n < 12; n++) {
        term *= -x2 / n;
        sum += term / (2 * n + 1);
      }
      r = 1.1283791670955126 * sum;
    } else if (ax > 6) {
      r = 1.0;
    } else {
      // erfc = t exp(-x^2 + P(t)), fractional error < 1.2e-7, so the error on erf is < 1.2e-7 * erfc(0.5) < 6e-8.
      double t = 1.0 / (1.0 + 0.5 * ax);
      double erfc = t * Math.exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
          + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
          + t * (-0.82215223 + t * 0.17087277)))))))));
      r = 1.0 - erfc;
    }
    return x < 0 ? -r : r;
  }

  /**
   * {@code act(x)} for one value (ELU alpha 1, LEAKY_RELU alpha 0.2, as {@link #apply(Activation, float[], float[], int)});
   * for kernels that activate a few values at scattered offsets, such as a recurrent cell's gates.
   */
  public static float apply(Activation act, float x) {
    switch (act == null ? Activation.LINEAR : act) {
      case LINEAR: return x;
      case RELU: return Math.max(x, 0f);
      case RELU6: return relu6(x);
      case SIGMOID: return sigmoid(x);
      case TANH: return tanh(x);
      case GELU: return gelu(x);
      case GELU_APPROXIMATE: return geluTanh(x);
      case SILU: return silu(x);
      case HARD_SIGMOID: return hardSigmoid(x);
      case HARD_SILU: return hardSilu(x);
      case ELU: return elu(x, 1f);
      case LEAKY_RELU: return leakyRelu(x, 0.2f);
      case SOFTPLUS: return softplus(x);
      case SOFTSIGN: return softsign(x);
      case EXPONENTIAL: return (float) Math.exp(x);
      default: throw new IllegalArgumentException("Activations.apply: " + act + " is not elementwise");
    }
  }

  /**
   * {@code out[i] = act(in[i])} for {@code i < n}; {@code in} and {@code out} may be the same array. ELU uses
   * alpha 1, LEAKY_RELU alpha 0.2 (the Keras activation-function defaults). SOFTMAX is not elementwise: use
   * {@link Softmax}. {@code null} means LINEAR.
   */
  public static void apply(Activation act, float[] in, float[] out, int n) {
    if (act == null) act = Activation.LINEAR;
    switch (act) {
      case LINEAR:
        if (in != out) System.arraycopy(in, 0, out, 0, n);
        return;
      case RELU:
        for (int i = 0; i < n; i++) out[i] = Math.max(in[i], 0f);
        return;
      case RELU6:
        for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(in[i], 0f), 6f);
        return;
      case SIGMOID:
        for (int i = 0; i < n; i++) out[i] = sigmoid(in[i]);
        return;
      case TANH:
        for (int i = 0; i < n; i++) out[i] = tanh(in[i]);
        return;
      case GELU:
        for (int i = 0; i < n; i++) out[i] = gelu(in[i]);
        return;
      case GELU_APPROXIMATE:
        for (int i = 0; i < n; i++) out[i] = geluTanh(in[i]);
        return;
      case SILU:
        for (int i = 0; i < n; i++) out[i] = silu(in[i]);
        return;
      case HARD_SIGMOID:
        for (int i = 0; i < n; i++) out[i] = Math.min(Math.max(in[i] + 3f, 0f), 6f) / 6f;
        return;
      case HARD_SILU:
        for (int i = 0; i < n; i++) {
          float x = in[i];
          out[i] = x * (Math.min(Math.max(x + 3f, 0f), 6f) / 6f);
        }
        return;
      case ELU:
        for (int i = 0; i < n; i++) out[i] = elu(in[i], 1f);
        return;
      case LEAKY_RELU:
        for (int i = 0; i < n; i++) out[i] = leakyRelu(in[i], 0.2f);
        return;
      case SOFTPLUS:
        for (int i = 0; i < n; i++) out[i] = softplus(in[i]);
        return;
      case SOFTSIGN:
        for (int i = 0; i < n; i++) {
          float x = in[i];
          out[i] = x / (1f + Math.abs(x));
        }
        return;
      case EXPONENTIAL:
        for (int i = 0; i < n; i++) out[i] = (float) Math.exp(in[i]);
        return;
      default:
        throw new IllegalArgumentException("Activations.apply: " + act + " is not elementwise (use Softmax.softmax)");
    }
  }

  /**
   * {@code x[i] = act(x[i])} for {@code from <= i < to}. ReLU and ReLU6 run in place; other activations go through
   * {@code tmp} (at least {@code min(to - from, tmp.length)} long, in chunks) so {@link #apply} indexes from 0.
   */
  static void applyInPlace(Activation act, float[] x, int from, int to, float[] tmp) {
    if (act == null || act == Activation.LINEAR) return;
    if (act == Activation.RELU) {
      for (int i = from; i < to; i++) x[i] = Math.max(x[i], 0f);
      return;
    }
    if (act == Activation.RELU6) {
      for (int i = from; i < to; i++) x[i] = Math.min(Math.max(x[i], 0f), 6f);
      return;
    }
    for (int i = from; i < to; i += tmp.length) {
      int len = Math.min(tmp.length, to - i);
      System.arraycopy(x, i, tmp, 0, len);
      apply(act, tmp, tmp, len);
      System.arraycopy(tmp, 0, x, i, len);
    }
  }

  /** {@code out[i] = elu(in[i], alpha)}. */
  public static void elu(float[] in, float[] out, int n, float alpha) {
    for (int i = 0; i < n; i++) out[i] = elu(in[i], alpha);
  }

  /** {@code out[i] = leakyRelu(in[i], alpha)}. */
  public static void leakyRelu(float[] in, float[] out, int n, float alpha) {
    for (int i = 0; i < n; i++) out[i] = leakyRelu(in[i], alpha);
  }

  /** {@code out[i] = geluTanh(in[i])}. */
  public static void geluTanh(float[] in, float[] out, int n) {
    for (int i = 0; i < n; i++) out[i] = geluTanh(in[i]);
  }
}

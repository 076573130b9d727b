package dev.kiln;

import java.util.Random;

/**
 * Keras weight initializers. Each has a text {@link Initializer#spec() spec} that {@link #parse(String)} turns
 * back into an equal initializer ({@code parse(i.spec()).spec().equals(i.spec())}):
 * <ul>
 *   <li>{@code zeros}, {@code ones}, {@code constant(0.5)}</li>
 *   <li>{@code glorot_uniform}, {@code glorot_normal}, {@code he_uniform}, {@code he_normal},
 *       {@code lecun_normal}, each optionally with {@code (seed=42)}</li>
 *   <li>{@code random_uniform(-0.05,0.05)}, {@code random_normal(0.0,0.05)}, {@code truncated_normal(0.0,0.05)},
 *       each optionally with a third argument {@code seed=42}</li>
 * </ul>
 *
 * <p>Fans follow Keras: for a shape {@code [in, out]} fan_in = in and fan_out = out; for rank &gt; 2 (a conv
 * kernel {@code [kh, kw, in, out]}) both are multiplied by the receptive field (product of all but the last two
 * dims); rank 1 uses the single dim for both, rank 0 uses 1. The normal variants of glorot / he / lecun are
 * truncated normals (at two standard deviations) with stddev {@code sqrt(scale / fan) / 0.87962566}, as
 * Keras' {@code VarianceScaling}. Values are deterministic for a given seed ({@link java.util.Random}).
 */
public final class Initializers {
  private Initializers() {}

  /** Keras' correction: the stddev of a unit normal truncated to [-2, 2]. */
  static final double TRUNCATION_STDDEV = 0.87962566103423978;

  public static Initializer zeros() {
    return new Const("zeros", 0f);
  }

  public static Initializer ones() {
    return new Const("ones", 1f);
  }

  public static Initializer constant(float value) {
    return new Const("constant(" + value + ")", value);
  }

  public static Initializer glorotUniform() {
    return new Scaling("glorot_uniform", null);
  }

  public static Initializer glorotUniform(long seed) {
    return new Scaling("glorot_uniform", seed);
  }

  public static Initializer glorotNormal() {
    return new Scaling("glorot_normal", null);
  }

  public static Initializer glorotNormal(long seed) {
    return new Scaling("glorot_normal", seed);
  }

  public static Initializer heUniform() {
    return new Scaling("he_uniform", null);
  }

  public static Initializer heUniform(long seed) {
    return new Scaling("he_uniform", seed);
  }

  public static Initializer heNormal() {
    return new Scaling("he_normal", null);
  }

  public static Initializer heNormal(long seed) {
    return new Scaling("he_normal", seed);
  }

  public static Initializer lecunNormal() {
    return new Scaling("lecun_normal", null);
  }

  public static Initializer lecunNormal(long seed) {
    return new Scaling("lecun_normal", seed);
  }

  /** Keras default {@code RandomUniform(-0.05, 0.05)} takes explicit bounds here. */
  public static Initializer randomUniform(float min, float max) {
    return new Random2("random_uniform", min, max, null);
  }

  public static Initializer randomUniform(float min, float max, long seed) {
    return new Random2("random_uniform", min, max, seed);
  }

  public static Initializer randomNormal(float mean, float stddev) {
    return new Random2("random_normal", mean, stddev, null);
  }

  public static Initializer randomNormal(float mean, float stddev, long seed) {
    return new Random2("random_normal", mean, stddev, seed);
  }

  /** Normal truncated at two standard deviations from the mean (values are redrawn), as Keras. */
  public static Initializer truncatedNormal(float mean, float stddev) {
    return new Random2("truncated_normal", mean, stddev, null);
  }

  public static Initializer truncatedNormal(float mean, float stddev, long seed) {
    return new Random2("truncated_normal", mean, stddev, seed);
  }

  /**
   * Keras' {@code orthogonal} (gain 1), the default recurrent kernel initializer: the weight, seen as a matrix
   * {@code [product of the leading axes, last axis]}, has orthonormal rows or columns (Gram-Schmidt of a normal draw).
   */
  public static Initializer orthogonal() {
    return new Orthogonal(null);
  }

  public static Initializer orthogonal(long seed) {
    return new Orthogonal(seed);
  }

  /**
   * An LSTM bias with Keras' {@code unit_forget_bias}: ones for the forget gate (the second block of {@code units}),
   * zeros elsewhere.
   */
  public static Initializer unitForgetBias(int units) {
    return new Const("unit_forget_bias(" + units + ")", 0f) {
      @Override
      public float[] generate(int[] shape, long seed) {
        float[] out = super.generate(shape, seed);
        java.util.Arrays.fill(out, units, Math.min(out.length, 2 * units), 1f);
        return out;
      }
    };
  }

  /** The initializer of a {@link Initializer#spec()} string; IllegalArgumentException when malformed. */
  public static Initializer parse(String spec) {
    if (spec == null) throw new IllegalArgumentException("initializer spec is null");
    String s = spec.trim();
    String name = s;
    String[] args = new String[0];
    int open = s.indexOf('(');
    if (open >= 0) {
      if (!s.endsWith(")")) throw bad(spec);
      name = s.substring(0, open).trim();
      String inner = s.substring(open + 1, s.length() - 1).trim();
      args = inner.isEmpty() ? new String[0] : inner.split(",", -1);
      for (int i = 0; i < args.length; i++) args[i] = args[i].trim();
    }
    try {
      switch (name) {
        case "zeros":
          if (args.length != 0) throw bad(spec);
          return zeros();
        case "ones":
          if (args.length != 0) throw bad(spec);
          return ones();
        case "constant":
          if (args.length != 1) throw bad(spec);
          return constant(number(args[0], spec));
        case "orthogonal":
          if (args.length == 0) return orthogonal();
          if (args.length == 1) return orthogonal(seed(args[0], spec));
          throw bad(spec);
        case "unit_forget_bias":
          if (args.length != 1) throw bad(spec);
          return unitForgetBias(Integer.parseInt(args[0]));
        case "glorot_uniform":
        case "glorot_normal":
        case "he_uniform":
        case "he_normal":
        case "lecun_normal":
          if (args.length == 0) return new Scaling(name, null);
          if (args.length == 1) return new Scaling(name, seed(args[0], spec));
          throw bad(spec);
        case "random_uniform":
        case "random_normal":
        case "truncated_normal":
          if (args.length == 2) return new Random2(name, number(args[0], spec), number(args[1], spec), null);
          if (args.length == 3) return new Random2(name, number(args[0], spec), number(args[1], spec), seed(args[2], spec));
          throw bad(spec);
        default:
          throw new IllegalArgumentException("unknown initializer '" + name + "' in spec '" + spec + "'");
      }
    } catch (NumberFormatException e) {
      throw bad(spec);
    }
  }

  private static IllegalArgumentException bad(String spec) {
    return new IllegalArgumentException("malformed initializer spec '" + spec + "'");
  }

  private static float number(String s, String spec) {
    if (s.isEmpty()) throw bad(spec);
    float v = Float.parseFloat(s);
    if (Float.isNaN(v) || Float.isInfinite(v)) throw bad(spec);
    return v;
  }

  private static long seed(String s, String spec) {
    if (!s.startsWith("seed=")) throw bad(spec);
    return Long.parseLong(s.substring(5).trim());
  }

  /** {fan_in, fan_out} by Keras' {@code compute_fans}. */
  static double[] fans(int[] shape) {
    if (shape.length == 0) return new double[] {1, 1};
    if (shape.length == 1) return new double[] {shape[0], shape[0]};
    if (shape.length == 2) return new double[] {shape[0], shape[1]};
    double rf = 1;
    for (int i = 0; i < shape.length - 2; i++) rf *= shape[i];
    return new double[] {shape[shape.length - 2] * rf, shape[shape.length - 1] * rf};
  }

  private static int count(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) throw new IllegalArgumentException("initializer: shape " + Shapes.toString(shape) + " has an unknown dimension");
      n *= d;
    }
    return (int) n;
  }

  /** A standard normal truncated to [-2, 2] by redrawing. */
  private static double truncated(Random r) {
    while (true) {
      double g = r.nextGaussian();
      if (g >= -2 && g <= 2) return g;
    }
  }

  private static class Const implements Initializer {
    private final String spec;
    private final float value;

    Const(String spec, float value) {
      this.spec = spec;
      this.value = value;
    }

    @Override
    public float[] generate(int[] shape, long seed) {
      float[] out = new float[count(shape)];
      if (value != 0f) java.util.Arrays.fill(out, value);
      return out;
    }

    @Override
    public String spec() {
      return spec;
    }

    @Override
    public String toString() {
      return spec;
    }
  }

  /** Keras VarianceScaling presets. */
  private static final class Scaling implements Initializer {
    private final String name;
    private final Long seed;

    Scaling(String name, Long seed) {
      this.name = name;
      this.seed = seed;
    }

    @Override
    public float[] generate(int[] shape, long fallbackSeed) {
      float[] out = new float[count(shape)];
      Random r = new Random(seed != null ? seed : fallbackSeed);
      double[] f = fans(shape);
      double fanIn = Math.max(1, f[0]);
      double fanAvg = Math.max(1, (f[0] + f[1]) / 2);
      switch (name) {
        case "glorot_uniform": uniform(out, r, Math.sqrt(3.0 / fanAvg)); break;
        case "he_uniform": uniform(out, r, Math.sqrt(6.0 / fanIn)); break;
        case "glorot_normal": normal(out, r, Math.sqrt(1.0 / fanAvg) / TRUNCATION_STDDEV); break;
        case "he_normal": normal(out, r, Math.sqrt(2.0 / fanIn) / TRUNCATION_STDDEV); break;
        default: normal(out, r, Math.sqrt(1.0 / fanIn) / TRUNCATION_STDDEV); break; // lecun_normal
      }
      return out;
    }

    private static void uniform(float[] out, Random r, double limit) {
      for (int i = 0; i < out.length; i++) out[i] = (float) ((2 * r.nextDouble() - 1) * limit);
    }

    private static void normal(float[] out, Random r, double stddev) {
      for (int i = 0; i < out.length; i++) out[i] = (float) (truncated(r) * stddev);
    }

    @Override
    public String spec() {
      return seed == null ? name : name + "(seed=" + seed + ")";
    }

    @Override
    public String toString() {
      return spec();
    }
  }

  /** random_uniform(min, max), random_normal(mean, stddev), truncated_normal(mean, stddev). */
  private static final class Random2 implements Initializer {
    private final String name;
    private final float p;
    private final float q;
    private final Long seed;

    Random2(String name, float p, float q, Long seed) {
      if (name.equals("random_uniform") ? q < p : q < 0) {
        throw new IllegalArgumentException(name + ": invalid arguments " + p + ", " + q);
      }
      this.name = name;
      this.p = p;
      this.q = q;
      this.seed = seed;
    }

    @Override
    public float[] generate(int[] shape, long fallbackSeed) {
      float[] out = new float[count(shape)];
      Random r = new Random(seed != null ? seed : fallbackSeed);
      for (int i = 0; i < out.length; i++) {
        double v;
        if (name.equals("random_uniform")) v = p + (q - (double) p) * r.nextDouble();
        else if (name.equals("random_normal")) v = p + q * r.nextGaussian();
        else v = p + q * truncated(r);
        out[i] = (float) v;
      }
      return out;
    }

    @Override
    public String spec() {
      return name + "(" + p + "," + q + (seed == null ? "" : ",seed=" + seed) + ")";
    }

    @Override
    public String toString() {
      return spec();
    }
  }

  /** Keras Orthogonal(gain=1): Gram-Schmidt on the shorter side of a standard normal matrix. */
  private static final class Orthogonal implements Initializer {
    private final Long seed;

    Orthogonal(Long seed) {
      this.seed = seed;
    }

    @Override
    public float[] generate(int[] shape, long fallbackSeed) {
      int n = count(shape);
      int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
      int rows = cols == 0 ? 0 : n / cols;
      // orthonormal vectors of length `len`, `count` of them (count <= len), then laid out as rows or columns
      int len = Math.max(rows, cols);
      int vectors = Math.min(rows, cols);
      double[][] q = new double[vectors][len];
      Random r = new Random(seed != null ? seed : fallbackSeed);
      for (int v = 0; v < vectors; v++) {
        for (int i = 0; i < len; i++) q[v][i] = r.nextGaussian();
        for (int u = 0; u < v; u++) {
          double dot = 0;
          for (int i = 0; i < len; i++) dot += q[v][i] * q[u][i];
          for (int i = 0; i < len; i++) q[v][i] -= dot * q[u][i];
        }
        double norm = 0;
        for (int i = 0; i < len; i++) norm += q[v][i] * q[v][i];
        norm = Math.sqrt(norm);
        for (int i = 0; i < len; i++) q[v][i] /= norm;
      }
      float[] out = new float[n];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) out[i * cols + j] = (float) (rows >= cols ? q[j][i] : q[i][j]);
      }
      return out;
    }

    @Override
    public String spec() {
      return seed == null ? "orthogonal" : "orthogonal(seed=" + seed + ")";
    }

    @Override
    public String toString() {
      return spec();
    }
  }
}

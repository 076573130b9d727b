package dev.kiln.ops;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.kernels.Activations;
import dev.kiln.kernels.Unary;

/**
 * The elementwise ops of one float input ({@code Relu}, {@code Exp}, {@code LeakyRelu}...): each {@link Fn} is one
 * op type, with its scalar function (the same static method serves the eager loop and the fused code) and the
 * producer-epilogue {@link Activation} it equals.
 */
public final class UnaryOp extends Op {
  private static final String ACT = "dev.kiln.kernels.Activations";
  private static final String MATH = "dev.kiln.kernels.Unary";

  /** The op types of this family. */
  public enum Fn {
    RELU("Relu", ACT, "relu", Activation.RELU),
    RELU6("Relu6", ACT, "relu6", Activation.RELU6),
    SIGMOID("Sigmoid", ACT, "sigmoid", Activation.SIGMOID),
    TANH("Tanh", ACT, "tanh", Activation.TANH),
    SILU("Silu", ACT, "silu", Activation.SILU),
    SOFTPLUS("Softplus", ACT, "softplus", Activation.SOFTPLUS),
    SOFTSIGN("Softsign", ACT, "softsign", Activation.SOFTSIGN),
    HARD_SIGMOID("HardSigmoid", ACT, "hardSigmoid", Activation.HARD_SIGMOID),
    HARD_SILU("HardSilu", ACT, "hardSilu", Activation.HARD_SILU),
    /** Exact GELU, or the tanh approximation ({@code approximate}). */
    GELU("Gelu", ACT, "gelu", Activation.GELU),
    /** {@code alpha * (exp(x) - 1)} below zero. */
    ELU("Elu", ACT, "elu", Activation.ELU),
    /** {@code alpha * x} below zero. */
    LEAKY_RELU("LeakyRelu", ACT, "leakyRelu", Activation.LEAKY_RELU),
    EXP("Exp", MATH, "exp", Activation.EXPONENTIAL),
    LOG("Log", MATH, "log", null),
    SQRT("Sqrt", MATH, "sqrt", null),
    SQUARE("Square", MATH, "square", null),
    ABS("Abs", MATH, "abs", null),
    NEG("Neg", MATH, "neg", null),
    /** {@code min(max(x, min), max)}. */
    CLIP("ClipByValue", MATH, "clip", null);

    final String type;
    final String owner;
    final String method;
    final Activation activation;

    Fn(String type, String owner, String method, Activation activation) {
      this.type = type;
      this.owner = owner;
      this.method = method;
      this.activation = activation;
    }

    public String type() {
      return type;
    }
  }

  /** Keras' {@code elu} activation default. */
  static final float ELU_ALPHA = 1f;
  /** TensorFlow's {@code tf.nn.leaky_relu} default (the Keras {@code LeakyReLU} layer uses 0.3). */
  public static final float LEAKY_RELU_ALPHA = 0.2f;

  private final Fn fn;
  private final float alpha;
  private final boolean approximate;
  private final float min;
  private final float max;

  private UnaryOp(Fn fn, float alpha, boolean approximate, float min, float max) {
    this.fn = fn;
    this.alpha = alpha;
    this.approximate = approximate;
    this.min = min;
    this.max = max;
  }

  /** An op without attributes. */
  public static UnaryOp of(Fn fn) {
    if (fn == Fn.ELU) return elu(ELU_ALPHA);
    if (fn == Fn.LEAKY_RELU) return leakyRelu(LEAKY_RELU_ALPHA);
    if (fn == Fn.GELU) return gelu(false);
    if (fn == Fn.CLIP) throw new IllegalArgumentException("ClipByValue needs its bounds");
    return new UnaryOp(fn, 0f, false, 0f, 0f);
  }

  public static UnaryOp elu(float alpha) {
    return new UnaryOp(Fn.ELU, alpha, false, 0f, 0f);
  }

  public static UnaryOp leakyRelu(float alpha) {
    return new UnaryOp(Fn.LEAKY_RELU, alpha, false, 0f, 0f);
  }

  public static UnaryOp gelu(boolean approximate) {
    return new UnaryOp(Fn.GELU, 0f, approximate, 0f, 0f);
  }

  public static UnaryOp clip(float min, float max) {
    return new UnaryOp(Fn.CLIP, 0f, false, min, max);
  }

  /** The op an activation enum value stands for (not LINEAR or SOFTMAX). */
  public static UnaryOp of(Activation a) {
    switch (a) {
      case GELU_APPROXIMATE: return gelu(true);
      case GELU: return gelu(false);
      default:
        for (Fn f : Fn.values()) {
          if (f.activation == a) return of(f);
        }
        throw new IllegalArgumentException(a + " is not an elementwise activation");
    }
  }

  static UnaryOp decode(Fn fn, Attrs a) {
    switch (fn) {
      case ELU: return elu(a.getFloat("alpha", ELU_ALPHA));
      case LEAKY_RELU: return leakyRelu(a.getFloat("alpha", LEAKY_RELU_ALPHA));
      case GELU: return gelu(a.getBoolean("approximate", false));
      case CLIP: return clip(a.getFloat("min"), a.getFloat("max"));
      default: return of(fn);
    }
  }

  public Fn fn() {
    return fn;
  }

  public float alpha() {
    return alpha;
  }

  public boolean approximate() {
    return approximate;
  }

  @Override
  public String type() {
    return fn.type;
  }

  @Override
  public Pattern pattern() {
    return Pattern.ELEMENTWISE;
  }

  @Override
  public Attrs attrs() {
    switch (fn) {
      case ELU: case LEAKY_RELU: return Attrs.of("alpha", alpha);
      case GELU: return Attrs.of("approximate", approximate);
      case CLIP: return Attrs.of("min", min, "max", max);
      default: return Attrs.NONE;
    }
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    floats(dtypes);
    return Outputs.of(shapes[0], DType.FLOAT32);
  }

  @Override
  public ScalarForm scalarForm() {
    switch (fn) {
      case GELU: return ScalarForm.call(ACT, approximate ? "geluTanh" : "gelu");
      case ELU: case LEAKY_RELU: return ScalarForm.call(fn.owner, fn.method, alpha);
      case CLIP: return ScalarForm.call(fn.owner, fn.method, min, max);
      default: return ScalarForm.call(fn.owner, fn.method);
    }
  }

  @Override
  public Activation asActivation(int rank) {
    switch (fn) {
      case GELU: return approximate ? Activation.GELU_APPROXIMATE : Activation.GELU;
      case ELU: return alpha == ELU_ALPHA ? Activation.ELU : null;
      case LEAKY_RELU: return alpha == LEAKY_RELU_ALPHA ? Activation.LEAKY_RELU : null;
      default: return fn.activation;
    }
  }


  @Override
  public void run(Object[] inputs, int[][] inputShapes, Object[] outputs, int[][] outputShapes) {
    float[] in = (float[]) inputs[0];
    float[] out = (float[]) outputs[0];
    int n = product(outputShapes[0], 0, outputShapes[0].length);
    // one loop per function, each calling the method its scalar form names
    switch (fn) {
      case RELU: for (int i = 0; i < n; i++) out[i] = Activations.relu(in[i]); return;
      case RELU6: for (int i = 0; i < n; i++) out[i] = Activations.relu6(in[i]); return;
      case SIGMOID: for (int i = 0; i < n; i++) out[i] = Activations.sigmoid(in[i]); return;
      case TANH: for (int i = 0; i < n; i++) out[i] = Activations.tanh(in[i]); return;
      case SILU: for (int i = 0; i < n; i++) out[i] = Activations.silu(in[i]); return;
      case SOFTPLUS: for (int i = 0; i < n; i++) out[i] = Activations.softplus(in[i]); return;
      case SOFTSIGN: for (int i = 0; i < n; i++) out[i] = Activations.softsign(in[i]); return;
      case HARD_SIGMOID: for (int i = 0; i < n; i++) out[i] = Activations.hardSigmoid(in[i]); return;
      case HARD_SILU: for (int i = 0; i < n; i++) out[i] = Activations.hardSilu(in[i]); return;
      case GELU:
        if (approximate) for (int i = 0; i < n; i++) out[i] = Activations.geluTanh(in[i]);
        else for (int i = 0; i < n; i++) out[i] = Activations.gelu(in[i]);
        return;
      case ELU: for (int i = 0; i < n; i++) out[i] = Activations.elu(in[i], alpha); return;
      case LEAKY_RELU: for (int i = 0; i < n; i++) out[i] = Activations.leakyRelu(in[i], alpha); return;
      case EXP: for (int i = 0; i < n; i++) out[i] = Unary.exp(in[i]); return;
      case LOG: for (int i = 0; i < n; i++) out[i] = Unary.log(in[i]); return;
      case SQRT: for (int i = 0; i < n; i++) out[i] = Unary.sqrt(in[i]); return;
      case SQUARE: for (int i = 0; i < n; i++) out[i] = Unary.square(in[i]); return;
      case ABS: for (int i = 0; i < n; i++) out[i] = Unary.abs(in[i]); return;
      case NEG: for (int i = 0; i < n; i++) out[i] = Unary.neg(in[i]); return;
      case CLIP: for (int i = 0; i < n; i++) out[i] = Unary.clip(in[i], min, max); return;
      default: throw new IllegalStateException(fn.toString());
    }
  }
}

package dev.kiln;

/**
 * Keras activation functions, usable as a layer argument ({@code new Dense(10).activation(Activation.SOFTMAX)}).
 * {@link #opName()} is the name of the graph op it becomes ({@code hidden/Relu}).
 */
public enum Activation {
  LINEAR("Identity"),
  RELU("Relu"),
  RELU6("Relu6"),
  SIGMOID("Sigmoid"),
  TANH("Tanh"),
  SOFTMAX("Softmax"),
  GELU("Gelu"),
  SILU("Silu"),
  HARD_SIGMOID("HardSigmoid"),
  HARD_SILU("HardSilu"),
  ELU("Elu"),
  LEAKY_RELU("LeakyRelu"),
  SOFTPLUS("Softplus"),
  /** {@code x / (1 + |x|)}. */
  SOFTSIGN("Softsign"),
  /** {@code exp(x)} (Keras {@code exponential}). */
  EXPONENTIAL("Exp"),
  /** GELU with the tanh approximation (Keras {@code gelu(x, approximate=True)}). */
  GELU_APPROXIMATE("Gelu");

  private final String opName;

  Activation(String opName) {
    this.opName = opName;
  }

  /** The op type this activation becomes in the graph. */
  public String opName() {
    return opName;
  }
}

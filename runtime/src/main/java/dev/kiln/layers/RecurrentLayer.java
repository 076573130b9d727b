package dev.kiln.layers;

import dev.kiln.AbstractLayer;
import dev.kiln.Activation;
import dev.kiln.Initializer;
import dev.kiln.Initializers;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;
import dev.kiln.ops.RecurrentOp;

/**
 * What Keras' {@code SimpleRNN}, {@code LSTM} and {@code GRU} share: the options, the weights {@code kernel
 * [features, gates*units]}, {@code recurrent_kernel [units, gates*units]} and {@code bias} directly under the layer's
 * path (no {@code cell} segment), and the masks. The whole layer is one graph op whose kernel loops over the time axis
 * at run time ({@link RecurrentOp}). Masked steps carry the states and the previous output over; the output keeps the
 * input's mask only with {@code returnSequences}. {@code returnState(true)}: {@link #applyAll} returns
 * {@code [output, h]} ({@code [output, h, c]} for an LSTM); {@code apply} returns the output.
 *
 * @param <L> the concrete layer, which the fluent setters return
 */
public abstract class RecurrentLayer<L extends RecurrentLayer<L>> extends AbstractLayer {
  protected final int units;
  protected Activation activation = Activation.TANH;
  protected Activation recurrentActivation = Activation.SIGMOID;
  protected boolean useBias = true;
  protected boolean returnSequences;
  protected boolean returnState;
  protected boolean goBackwards;
  protected float dropout;
  protected float recurrentDropout;
  protected Initializer kernelInitializer = Initializers.glorotUniform();
  protected Initializer recurrentInitializer = Initializers.orthogonal();
  protected Initializer biasInitializer = Initializers.zeros();
  /** Set by {@link Bidirectional} when it returns sequences, as Keras forces {@code zero_output_for_mask}. */
  boolean zeroOutputForMask;
  private Tensor kernel;
  private Tensor recurrentKernel;
  private Tensor bias;

  protected RecurrentLayer(int units) {
    if (units <= 0) throw new IllegalArgumentException(getClass().getSimpleName() + ": units must be positive, got " + units);
    this.units = units;
  }

  /** Gate blocks in the kernels' columns. */
  protected abstract int gates();

  /** The bias's shape. */
  protected abstract int[] biasShape();

  /** The op for these options; {@code masked}: a mask is the last input. */
  protected abstract RecurrentOp op(RecurrentOp.Config config);

  /** A new layer of the same kind and units, before {@link #copyOptionsTo} (for {@link Bidirectional}). */
  protected abstract L newLayer();

  @SuppressWarnings("unchecked")
  protected final L self() {
    return (L) this;
  }

  public L activation(Activation activation) {
    this.activation = activation == null ? Activation.LINEAR : activation;
    return self();
  }

  public L recurrentActivation(Activation recurrentActivation) {
    this.recurrentActivation = recurrentActivation == null ? Activation.LINEAR : recurrentActivation;
    return self();
  }

  public L useBias(boolean useBias) {
    this.useBias = useBias;
    return self();
  }

  /** Return the output of every step ({@code [batch, time, units]}) instead of the last ({@code [batch, units]}). */
  public L returnSequences(boolean returnSequences) {
    this.returnSequences = returnSequences;
    return self();
  }

  /** Also return the final states: use {@link #applyAll}. */
  public L returnState(boolean returnState) {
    this.returnState = returnState;
    return self();
  }

  /** Process the steps from the last to the first; the output sequence is in that order too, as in Keras. */
  public L goBackwards(boolean goBackwards) {
    this.goBackwards = goBackwards;
    return self();
  }

  /** Keras {@code dropout}: training only; the identity at inference, which is what sessions run. */
  public L dropout(float dropout) {
    this.dropout = dropout;
    return self();
  }

  /** Keras {@code recurrent_dropout}: training only, as {@link #dropout}. */
  public L recurrentDropout(float recurrentDropout) {
    this.recurrentDropout = recurrentDropout;
    return self();
  }

  public L kernelInitializer(Initializer kernelInitializer) {
    this.kernelInitializer = kernelInitializer;
    return self();
  }

  public L recurrentInitializer(Initializer recurrentInitializer) {
    this.recurrentInitializer = recurrentInitializer;
    return self();
  }

  public L biasInitializer(Initializer biasInitializer) {
    this.biasInitializer = biasInitializer;
    return self();
  }

  public int units() {
    return units;
  }

  public boolean returnsSequences() {
    return returnSequences;
  }

  public boolean returnsState() {
    return returnState;
  }

  public boolean isGoingBackwards() {
    return goBackwards;
  }

  /** The same kind of layer with the same options and fresh weights; {@code goBackwards} as given. */
  final L copy(boolean goBackwards) {
    L copy = newLayer();
    RecurrentLayer<L> c = copy;
    c.activation = activation;
    c.recurrentActivation = recurrentActivation;
    c.useBias = useBias;
    c.returnSequences = returnSequences;
    c.returnState = returnState;
    c.goBackwards = goBackwards;
    c.dropout = dropout;
    c.recurrentDropout = recurrentDropout;
    c.kernelInitializer = kernelInitializer;
    c.recurrentInitializer = recurrentInitializer;
    c.biasInitializer = biasInitializer;
    copyOptionsTo(copy);
    return copy;
  }

  /** Copies the options of the concrete layer ({@code resetAfter}, ...) to a {@link #newLayer()}. */
  protected void copyOptionsTo(L copy) {}

  /** The bias initializer the layer uses (an LSTM's unit forget bias replaces the default zeros). */
  protected Initializer effectiveBiasInitializer() {
    return biasInitializer;
  }

  @Override
  protected void build(TensorShape inputShape) {
    if (inputShape.rank() != 3 || inputShape.dim(2) < 0) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": input must have rank 3 [batch, time, features]"
          + " with known features, got " + Shapes.toString(inputShape.dims()));
    }
    kernel = addWeight("kernel", kernelInitializer, inputShape.dim(2), gates() * units);
    recurrentKernel = addWeight("recurrent_kernel", recurrentInitializer, units, gates() * units);
    if (useBias) bias = addWeight("bias", effectiveBiasInitializer(), biasShape());
  }

  @Override
  protected Tensor call(Tensor inputs, boolean training, Tensor mask) {
    return callAll(inputs, training, mask)[0];
  }

  @Override
  protected Tensor[] callAll(Tensor inputs, boolean training, Tensor mask) {
    if (inputs.rank() != 3) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": input must have rank 3 [batch, time, features],"
          + " got " + Shapes.toString(inputs.shape()));
    }
    RecurrentOp op = op(new RecurrentOp.Config(units, activation, recurrentActivation, useBias, goBackwards,
        returnSequences, mask != null, zeroOutputForMask));
    int n = 3 + (useBias ? 1 : 0) + (mask != null ? 1 : 0);
    Tensor[] in = new Tensor[n];
    in[0] = inputs;
    in[1] = kernel;
    in[2] = recurrentKernel;
    if (useBias) in[3] = bias;
    if (mask != null) in[n - 1] = mask;
    Tensor[] out = op.applyAll(in);
    return returnState ? out : new Tensor[] {out[0]};
  }

  @Override
  public boolean supportsMasking() {
    return true;
  }

  /** The input's mask with {@code returnSequences}, else none (Keras' RNN {@code compute_mask}). */
  @Override
  public Tensor computeMask(Tensor inputs, Tensor mask) {
    return returnSequences ? mask : null;
  }
}

package dev.kiln.ops;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;
import dev.kiln.graph.Tracer;
import dev.kiln.kernels.JavaKernels;
import dev.kiln.kernels.KernelSet;

/**
 * One op of Kiln's graph language, with its typed attributes, defined once: its shape function ({@link #infer}),
 * its kernel ({@link #run}, which serves eager execution, the graph interpreter of {@code Session.run} and the
 * generated code of ops without a dedicated lowering), its fusion {@link Pattern}, its scalar form for fused
 * elementwise loops, the epilogue its kernel can apply and (later) its gradient. {@link OpRegistry} lists every op
 * type. Masks are not an op's business: as in Keras 3, ops drop them and layers say what happens to them
 * ({@link dev.kiln.AbstractLayer#computeMask}).
 *
 * <p>{@link #apply} is how {@code Ops}, {@code ConvOps}, the layers and user code use an op: with any symbolic input
 * (the processor tracing a {@code @Call} body) it records a graph node, otherwise it computes.
 *
 * <p>Instances are immutable. Arrays given to {@link #run} hold {@code float[]} for FLOAT32 and {@code int[]} for
 * INT32 and BOOL (1 = true).
 */
public abstract class Op {
  /** The op type as graph nodes show it: {@code Conv2D}, {@code Relu}. */
  public abstract String type();

  public abstract Pattern pattern();

  /**
   * The output shapes and dtypes for inputs of these static shapes and dtypes. Throws
   * {@link IllegalArgumentException} naming the op and the shapes when they cannot work, or when a dimension is
   * symbolic where the op needs it known (naming the dimension).
   */
  public abstract Outputs infer(Dim[][] shapes, DType[] dtypes);

  /**
   * Computes the outputs from concrete inputs into the given arrays (the sizes of {@code outputShapes}, which
   * {@link #infer} gave for {@code inputShapes}). Allocates nothing the outputs do not need, so generated code may
   * call it on every run.
   */
  public abstract void run(Object[] inputs, int[][] inputShapes, Object[] outputs, int[][] outputShapes);

  /**
   * Floats of working space the kernel needs for inputs of these concrete shapes; 0 (the default) for none. Generated
   * code provides it through {@link #run(Object[], int[][], Object[], int[][], float[])}, sized once for each larger
   * run-time shape, so steady-state calls allocate nothing; ops that need it override that method and compute their
   * own in {@link #run(Object[], int[][], Object[], int[][])}.
   */
  public long scratchSize(int[][] inputShapes) {
    return 0;
  }

  /** {@link #run(Object[], int[][], Object[], int[][])} with a scratch array of at least {@link #scratchSize} floats. */
  public void run(Object[] inputs, int[][] inputShapes, Object[] outputs, int[][] outputShapes, float[] scratch) {
    run(inputs, inputShapes, outputs, outputShapes);
  }

  // ---- on a session's kernel set --------------------------------------------------------------------------------

  /**
   * Whether this op computes through a session's {@link KernelSet} (its products on the session's kernels and
   * threads): generated code then prepares the op once when the session opens ({@link #prepare}) and calls
   * {@link #run(KernelSet, Object, Object[], int[][], Object[], int[][], float[])}. False by default. Such an op's
   * other {@code run} forms (eager execution, the graph interpreter) prepare it on {@link #CALLING_THREAD} at every
   * call, so they compute what a session on the pure-Java kernels computes, and allocate.
   */
  public boolean runsOnKernels() {
    return false;
  }

  /**
   * The inputs {@link #prepare} reads (a recurrent layer's kernels, say): generated code prepares the op once only
   * when they are all weights. None by default.
   */
  public int[] preparedInputs() {
    return new int[0];
  }

  /**
   * Prepares this op for {@code kernels}, once: {@code inputs[i]} holds the values of input {@code i} for each index
   * of {@link #preparedInputs} (other entries may be null). Returns what the kernel-set form of {@code run} takes
   * (packed weights, say), or null. Allocates.
   */
  public Object prepare(KernelSet kernels, Object[] inputs) {
    return null;
  }

  /**
   * {@link #run(Object[], int[][], Object[], int[][], float[])} on {@code kernels}, with what {@link #prepare}
   * returned for them; allocates nothing. The default ignores both.
   */
  public void run(KernelSet kernels, Object prepared, Object[] inputs, int[][] inputShapes, Object[] outputs,
      int[][] outputShapes, float[] scratch) {
    run(inputs, inputShapes, outputs, outputShapes, scratch);
  }

  /** The kernel set of ops that {@link #runsOnKernels} when they run outside a session: pure Java, one thread. */
  protected static final KernelSet CALLING_THREAD = JavaKernels.FACTORY.create(1);

  /** The attributes as data, for the graph table of generated code and for {@link dev.kiln.Graph}. */
  public Attrs attrs() {
    return Attrs.NONE;
  }

  /** For {@link Pattern#ELEMENTWISE} ops: the Java expression of one element. */
  public ScalarForm scalarForm() {
    return null;
  }

  /** For {@link Pattern#PRODUCER} ops: what the kernel applies after its products. */
  public Epilogue epilogue() {
    return Epilogue.NONE;
  }

  /**
   * The activation a producer's epilogue computes for this op applied to a tensor of rank {@code rank}, or null
   * when this op is not one (Relu is RELU; LeakyRelu only with Keras' default slope; Softmax only on the last axis).
   */
  public Activation asActivation(int rank) {
    return null;
  }


  /** The backward rule; {@code null}: sessions run inference and no op defines one yet. */
  public Gradient gradient() {
    return null;
  }

  // ---- applying -----------------------------------------------------------------------------------------------

  /** The single output of {@link #applyAll}. */
  public final Tensor apply(Tensor... inputs) {
    return applyAll(inputs)[0];
  }

  /** Records a graph node when any input is symbolic, else computes. Shape errors throw before either. */
  public final Tensor[] applyAll(Tensor... inputs) {
    Outputs out = infer(shapes(inputs), dtypes(inputs));
    if (Tracer.anySymbolic(inputs)) return Tracer.require().record(this, out, inputs);
    return compute(inputs, out);
  }

  /** Computes from concrete inputs into new tensors. */
  public final Tensor[] compute(Tensor... inputs) {
    return compute(inputs, infer(shapes(inputs), dtypes(inputs)));
  }

  private Tensor[] compute(Tensor[] inputs, Outputs out) {
    int[][] outShapes = new int[out.count()][];
    for (int i = 0; i < outShapes.length; i++) outShapes[i] = Dims.concrete(out.shape(i), type());
    return compute(inputs, outShapes, out.dtypes());
  }

  /**
   * Computes from concrete inputs into new tensors of the given shapes and dtypes: the graph interpreter's form, for
   * nodes whose output shapes it knows from their static shapes and the run's symbol values (a Reshape to
   * {@code [batch, time, 64]} cannot be inferred from its input alone).
   */
  public final Tensor[] compute(Tensor[] inputs, int[][] outShapes, DType[] outTypes) {
    Object[] in = new Object[inputs.length];
    int[][] inShapes = new int[inputs.length][];
    for (int i = 0; i < in.length; i++) {
      in[i] = buffer(inputs[i]);
      inShapes[i] = inputs[i].shape();
    }
    Object[] outBuffers = new Object[outShapes.length];
    for (int i = 0; i < outBuffers.length; i++) {
      int n = Shapes.size(outShapes[i]);
      outBuffers[i] = outTypes[i] == DType.FLOAT32 ? new float[n] : new int[n];
    }
    run(in, inShapes, outBuffers, outShapes);
    Tensor[] result = new Tensor[outBuffers.length];
    for (int i = 0; i < result.length; i++) result[i] = Tensor.wrap(outTypes[i], outBuffers[i], outShapes[i]);
    return result;
  }

  /** The backing array of a concrete tensor, as {@link #run} takes it. */
  public static Object buffer(Tensor t) {
    return t.dtype() == DType.FLOAT32 ? t.floatBuffer() : t.intBuffer();
  }

  private static Dim[][] shapes(Tensor[] inputs) {
    Dim[][] s = new Dim[inputs.length][];
    for (int i = 0; i < s.length; i++) s[i] = Dims.of(inputs[i]);
    return s;
  }

  private static DType[] dtypes(Tensor[] inputs) {
    DType[] d = new DType[inputs.length];
    for (int i = 0; i < d.length; i++) d[i] = inputs[i].dtype();
    return d;
  }

  // ---- for op definitions -------------------------------------------------------------------------------------

  /** Throws when the op is given another number of inputs. */
  protected final void arity(Dim[][] shapes, int n) {
    if (shapes.length != n) {
      throw new IllegalArgumentException(type() + ": takes " + n + " input(s), got " + shapes.length);
    }
  }

  /** Throws when an input is not FLOAT32. */
  protected final void floats(DType[] dtypes) {
    for (int i = 0; i < dtypes.length; i++) {
      if (dtypes[i] != DType.FLOAT32) {
        throw new IllegalArgumentException(type() + ": input " + i + " must be float32, got " + dtypes[i].kerasName());
      }
    }
  }

  /** The product of {@code shape[from, to)} of a concrete shape. */
  protected static int product(int[] shape, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) p *= shape[i];
    return p;
  }

  @Override
  public String toString() {
    Attrs a = attrs();
    return a.asMap().isEmpty() ? type() : type() + a;
  }
}

package dev.kiln.processor.opt;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.Tracer;
import dev.kiln.layers.BatchNormalization;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.Conv2DTranspose;
import dev.kiln.layers.Dense;
import dev.kiln.layers.DepthwiseConv2D;
import dev.kiln.layers.MaxPooling2D;
import dev.kiln.layers.ZeroPadding2D;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The fusion pass and the memory plan on graphs built by hand (traced from the runtime's layers and ops, no javac):
 * what each producer absorbs is what its registry epilogue allows, and slots are sized over the run-time symbols.
 */
class FusionTest {
  /** Traces {@code f} on a placeholder {@code x} of {@code shape} and schedules the graph. */
  static Schedule schedule(int[] shape, Function<Tensor, Tensor> f) {
    Tracer t = Tracer.begin();
    try {
      Tensor x = t.placeholder("x", 0, DType.FLOAT32, shape);
      GraphDef g = t.toGraph(List.of(f.apply(x)));
      return Fusion.schedule(g);
    } finally {
      t.end();
    }
  }

  /** Each step as {@code Kind[node, node, ...]}. */
  static List<String> steps(Schedule s) {
    List<String> out = new ArrayList<>();
    for (Schedule.Step step : s.steps) {
      StringBuilder sb = new StringBuilder(step.getClass().getSimpleName()).append('[');
      for (int i = 0; i < step.nodes.size(); i++) sb.append(i > 0 ? ", " : "").append(step.nodes.get(i).name());
      out.add(sb.append(']').toString());
    }
    return out;
  }

  /** Applies a layer in a scope of its own, as the processor does for each field (weights need distinct names). */
  static Tensor scoped(String scope, java.util.function.Supplier<Tensor> layer) {
    Tracer.require().pushScope(scope);
    try {
      return layer.get();
    } finally {
      Tracer.require().popScope();
    }
  }

  @Test
  void conv2dAbsorbsPaddingBiasBatchNormResidualActivationAndPooling() {
    Conv2D conv = new Conv2D(4, 3);
    BatchNormalization bn = new BatchNormalization();
    Schedule s = schedule(new int[] {-1, 8, 8, 4}, x -> new MaxPooling2D(2).apply(
        Ops.relu(Ops.add(x, bn.apply(conv.apply(new ZeroPadding2D(1).apply(x)))))));
    assertThat(steps(s)).containsExactly(
        "Producer[Pad, Conv2D, BiasAdd, BatchNorm, Add, Relu, MaxPool]");
    Schedule.Producer p = (Schedule.Producer) s.steps.get(0);
    assertThat(p.extraPad).isEqualTo(new int[] {1, 1, 1, 1});
    assertThat(p.epilogue.residual).isEqualTo("x:0");
    assertThat(p.epilogue.activation).isEqualTo(Activation.RELU);
    assertThat(p.pool).isNotNull();
  }

  @Test
  void depthwiseAndTransposedConvolutionsLeaveTheResidualToALoop() {
    Schedule dw = schedule(new int[] {-1, 6, 6, 4},
        x -> Ops.relu(Ops.add(new DepthwiseConv2D(3).padding(Padding.SAME).apply(x), x)));
    assertThat(steps(dw)).containsExactly("Producer[DepthwiseConv2dNative, BiasAdd]", "Elementwise[Add, Relu]");
    Schedule up = schedule(new int[] {-1, 6, 6, 4},
        x -> Ops.relu(Ops.add(new Conv2DTranspose(4, 3).strides(2).padding(Padding.SAME).apply(x),
            Ops.reshape(Ops.concat(3, x, x, x, x), -1, 12, 12, 4))));
    assertThat(steps(up).get(steps(up).size() - 1)).isEqualTo("Elementwise[Add, Relu]");
  }

  @Test
  void aResidualComputedAfterTheProducerIsNotFused() {
    Conv2D conv = new Conv2D(4, 3).padding(Padding.SAME);
    Schedule s = schedule(new int[] {-1, 6, 6, 4}, x -> {
      Tensor y = conv.apply(x);
      Tensor late = Ops.multiply(x, 2f);
      return Ops.add(y, late);
    });
    // the add runs in the multiply's loop, which reads the convolution's result
    assertThat(steps(s)).containsExactly("Producer[Conv2D, BiasAdd]", "Elementwise[Mul, Add]");
  }

  @Test
  void denseTakesSoftmaxButConvolutionsDoNot() {
    Schedule dense = schedule(new int[] {-1, 8}, x -> new Dense(3).activation(Activation.SOFTMAX).apply(x));
    assertThat(steps(dense)).containsExactly("Producer[MatMul, BiasAdd, Softmax]");
    Schedule conv = schedule(new int[] {-1, 4, 4, 2}, x -> Ops.softmax(new Conv2D(3, 1).apply(x)));
    assertThat(steps(conv)).containsExactly("Producer[Conv2D, BiasAdd]", "Kernel[Softmax]");
  }

  @Test
  void aTensorReadTwiceEndsTheChainThere() {
    Schedule s = schedule(new int[] {-1, 8}, x -> {
      Tensor h = new Dense(8).apply(x);
      return Ops.add(Ops.relu(h), Ops.sigmoid(h));
    });
    assertThat(steps(s)).containsExactly("Producer[MatMul, BiasAdd]", "Elementwise[Relu]", "Elementwise[Sigmoid, Add]");
  }

  @Test
  void slotsAreSizedOverTheSymbolsAndReused() {
    Schedule s = schedule(new int[] {-1, -1, 16}, x -> {
      Tensor flat = Ops.reshape(x, -1, 16);
      Tensor h = scoped("h", () -> new Dense(32).activation(Activation.RELU).apply(flat));
      Tensor o = scoped("o", () -> new Dense(16).apply(h));
      return Ops.multiply(Ops.sigmoid(o), 0.5f);
    });
    MemoryPlan plan = MemoryPlan.plan(s);
    List<String> sizes = new ArrayList<>();
    for (MemoryPlan.Slot slot : plan.slots) sizes.add(slot.sizes().toString());
    // h and o in two slots; the sigmoid chain runs in place over o's slot and writes the output directly
    assertThat(sizes).containsExactly("[32*batch*time]", "[16*batch*time]");
    assertThat(plan.symbols()).containsExactly("batch", "time");
    assertThat(plan.buffers.get("Reshape:0").kind).isEqualTo(MemoryPlan.Kind.INPUT);
  }
}

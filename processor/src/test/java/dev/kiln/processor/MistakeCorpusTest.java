package dev.kiln.processor;

import static dev.kiln.processor.testing.Mistake.inFiles;
import static dev.kiln.processor.testing.Mistake.inModel;

import dev.kiln.processor.testing.Mistake;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Mistakes a new Kiln user can make, each with the one error Kiln must give: its message, file and line (marked
 * {@code // <-}), no follow-up errors and no processor crash. Adding a case is one entry of {@link #corpus()}.
 */
class MistakeCorpusTest {
  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void isOneClearError(Mistake mistake) {
    mistake.check();
  }

  static Stream<Mistake> corpus() {
    return Stream.of(statements(), values(), runTimeDimensions(), layers(), declarations(), shapes(), sequences(),
        limits())
        .flatMap(s -> s);
  }

  /** Statements and expressions that a @Call body cannot contain. */
  static Stream<Mistake> statements() {
    return Stream.of(
        inModel("a while loop", "Kiln: a while loop (use a for loop with a compile-time bound) is not supported in @Call", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              while (x.rank() > 5) { x = d.apply(x); } // <-
              return d.apply(x);
            }
            """),
        inModel("a do-while loop", "Kiln: a do-while loop (use a for loop with a compile-time bound) is not supported in @Call", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              int i = 0;
              do { x = Ops.relu(x); i++; } while (i < 3); // <-
              return x;
            }
            """),
        inModel("a try statement", "Kiln: a try statement is not supported in @Call", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              try { x = d.apply(x); } finally { } // <-
              return x;
            }
            """),
        inModel("a switch on a field", "Kiln: a switch statement (use if/else) is not supported in @Call", """
            final int mode = 1;
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              switch (mode) { // <-
                case 1: x = Ops.relu(x); break;
                default: x = Ops.tanh(x);
              }
              return x;
            }
            """),
        inModel("a throw for inference", "Kiln: a throw statement is not supported in @Call", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x, boolean training) {
              if (!training) {
                throw new UnsupportedOperationException("training only"); // <-
              }
              return Ops.relu(x);
            }
            """),
        inModel("an assert statement", "Kiln: an assert statement is not supported in @Call", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              assert x.rank() == 2; // <-
              return Ops.relu(x);
            }
            """),
        inModel("a labelled break", "Kiln: a labelled statement is not supported in @Call", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              outer: // <-
              for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) { if (j == 1) break outer; x = Ops.relu(x); }
              }
              return x;
            }
            """),
        inModel("a lambda", "Kiln: a lambda expression is not supported in @Call", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              Runnable r = () -> {}; // <-
              return d.apply(x);
            }
            """),
        inModel("a method reference to an op", "Kiln: a method reference is not supported in @Call", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              java.util.function.UnaryOperator<Tensor> act = Ops::relu; // <-
              return act.apply(x);
            }
            """),
        inModel("instanceof on a layer", "Kiln: instanceof is not supported in @Call", """
            @Layer final AbstractLayer act = new ReLU();
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              if (act instanceof ReLU) { // <-
                x = act.apply(x);
              }
              return x;
            }
            """),
        inModel("a list of outputs", "Kiln: creating an ArrayList is not supported in @Call", """
            @Layer final Dense a = new Dense(4);
            @Layer final Dense b = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              java.util.List<Tensor> outs = new java.util.ArrayList<>(); // <-
              outs.add(a.apply(x));
              outs.add(b.apply(x));
              return Ops.concat(-1, outs.get(0), outs.get(1));
            }
            """),
        inModel("printing a tensor", "Kiln: the call PrintStream.println() is not supported in @Call", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              System.out.println(x); // <-
              return d.apply(x);
            }
            """),
        inModel("a random condition", "Kiln: the call Math.random() is not supported", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              if (Math.random() > 0.5) { // <-
                x = d.apply(x);
              }
              return x;
            }
            """),
        inModel("recursion in a helper", "Kiln: recursive call to twice() is not supported in @Call", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return twice(x, 3);
            }
            private Tensor twice(Tensor x, int n) {
              return n == 0 ? x : twice(Ops.relu(x), n - 1); // <-
            }
            """),
        inModel("assigning a field in @Call", "Kiln: assigning to the field last is not supported in @Call", """
            Tensor last;
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              last = Ops.relu(x); // <-
              return x;
            }
            """),
        inFiles("a helper in another class", "Kiln: the call Blocks.mlp() is not supported in @Call")
            .withClass("Blocks", """
                final class Blocks {
                  static Tensor mlp(Tensor x) { return Ops.relu(x); }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return Blocks.mlp(x); // <-
                  }
                }
                """));
  }

  /** Values the processor cannot know at compile time. */
  static Stream<Mistake> values() {
    return Stream.of(
        inModel("units from a system property",
            "Kiln: the call System.getProperty() is not supported in a layer constructor (its value would not be known at compile time)", """
            @Layer final Dense d = new Dense(Integer.parseInt(System.getProperty("units"))); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("units from a non-final static", "Kiln: the value of UNITS is not known at compile time: a static field must be final", """
            static int UNITS = 3;
            @Layer final Dense d = new Dense(UNITS); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("a random seed in a constructor", "Kiln: the call Math.random() is not supported in a layer constructor", """
            @Layer final Dense d = new Dense(4).kernelInitializer(Initializers.glorotUniform((long) (Math.random() * 100))); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("printing in a constructor", "Kiln: the call PrintStream.println() is not supported in a layer constructor", """
            @Layer final Dense d;
            public M() {
              d = new Dense(4);
              System.out.println("built"); // <-
            }
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("reading tensor values", "Kiln: Tensor.toFloatArray() is not supported in @Call: at compile time tensors have shapes but no values", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              if (x.toFloatArray()[0] > 0) { // <-
                x = d.apply(x);
              }
              return x;
            }
            """),
        inModel("Tensor.reshape instead of Ops.reshape", "Kiln: Tensor.reshape() is not supported in @Call: use Ops.reshape(...)", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return x.reshape(-1, 2, 2); // <-
            }
            """),
        inModel("an array index out of bounds", "Kiln: index 2 is out of bounds for an array of length 2", """
            @Layer final Dense[] ds = {new Dense(4), new Dense(4)};
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return ds[2].apply(x); // <-
            }
            """),
        inModel("a loop one past the end of a layer array", "Kiln: index 3 is out of bounds for an array of length 3", """
            @Layer final Dense[] ds = {new Dense(4), new Dense(4), new Dense(4)};
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              for (int i = 0; i <= ds.length; i++) {
                x = ds[i].apply(x); // <-
              }
              return x;
            }
            """),
        inModel("dividing by zero in a constructor", "Kiln: division by zero at compile time", """
            final int groups = 0;
            @Layer final Dense d = new Dense(8 / groups); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("constants that depend on each other", "Kiln: the value of A depends on itself", """
            static final Integer A = M.B + 1;
            static final Integer B = M.A + 1; // <-
            @Layer final Dense d = new Dense(A);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """));
  }

  /** The batch (and a sequence's time) are only known at run time; eager code sees the real size there. */
  static Stream<Mistake> runTimeDimensions() {
    return Stream.of(
        inModel("a loop over the batch", "Kiln: the batch dimension (axis 0 of x) is only known at run time, so this for loop cannot be unrolled", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              for (int i = 0; i < x.dim(0); i++) { // <-
                x = d.apply(x);
              }
              return x;
            }
            """),
        inModel("a loop bounded by a local batch size", "Kiln: the batch dimension (axis 0 of x) is only known at run time, so this for loop", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              int batch = x.dim(0);
              for (int i = 0; i < batch; i++) { // <-
                x = Ops.relu(x);
              }
              return x;
            }
            """),
        inModel("scaling by the batch size", "Kiln: the batch dimension (axis 0 of x) is only known at run time, so `1.0F / x.dim(0)` cannot be computed at compile time", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              float scale = 1f / x.dim(0); // <-
              return Ops.multiply(x, scale);
            }
            """),
        inModel("the element count in arithmetic", "Kiln: the element count of x depends on the batch dimension (axis 0 of x), which is only known at run time", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              int perRow = x.size() / 4; // <-
              return Ops.divide(x, perRow);
            }
            """),
        inModel("the batch from shape() in arithmetic", "Kiln: the batch dimension (axis 0 of x) is only known at run time, so `s[0] * 2`", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              int[] s = x.shape();
              return Ops.reshape(x, s[0] * 2, 2); // <-
            }
            """),
        inModel("dividing by the batch size", "Kiln: the batch dimension (axis 0 of x) is only known at run time, but Ops.divide() needs a compile-time value for its parameter 'b'", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return Ops.divide(Ops.sum(x, 0, true), x.dim(0)); // <-
            }
            """),
        inModel("branching on the batch size", "Kiln: the batch dimension (axis 0 of x) is only known at run time, so this if cannot be decided at compile time", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              if (x.dim(0) > 1) { // <-
                x = d.apply(x);
              }
              return x;
            }
            """),
        inModel("an array as long as the batch", "Kiln: the batch dimension (axis 0 of x) is only known at run time", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              Tensor[] rows = new Tensor[x.dim(0)]; // <-
              return x;
            }
            """),
        inFiles("a weight sized by the batch", "weight p/w has shape [-1, 4]: every dimension of a weight must be known at compile time")
            .withClass("PerExample", """
                public final class PerExample extends AbstractLayer {
                  private Tensor w;
                  @Override protected void build(TensorShape s) {
                    w = addWeight("w", Initializers.ones(), s.dim(0), s.dim(1)); // <-
                  }
                  @Call @Override protected Tensor call(Tensor x) { return Ops.multiply(x, w); }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final PerExample p = new PerExample();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return p.apply(x);
                  }
                }
                """),
        inFiles("build arithmetic on the batch", "Kiln: the batch dimension (axis 0 of inputShape) is only known at run time")
            .withClass("Scale", """
                public final class Scale extends AbstractLayer {
                  private Tensor w;
                  @Override protected void build(TensorShape inputShape) {
                    int n = inputShape.dim(0) * inputShape.dim(1); // <-
                    w = addWeight("w", Initializers.ones(), n);
                  }
                  @Call @Override protected Tensor call(Tensor x) { return Ops.multiply(x, w); }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Scale s = new Scale();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return s.apply(x);
                  }
                }
                """));
  }

  /** Layers: where they are declared, how they are applied. */
  static Stream<Mistake> layers() {
    return Stream.of(
        inModel("a layer field without @Layer", "Kiln: field 'out' is applied in @Call but has no @Layer annotation", """
            @Layer final Dense hidden = new Dense(8);
            final Dense out = new Dense(2);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return out.apply(hidden.apply(x)); // <-
            }
            """),
        inModel("a layer array without @Layer", "Kiln: this layer is applied in @Call but no @Layer field holds it", """
            final Dense[] blocks = {new Dense(4), new Dense(4)};
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              for (Dense b : blocks) {
                x = b.apply(x); // <-
              }
              return x;
            }
            """),
        inFiles("a sublayer without @Layer in a user layer", "Kiln: field 'conv' is applied in @Call but has no @Layer annotation")
            .withClass("Block", """
                public final class Block extends AbstractLayer {
                  final Conv2D conv = new Conv2D(4, 3).padding(Padding.SAME);
                  @Call @Override protected Tensor call(Tensor x) {
                    return Ops.relu(conv.apply(x)); // <-
                  }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Block block = new Block();
                  @Call public Tensor call(@Shape({-1, 8, 8, 4}) Tensor x) {
                    return block.apply(x);
                  }
                }
                """),
        inModel("creating a layer inside @Call", "Kiln: creating a layer inside @Call is not supported: declare it as a @Layer field", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return new Dense(3).apply(x); // <-
            }
            """),
        inModel("configuring a layer in @Call", "Kiln: Dense.activation() is not supported in @Call: configure layers where they are declared", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.activation(Activation.RELU).apply(x); // <-
            }
            """),
        inModel("applying a layer in the constructor", "Kiln: layers can be applied only in @Call methods, not in a layer constructor", """
            @Layer final Dense d = new Dense(4);
            final Tensor probe;
            public M() {
              probe = d.apply(Tensor.zeros(1, 4)); // <-
            }
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("applying a null layer", "Kiln: layer 'extra' is null here and cannot be applied", """
            @Layer final Dense extra = null;
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return extra.apply(x); // <-
            }
            """),
        inModel("a private layer field", "Kiln: @Layer field 'd' must not be private", """
            @Layer private final Dense d = new Dense(4); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("a static layer field", "Kiln: @Layer field 'd' must not be static", """
            @Layer static final Dense d = new Dense(4); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inModel("a list of layers", "Kiln: @Layer field 'blocks' has type java.util.List<dev.kiln.layers.Dense>, which Kiln does not support: a @Layer field holds a layer", """
            @Layer final java.util.List<Dense> blocks = java.util.List.of(new Dense(4), new Dense(4)); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              for (Dense b : blocks) x = b.apply(x);
              return x;
            }
            """),
        inModel("an int marked @Layer", "Kiln: @Layer field 'units' has type int, which Kiln does not support", """
            @Layer final int units = 4; // <-
            @Layer final Dense d = new Dense(units);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return d.apply(x);
            }
            """),
        inFiles("calling call instead of apply", "Kiln: apply a layer with apply(...), not call(...)")
            .withClass("Block", """
                public final class Block extends AbstractLayer {
                  @Call @Override protected Tensor call(Tensor x) { return Ops.relu(x); }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Block block = new Block();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return block.call(x); // <-
                  }
                }
                """),
        inFiles("a user layer without @Call", "Kiln: Block.call(...) is not marked @Call")
            .withClass("Block", """
                public final class Block extends AbstractLayer {
                  @Override protected Tensor call(Tensor x) { return Ops.relu(x); } // <-
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Block block = new Block();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return block.apply(x);
                  }
                }
                """),
        inFiles("applying a one-input layer to two inputs", "Kiln: One has no @Call method that takes 2 tensor(s)")
            .withClass("One", """
                public final class One extends AbstractLayer {
                  @Call @Override protected Tensor call(Tensor x) { return Ops.relu(x); }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final One one = new One();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 4}) Tensor y) {
                    return one.apply(x, y); // <-
                  }
                }
                """),
        inFiles("addWeight in call", "Kiln: addWeight can be called only in build(TensorShape), not in @Call")
            .withClass("Bias", """
                public final class Bias extends AbstractLayer {
                  @Call @Override protected Tensor call(Tensor x) {
                    Tensor b = addWeight("b", Initializers.zeros(), x.dim(-1)); // <-
                    return Ops.add(x, b);
                  }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Bias bias = new Bias();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return bias.apply(x);
                  }
                }
                """),
        inFiles("a weight build() never creates", "Kiln: Ops.multiply() gets null for its parameter 'b'")
            .withClass("Gain", """
                public final class Gain extends AbstractLayer {
                  private Tensor gain;
                  protected void build(int[] shape) { // not build(TensorShape): Kiln never calls it
                    gain = addWeight("gain", Initializers.ones(), shape[shape.length - 1]);
                  }
                  @Call @Override protected Tensor call(Tensor x) {
                    return Ops.multiply(x, gain); // <-
                  }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Gain gain = new Gain();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return gain.apply(x);
                  }
                }
                """),
        inFiles("a user layer that returns two tensors", "Kiln: Split's @Call method must return one Tensor to be applied as a layer")
            .withClass("Split", """
                public final class Split extends AbstractLayer {
                  @Call public Tensor[] halves(Tensor x) { return new Tensor[] {x, Ops.negate(x)}; }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Split split = new Split();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return split.apply(x); // <-
                  }
                }
                """),
        inModel("a layer that contains itself", "Kiln: M contains itself (M -> M)", """
            @Layer final M inner = new M(); // <-
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return inner.apply(x);
            }
            """),
        inFiles("two layers that contain each other", "Kiln: Encoder contains itself (Encoder -> Decoder -> Encoder)")
            .withClass("Encoder", """
                public final class Encoder extends AbstractLayer {
                  @Layer final Decoder decoder = new Decoder();
                  @Call @Override protected Tensor call(Tensor x) { return decoder.apply(x); }
                }
                """)
            .withClass("Decoder", """
                public final class Decoder extends AbstractLayer {
                  @Layer final Encoder encoder = new Encoder(); // <-
                  @Call @Override protected Tensor call(Tensor x) { return encoder.apply(x); }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Encoder encoder = new Encoder();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return encoder.apply(x);
                  }
                }
                """),
        inFiles("a user layer extending another user layer", "Kiln: Wide extends the user class Base; Kiln reads layers that extend AbstractLayer or Model directly")
            .withClass("Base", """
                public class Base extends AbstractLayer {
                  @Call @Override protected Tensor call(Tensor x) { return Ops.relu(x); }
                }
                """)
            .withClass("Wide", """
                public final class Wide extends Base {
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Wide wide = new Wide(); // <-
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return wide.apply(x);
                  }
                }
                """),
        inFiles("a package-private layer field used from another package", "Kiln: @Layer field 'conv' must be public")
            .file("blocks.Block", """
                package com.example.blocks;
                import dev.kiln.*;
                import dev.kiln.layers.*;
                public final class Block extends AbstractLayer {
                  @Layer final Conv2D conv = new Conv2D(4, 3).padding(Padding.SAME); // <-
                  @Call @Override protected Tensor call(Tensor x) { return conv.apply(x); }
                }
                """)
            .withClass("M", """
                import com.example.blocks.Block;
                public final class M extends Model {
                  @Layer final Block block = new Block();
                  @Call public Tensor call(@Shape({-1, 8, 8, 4}) Tensor x) {
                    return block.apply(x);
                  }
                }
                """));
  }

  /** How models, layers and @Call methods are declared. */
  static Stream<Mistake> declarations() {
    return Stream.of(
        inModel("a static @Call method", "Kiln: @Call method call must not be static", """
            @Call public static Tensor call(@Shape({-1, 4}) Tensor x) { // <-
              return Ops.relu(x);
            }
            """),
        inFiles("a static @Call method in a layer", "Kiln: @Call method call must not be static")
            .withClass("Act", """
                public final class Act extends AbstractLayer {
                  @Call public static Tensor call(Tensor x) { return Ops.relu(x); } // <-
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Act act = new Act();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return act.apply(x);
                  }
                }
                """),
        inModel("an int @Call result", "Kiln: @Call method call returns int, but a @Call method returns a Tensor (or a Tensor[] for several outputs)", """
            @Call public int call(@Shape({-1, 4}) Tensor x) { // <-
              return x.rank();
            }
            """),
        inModel("a void @Call method", "Kiln: @Call method call returns void", """
            @Call public void call(@Shape({-1, 4}) Tensor x) { // <-
              Ops.relu(x);
            }
            """),
        inModel("returning null", "Kiln: this @Call method's result is null", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              Tensor y = d.apply(x);
              return null; // <-
            }
            """),
        inModel("returning null among several outputs", "Kiln: element 1 of the array this @Call method returns is null", """
            @Layer final Dense d = new Dense(4);
            @Call public Tensor[] heads(@Shape({-1, 4}) Tensor x) {
              Tensor[] outs = new Tensor[2];
              outs[0] = d.apply(x);
              return outs; // <-
            }
            """),
        inModel("returning a constant tensor", "Kiln: this @Call method's result is a constant tensor, not one computed from the inputs", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return Tensor.zeros(1, 4); // <-
            }
            """),
        inFiles("returning null from a user layer", "Kiln: this @Call method's result is null")
            .withClass("Maybe", """
                public final class Maybe extends AbstractLayer {
                  @Call @Override protected Tensor call(Tensor x) {
                    return null; // <-
                  }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Maybe maybe = new Maybe();
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return maybe.apply(x);
                  }
                }
                """),
        inFiles("an interface as a model", "Kiln: Net is an interface, but a Kiln model is a class that extends Model")
            .withClass("Net", """
                public interface Net { // <-
                  @Call Tensor call(@Shape({-1, 4}) Tensor x);
                }
                """),
        inFiles("a model that does not extend Model", "Kiln: Net has a @Call method but extends neither Model nor AbstractLayer")
            .withClass("Net", """
                public final class Net { // <-
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) { return Ops.relu(x); }
                }
                """),
        inFiles("a model named Dense", "Kiln: the class name Dense hides Kiln's dev.kiln.layers.Dense in this file")
            .withClass("Dense", """
                public final class Dense extends Model { // <-
                  @Layer final Dense hidden = new Dense(4);
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return hidden.apply(x);
                  }
                }
                """),
        inFiles("a model named Tensor", "Kiln: the class name Tensor hides Kiln's dev.kiln.Tensor in this file")
            .withClass("Tensor", """
                public final class Tensor extends Model { // <-
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return x;
                  }
                }
                """),
        inFiles("a user layer named Conv2D", "Kiln: the class name Conv2D hides Kiln's dev.kiln.layers.Conv2D in this file")
            .withClass("Conv2D", """
                public final class Conv2D extends AbstractLayer { // <-
                  @Call @Override protected Tensor call(Tensor x) { return Ops.relu(x); }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Conv2D conv = new Conv2D();
                  @Call public Tensor call(@Shape({-1, 8, 8, 4}) Tensor x) {
                    return conv.apply(x);
                  }
                }
                """),
        inFiles("a root without a no-argument constructor", "Kiln: M needs a constructor without parameters to be a compilation root")
            .withClass("M", """
                public final class M extends Model { // <-
                  @Layer final Dense d;
                  public M(int units) { d = new Dense(units); }
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    return d.apply(x);
                  }
                }
                """),
        inFiles("an abstract model", "Kiln: M is abstract and cannot be instantiated")
            .withClass("M", """
                public abstract class M extends Model { // <-
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) { return Ops.relu(x); }
                }
                """),
        inModel("@Shape missing on one input", "Kiln: parameter 'y' of @Call method call needs @Shape", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x,
                Tensor y) { // <-
              return Ops.add(x, y);
            }
            """),
        inModel("a zero dimension in @Shape", "Kiln: @Shape of 'x' has dimension 0: use positive sizes, or -1 for one known only at run time", """
            @Call public Tensor call(@Shape({-1, 0}) Tensor x) { // <-
              return Ops.relu(x);
            }
            """),
        inModel("@Shape on the training flag", "Kiln: @Shape belongs on Tensor parameters, not on the boolean 'training'", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({1}) boolean training) { // <-
              return Ops.relu(x);
            }
            """),
        inModel("a float parameter of @Call", "Kiln: @Call parameter 'scale' must be a Tensor or the boolean training flag, not float", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x, float scale) { // <-
              return Ops.multiply(x, scale);
            }
            """),
        inModel("two @Call methods with @Shape", "Kiln: M has more than one @Call method with @Shape parameters", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return Ops.relu(x);
            }
            @Call public Tensor other(@Shape({-1, 4}) Tensor x) { // <-
              return Ops.tanh(x);
            }
            """));
  }

  /** Shapes that cannot work: the runtime's own shape rules, at the user's line. */
  /** Shape mistakes in sequence models: errors at the line, naming the layer and the shapes with their symbols. */
  static Stream<Mistake> sequences() {
    return Stream.of(
        inModel("adding an LSTM's last output to its input sequence",
            "Kiln: Ops.add: Add: shapes [batch, 4] and [batch, time, 5] cannot be broadcast", """
            @Layer final Embedding embed = new Embedding(20, 5).maskZero(true);
            @Layer final LSTM lstm = new LSTM(4);
            @Call public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
              Tensor x = embed.apply(tokens);
              return Ops.add(lstm.apply(x), x); // <-
            }
            """),
        inModel("an LSTM applied to token ids", "Kiln: lstm (LSTM): LSTM: input must have rank 3", """
            @Layer final LSTM lstm = new LSTM(4);
            @Call public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
              return lstm.apply(tokens); // <-
            }
            """),
        inModel("a mask that does not fit the sequence",
            "LSTM: the mask must be bool [batch, time] for input [batch, time, 3], got bool[batch, 6]", """
            @Layer final LSTM lstm = new LSTM(4);
            @Call public Tensor call(@Shape({-1, -1, 3}) Tensor x, @Shape(value = {-1, 6}, dtype = DType.BOOL) Tensor m) {
              return lstm.apply(x, false, m); // <-
            }
            """),
        inModel("attention over keys and values of different lengths",
            "Kiln: mha (MultiHeadAttention): DotProductAttention: query [batch, time, 4], key [batch, 7, 4] and value"
                + " [batch, 5, 4] do not fit 2 heads", """
            @Layer final MultiHeadAttention mha = new MultiHeadAttention(2, 2);
            @Call public Tensor call(@Shape({-1, -1, 4}) Tensor q, @Shape({-1, 5, 4}) Tensor v, @Shape({-1, 7, 4}) Tensor k) {
              return mha.apply(q, v, k); // <-
            }
            """),
        inModel("concatenating sequences along the time axis",
            "ConcatV2: concatenating [batch, time, 3], [batch, time, 3] along axis 1 would add up the run-time dimension time", """
            @Call public Tensor call(@Shape({-1, -1, 3}) Tensor x) {
              return Ops.concat(1, x, x); // <-
            }
            """));
  }

  static Stream<Mistake> shapes() {
    return Stream.of(
        inModel("a Dense kernel that does not fit its second input", "Kiln: d (Dense): MatMul", """
            @Layer final Dense d = new Dense(3);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {
              Tensor a = d.apply(x);
              Tensor b = d.apply(y); // <-
              return Ops.add(a, b);
            }
            """),
        inModel("adding shapes that do not broadcast", "Add: shapes [batch, 4] and [batch, 5] cannot be broadcast", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {
              return Ops.add(x, y); // <-
            }
            """),
        inModel("an Add layer on shapes that do not broadcast", "Kiln: merge (Add)", """
            @Layer final Add merge = new Add();
            @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 5}) Tensor y) {
              return merge.apply(x, y); // <-
            }
            """),
        inModel("concatenating shapes that do not fit", "Kiln: cat (Concatenate)", """
            @Layer final Concatenate cat = new Concatenate(-1);
            @Call public Tensor call(@Shape({-1, 4, 2}) Tensor x, @Shape({-1, 5, 3}) Tensor y) {
              Tensor z = cat.apply(x, y); // <-
              return z;
            }
            """),
        inModel("concatenating along the batch", "Kiln: Ops.concat: ConcatV2: concatenating [batch, 4], [batch, 4] along axis 0 would add up the run-time dimension batch", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x, @Shape({-1, 4}) Tensor y) {
              return Ops.concat(0, x, y); // <-
            }
            """),
        inModel("a reshape that does not keep the batch", "Kiln: Ops.reshape: Reshape: cannot reshape [batch, 4] (4*batch elements) to [-1, 7]: 4*batch is not a multiple of 7 for every value of batch", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return Ops.reshape(x, -1, 7); // <-
            }
            """),
        inModel("a Reshape layer that does not keep the batch", "Kiln: r (Reshape): Reshape: cannot reshape [batch, 4] (4*batch elements) to [-1, 3, 3]: 4*batch is not a multiple of 9 for every value of batch", """
            @Layer final Reshape r = new Reshape(3, 3);
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return r.apply(x); // <-
            }
            """),
        inModel("slicing off part of the batch", "Kiln: Ops.slice: Slice: axis 0 of [batch, 4] is the run-time dimension batch; it can only be kept whole (begin 0, size -1)", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return Ops.slice(x, new int[] {1, 0}, new int[] {-1, 4}); // <-
            }
            """),
        inModel("a softmax axis past the rank", "Kiln: Ops.softmax: ", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              return Ops.softmax(x, 2); // <-
            }
            """),
        inModel("a dimension past the rank", "Kiln: Tensor.dim: axis 3 is out of range for rank 2", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              int units = x.dim(3); // <-
              return Ops.relu(x);
            }
            """),
        inModel("a VALID kernel larger than its input", "Kiln: c (Conv2D): Conv2D: VALID height kernel 5 is larger than the input height 3 of [batch, 3, 3, 2]", """
            @Layer final Conv2D c = new Conv2D(4, 5);
            @Call public Tensor call(@Shape({-1, 3, 3, 2}) Tensor x) {
              return c.apply(x); // <-
            }
            """),
        inModel("a convolution reused on other channels", "Kiln: c (Conv2D): Conv2D: input [batch, 8, 8, 3] has 3 channels but kernel [3, 3, 2, 4] expects 2", """
            @Layer final Conv2D c = new Conv2D(4, 3).padding(Padding.SAME);
            @Call public Tensor call(@Shape({-1, 8, 8, 2}) Tensor x, @Shape({-1, 8, 8, 3}) Tensor y) {
              Tensor a = c.apply(x);
              Tensor b = c.apply(y); // <-
              return Ops.add(a, b);
            }
            """),
        inModel("a convolution on images without a channel axis", "Kiln: c (Conv2D): ", """
            @Layer final Conv2D c = new Conv2D(4, 3);
            @Call public Tensor call(@Shape({-1, 28, 28}) Tensor x) {
              return c.apply(x); // <-
            }
            """),
        inModel("a stride of zero", "Kiln: Conv2D.strides: Conv2D: stride must be positive, got 0", """
            @Layer final Conv2D c = new Conv2D(4, 3).strides(0); // <-
            @Call public Tensor call(@Shape({-1, 8, 8, 2}) Tensor x) {
              return c.apply(x);
            }
            """),
        inModel("groups that do not divide the channels", "Kiln: c (Conv2D): Conv2D: groups 2 must divide the 3 input channels of [-1, 8, 8, 3] and the 4 filters", """
            @Layer final Conv2D c = new Conv2D(4, 3).groups(2);
            @Call public Tensor call(@Shape({-1, 8, 8, 3}) Tensor x) {
              return c.apply(x); // <-
            }
            """),
        inModel("a pooling window larger than the image", "Kiln: pool (MaxPooling2D): ", """
            @Layer final MaxPooling2D pool = new MaxPooling2D(4);
            @Call public Tensor call(@Shape({-1, 3, 3, 2}) Tensor x) {
              return pool.apply(x); // <-
            }
            """));
  }

  /** Sizes past what a Java array or the compiler can take. */
  static Stream<Mistake> limits() {
    return Stream.of(
        inModel("a 2^32-element Dense kernel", "Kiln: d (Dense): weight d/kernel has shape [65536, 65536], 4,294,967,296 elements: a weight is one Java array", """
            @Layer final Dense d = new Dense(65536);
            @Call public Tensor call(@Shape({-1, 65536}) Tensor x) {
              return d.apply(x); // <-
            }
            """),
        inModel("a loop unrolled a million times", "Kiln: this loop unrolls into more than 20,000 ops at compile time", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              for (int i = 0; i < 1_000_000; i++) { // <-
                x = Ops.relu(x);
              }
              return x;
            }
            """),
        inModel("nested loops of a million iterations", "Kiln: this loop unrolls more than 100,000 iterations at compile time", """
            @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
              int steps = 0;
              for (int i = 0; i < 1000; i++) { // <-
                for (int j = 0; j < 1000; j++) {
                  steps++;
                }
              }
              return Ops.multiply(x, steps);
            }
            """),
        inFiles("a loop over blocks with a runaway inner loop", "Kiln: this loop unrolls into more than 20,000 ops at compile time")
            .withClass("Deep", """
                public final class Deep extends AbstractLayer {
                  final int depth;
                  public Deep(int depth) { this.depth = depth; }
                  @Call @Override protected Tensor call(Tensor x) {
                    for (int i = 0; i < depth * 1000; i++) { // <-
                      x = Ops.relu(x);
                    }
                    return x;
                  }
                }
                """)
            .withClass("M", """
                public final class M extends Model {
                  @Layer final Deep[] blocks = {new Deep(10), new Deep(10), new Deep(10)};
                  @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
                    for (Deep b : blocks) x = b.apply(x);
                    return x;
                  }
                }
                """));
  }
}

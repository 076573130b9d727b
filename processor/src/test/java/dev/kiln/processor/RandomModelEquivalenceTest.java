package dev.kiln.processor;

import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.processor.testing.CompiledModels.call;
import static dev.kiln.processor.testing.CompiledModels.callStatic;

import com.google.testing.compile.JavaFileObjects;
import dev.kiln.Graph;
import dev.kiln.Session;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.processor.testing.CompiledModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Randomly generated models (random layers, ops, shapes, residual merges, a user layer) and random inputs: the
 * compiled typed call, the general {@code Session.run} and the eager model agree to 1e-6 of the output's scale.
 * A failure names the model's seed and prints its source; rerun with {@code -Dkiln.seed=N} to generate that one.
 */
class RandomModelEquivalenceTest {
  private static final int MODELS = Integer.getInteger("kiln.models", 40);
  private static final long BASE_SEED = Long.getLong("kiln.seed", 20261125L);

  @Test
  void compiledEqualsEagerOnRandomModels() throws Exception {
    List<JavaFileObject> sources = new ArrayList<>();
    sources.add(JavaFileObjects.forResource("models/com/example/ScaleShift.java"));
    List<RandomModel> generated = new ArrayList<>();
    for (int i = 0; i < MODELS; i++) {
      RandomModel m = new RandomModel(BASE_SEED + i);
      generated.add(m);
      sources.add(JavaFileObjects.forSourceString("com.example." + m.name, m.source));
    }
    CompiledModels models = CompiledModels.compile(sources.toArray(new JavaFileObject[0]));
    double worst = 0;
    for (RandomModel m : generated) {
      Class<?> session = models.load("com.example.Kiln" + m.name);
      Graph g = (Graph) callStatic(session, "graph");
      Random r = new Random(m.seed);
      Weights w = CompiledModels.randomWeights(g.graphDef(), m.seed);
      int batch = 1 + r.nextInt(4);
      Tensor x = CompiledModels.randomInput(m.inputShape, batch, r);
      Object eagerModel = models.newInstance("com.example." + m.name);
      callStatic(session, "loadInto", eagerModel, w);
      Tensor eager = (Tensor) call(eagerModel.getClass(), eagerModel, "call", x);
      try (Session s = (Session) callStatic(session, "open", w)) {
        Tensor compiled = (Tensor) call(session, s, "call", x);
        Tensor general = s.run(g.output(), Map.of("x", x));
        String what = "model seed " + m.seed + " (batch " + batch + "):\n" + m.source;
        double e1 = CompiledModels.relativeError(compiled, eager);
        double e2 = CompiledModels.relativeError(general, eager);
        assertWithMessage("compiled vs eager, " + what).that(e1).isAtMost(1e-6);
        assertWithMessage("Session.run vs eager, " + what).that(e2).isAtMost(1e-6);
        worst = Math.max(worst, Math.max(e1, e2));
      }
    }
    System.out.printf("random models: %d, worst relative error %.3g%n", generated.size(), worst);
  }

  /** Java source of a random Kiln model {@code R<seed>} with one input {@code x}. */
  static final class RandomModel {
    final long seed;
    final String name;
    final int[] inputShape;
    final String source;
    private final Random r;
    private final StringBuilder fields = new StringBuilder();
    private final StringBuilder body = new StringBuilder();
    private final List<String> names = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();
    private int counter;

    private static final String[] ACTIVATIONS = {"LINEAR", "RELU", "RELU6", "SIGMOID", "TANH", "SOFTMAX", "GELU", "SILU",
        "HARD_SIGMOID", "HARD_SILU", "ELU", "LEAKY_RELU", "SOFTPLUS", "SOFTSIGN", "GELU_APPROXIMATE"};

    RandomModel(long seed) {
      this.seed = seed;
      this.name = "R" + seed;
      this.r = new Random(seed);
      int d = 2 + r.nextInt(10);
      inputShape = r.nextInt(3) == 0 ? new int[] {-1, 2 + r.nextInt(4), d} : new int[] {-1, d};
      names.add("x");
      shapes.add(inputShape);
      int steps = 3 + r.nextInt(7);
      for (int i = 0; i < steps; i++) step();
      source = "package com.example;\nimport dev.kiln.*;\nimport dev.kiln.layers.*;\n"
          + "public final class " + name + " extends Model {\n" + fields
          + "  @Call public Tensor call(@Shape(" + shapeLiteral(inputShape) + ") Tensor x) {\n" + body
          + "    return " + last() + ";\n  }\n}\n";
    }

    private String last() {
      return names.get(names.size() - 1);
    }

    private int[] lastShape() {
      return shapes.get(shapes.size() - 1);
    }

    private void emit(String expr, int[] shape) {
      String v = "t" + (counter++);
      body.append("    Tensor ").append(v).append(" = ").append(expr).append(";\n");
      names.add(v);
      shapes.add(shape);
    }

    private String field(String type, String init) {
      String f = "l" + (counter++);
      fields.append("  @Layer final ").append(type).append(' ').append(f).append(" = ").append(init).append(";\n");
      return f;
    }

    private void step() {
      String h = last();
      int[] s = lastShape();
      int rank = s.length;
      int lastDim = s[rank - 1];
      switch (r.nextInt(14)) {
        case 12: {
          String f = field("BatchNormalization", "new BatchNormalization()" + (r.nextBoolean() ? ".center(false)" : "")
              + (r.nextBoolean() ? ".scale(false)" : ""));
          emit(f + ".apply(" + h + ")", s);
          break;
        }
        case 13: {
          String f = field("LayerNormalization", "new LayerNormalization()");
          emit(f + ".apply(" + h + ")", s);
          break;
        }
        case 0: case 1: {
          int units = 1 + r.nextInt(12);
          String act = ACTIVATIONS[r.nextInt(ACTIVATIONS.length)];
          String f = field("Dense", "new Dense(" + units + ").activation(Activation." + act + ")"
              + (r.nextInt(4) == 0 ? ".useBias(false)" : ""));
          int[] out = s.clone();
          out[rank - 1] = units;
          emit(f + ".apply(" + h + ")", out);
          break;
        }
        case 2: {
          String[] unary = {"relu", "sigmoid", "tanh", "gelu", "silu", "abs", "negate", "square", "relu6"};
          emit("Ops." + unary[r.nextInt(unary.length)] + "(" + h + ")", s);
          break;
        }
        case 3: {
          String[] ops = {"add", "subtract", "multiply", "divide"};
          float c = (r.nextInt(9) + 1) / 4f * (r.nextBoolean() ? 1 : -1);
          emit("Ops." + ops[r.nextInt(ops.length)] + "(" + h + ", " + c + "f)", s);
          break;
        }
        case 4: {
          // A residual merge with an earlier tensor of the same shape, when there is one.
          for (int i = names.size() - 2; i >= 0; i--) {
            if (java.util.Arrays.equals(shapes.get(i), s)) {
              String[] ops = {"add", "subtract", "multiply", "maximum", "minimum"};
              emit("Ops." + ops[r.nextInt(ops.length)] + "(" + h + ", " + names.get(i) + ")", s);
              return;
            }
          }
          emit("Ops.tanh(" + h + ")", s);
          break;
        }
        case 5: {
          String f = field("ScaleShift", "new ScaleShift()");
          emit(f + ".apply(" + h + ")", s);
          break;
        }
        case 6: {
          int axis = 1 + r.nextInt(rank - 1);
          emit("Ops.softmax(" + h + ", " + (r.nextBoolean() ? axis : axis - rank) + ")", s);
          break;
        }
        case 7: {
          String[] red = {"mean", "sum", "max"};
          int axis = 1 + r.nextInt(rank - 1);
          boolean keep = rank == 2 || r.nextBoolean();
          int[] out;
          if (keep) {
            out = s.clone();
            out[axis] = 1;
          } else {
            out = new int[rank - 1];
            for (int i = 0, j = 0; i < rank; i++) if (i != axis) out[j++] = s[i];
          }
          emit("Ops." + red[r.nextInt(3)] + "(" + h + ", " + axis + ", " + keep + ")", out);
          break;
        }
        case 8: {
          for (int i = names.size() - 2; i >= 0; i--) {
            int[] o = shapes.get(i);
            if (o.length == rank && java.util.Arrays.equals(java.util.Arrays.copyOf(o, rank - 1), java.util.Arrays.copyOf(s, rank - 1))) {
              int[] out = s.clone();
              out[rank - 1] = s[rank - 1] + o[rank - 1];
              String f = field("Concatenate", "new Concatenate()");
              emit(f + ".apply(" + h + ", " + names.get(i) + ")", out);
              return;
            }
          }
          emit("Ops.clip(" + h + ", -0.5f, 0.5f)", s);
          break;
        }
        case 9: {
          if (rank == 3) {
            emit("Ops.transpose(" + h + ", 0, 2, 1)", new int[] {-1, s[2], s[1]});
          } else if (lastDim % 2 == 0 && lastDim > 2) {
            emit("Ops.reshape(" + h + ", -1, 2, " + lastDim / 2 + ")", new int[] {-1, 2, lastDim / 2});
          } else {
            emit("Ops.sigmoid(" + h + ")", s);
          }
          break;
        }
        case 10: {
          if (rank == 3) {
            String f = field("Flatten", "new Flatten()");
            emit(f + ".apply(" + h + ")", new int[] {-1, s[1] * s[2]});
          } else {
            String f = field("ReLU", "new ReLU(" + (1 + r.nextInt(3)) + "f)");
            emit(f + ".apply(" + h + ")", s);
          }
          break;
        }
        default: {
          String f = field("ActivationLayer", "new ActivationLayer(Activation." + ACTIVATIONS[1 + r.nextInt(ACTIVATIONS.length - 1)] + ")");
          emit(f + ".apply(" + h + ")", s);
        }
      }
    }

    private static String shapeLiteral(int[] s) {
      StringBuilder sb = new StringBuilder("{");
      for (int i = 0; i < s.length; i++) sb.append(i > 0 ? ", " : "").append(s[i]);
      return sb.append('}').toString();
    }
  }
}

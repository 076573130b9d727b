package dev.kiln.processor;

import static com.google.common.truth.Truth.assertThat;

import com.google.testing.compile.JavaFileObjects;
import dev.kiln.processor.testing.CompiledModels;
import dev.kiln.processor.testing.Mistake;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the checks of {@link MistakeCorpusTest} must still accept, and compute as the eager model does: run-time
 * dimensions where {@code -1} means the run-time size, static dimensions in arithmetic, a layer that nests layers
 * of its own class down to a finite depth, and loops of hundreds of ops and thousands of compile-time steps.
 */
class AllowedPatternsTest {
  private static final String RESHAPE_WITH_BATCH = """
      public final class ReshapeWithBatch extends Model {
        @Layer final Dense d = new Dense(6);
        @Call public Tensor call(@Shape({-1, 4, 3}) Tensor x) {
          int[] s = x.shape();
          Tensor flat = Ops.reshape(x, s[0], s[1] * s[2]);  // tf.reshape(x, [tf.shape(x)[0], -1])
          Tensor head = Ops.slice(flat, new int[] {0, 0}, new int[] {x.dim(0), 8});
          return d.apply(Ops.multiply(head, 1f / x.dim(-1)));
        }
      }
      """;
  private static final String TOWER = """
      public final class Tower extends AbstractLayer {
        @Layer final Dense d = new Dense(4).activation(Activation.TANH);
        @Layer final Tower next;
        public Tower(int depth) { next = depth > 1 ? new Tower(depth - 1) : null; }
        @Call @Override protected Tensor call(Tensor x) {
          Tensor y = d.apply(x);
          return next == null ? y : next.apply(y);
        }
      }
      """;
  private static final String DEEP_TOWER = """
      public final class DeepTower extends Model {
        @Layer final Tower tower = new Tower(12);
        @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
          return tower.apply(x);
        }
      }
      """;
  private static final String LONG_LOOP = """
      public final class LongLoop extends Model {
        @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
          float scale = 1f;
          for (int i = 0; i < 5000; i++) scale = scale * 0.999f + 0.001f;
          for (int i = 0; i < 300; i++) x = Ops.add(Ops.multiply(x, 0.99f), 0.01f);
          return Ops.multiply(x, scale);
        }
      }
      """;

  /** The batch need not stay the first axis: shapes carry it as a symbol wherever it goes. */
  private static final String BATCH_MOVED = """
      public final class BatchMoved extends Model {
        @Layer final Dense d = new Dense(3);
        @Call public Tensor call(@Shape({-1, 4}) Tensor x) {
          Tensor t = Ops.transpose(d.apply(x), 1, 0);
          return Ops.transpose(Ops.multiply(t, 2f), 1, 0);
        }
      }
      """;

  static CompiledModels models;

  @BeforeAll
  static void compile() throws Exception {
    models = CompiledModels.compile(source("ReshapeWithBatch", RESHAPE_WITH_BATCH), source("Tower", TOWER),
        source("DeepTower", DEEP_TOWER), source("LongLoop", LONG_LOOP), source("BatchMoved", BATCH_MOVED));
  }

  private static javax.tools.JavaFileObject source(String name, String declaration) {
    return JavaFileObjects.forSourceString("com.example." + name, Mistake.HEADER + declaration);
  }

  @Test
  void runTimeDimensionsWhereMinusOneMeansTheRunTimeSize() {
    for (long seed = 1; seed <= 3; seed++) {
      models.assertCompiledEqualsEager("ReshapeWithBatch", new int[] {-1, 4, 3}, seed, 5, 1e-6, RESHAPE_WITH_BATCH);
    }
  }

  @Test
  void aLayerNestingItsOwnClassToAFiniteDepth() {
    for (long seed = 1; seed <= 3; seed++) {
      models.assertCompiledEqualsEager("DeepTower", new int[] {-1, 4}, seed, 3, 1e-5, TOWER + DEEP_TOWER);
    }
    assertThat(((dev.kiln.Graph) CompiledModels.callStatic(models.load("com.example.KilnDeepTower"), "graph"))
        .operation("tower/next/next/next/next/next/next/next/next/next/next/next/d/MatMul").type()).isEqualTo("MatMul");
  }

  @Test
  void theBatchMovedToAnotherAxis() {
    for (long seed = 1; seed <= 3; seed++) {
      models.assertCompiledEqualsEager("BatchMoved", new int[] {-1, 4}, seed, 5, 1e-6, BATCH_MOVED);
    }
  }

  @Test
  void loopsOfHundredsOfOpsAndThousandsOfSteps() {
    models.assertCompiledEqualsEager("LongLoop", new int[] {-1, 4}, 1, 4, 1e-5, LONG_LOOP);
  }
}

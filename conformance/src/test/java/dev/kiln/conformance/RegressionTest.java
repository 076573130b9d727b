package dev.kiln.conformance;

import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.conformance.models.FusionOrder;
import dev.kiln.conformance.models.KilnFusionOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Minimal reproductions of runtime/processor bugs found by this module (README.md, "Bugs found"), kept as regression tests. */
class RegressionTest {
  /**
   * Bug 1: {@code m = x * 0.5; s = x + x; return s + m;} compiles to one fused loop {@code (x * 0.5) + ws[i]}
   * emitted before the loop that writes {@code s} into {@code ws}: the session reads stale workspace (zeros on
   * the first call, then the previous call's {@code s}).
   */
  @Test
  void fusedLoopRunsAfterItsProducers() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
    Tensor expected = Tensor.of(new float[] {2.5f, 5f, 7.5f, 10f}, 1, 4); // 2x + 0.5x
    assertWithMessage("eager").that(new FusionOrder().forward(x).toFloatArray())
        .usingExactEquality().containsExactly(expected.toFloatArray()).inOrder();
    try (KilnFusionOrder s = KilnFusionOrder.open(Weights.of(Map.of()))) {
      assertWithMessage("compiled").that(s.call(x).toFloatArray())
          .usingExactEquality().containsExactly(expected.toFloatArray()).inOrder();
    }
  }
}

package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Tensor;
import dev.kiln.Weights;

/** Test support: two sets of weights hold the same names, shapes and values (bit for bit). */
public final class WeightsAssert {
  private WeightsAssert() {}

  public static void assertSameWeights(Weights actual, Weights expected) {
    assertThat(actual.names()).containsExactlyElementsIn(expected.names());
    for (String name : expected.names()) {
      Tensor a = actual.get(name);
      Tensor e = expected.get(name);
      assertWithMessage(name).that(a.shape()).isEqualTo(e.shape());
      assertWithMessage(name).that(a.toFloatArray()).isEqualTo(e.toFloatArray());
    }
  }
}

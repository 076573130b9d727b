package dev.kiln.layers;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.Tensor;
import org.junit.jupiter.api.Test;

class ActivationLayersTest {
  @Test
  void leakyReluDefaultsToKerasSlope() {
    // Keras LeakyReLU(): negative_slope 0.3.
    assertThat(new LeakyReLU().apply(Tensor.of(new float[] {-2, 0, 3}, 3)).toFloatArray())
        .usingTolerance(1e-7).containsExactly(-0.6f, 0f, 3f).inOrder();
    assertThat(new LeakyReLU(0.1f).apply(Tensor.of(new float[] {-2, 5}, 2)).toFloatArray())
        .usingTolerance(1e-7).containsExactly(-0.2f, 5f).inOrder();
  }

  @Test
  void eluMatchesItsDefinition() {
    // alpha (e^-1 - 1) = -0.63212055 for alpha 1; half that for alpha 0.5.
    assertThat(new ELU().apply(Tensor.of(new float[] {-1, 2}, 2)).toFloatArray())
        .usingTolerance(1e-6).containsExactly(-0.63212055f, 2f).inOrder();
    assertThat(new ELU(0.5f).apply(Tensor.of(new float[] {-1}, 1)).toFloatArray())
        .usingTolerance(1e-6).containsExactly(-0.31606028f).inOrder();
  }
}

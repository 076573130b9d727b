package dev.kiln.conv;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.layers.Conv2DTranspose;
import org.junit.jupiter.api.Test;

/** Kiln rejects the transposed convolutions TensorFlow rejects (found by the conformance suite). */
class ConvTransposeRulesTest {
  @Test
  void sameWithOutputPaddingThatDoesNotInvertIsRejected() {
    // Keras: out = (4 - 1) * 1 + 2 - 2 * 1 + 0 = 3, but a SAME stride-1 convolution of 3 rows gives 3, not 4.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Conv2DTranspose(5, 2).padding(Padding.SAME).outputPadding(0).apply(Tensor.zeros(1, 4, 5, 3)));
    assertThat(e).hasMessageThat().contains("does not convolve back to the input size 4");
  }

  @Test
  void ordinaryConfigurationsStillWork() {
    assertThat(new Conv2DTranspose(2, 3).strides(2).padding(Padding.SAME).apply(Tensor.zeros(1, 4, 5, 3)).shape())
        .isEqualTo(new int[] {1, 8, 10, 2});
    assertThat(new Conv2DTranspose(2, 3).strides(2).apply(Tensor.zeros(1, 4, 5, 3)).shape())
        .isEqualTo(new int[] {1, 9, 11, 2});
    assertThat(new Conv2DTranspose(2, 3).strides(2).padding(Padding.SAME).outputPadding(1).apply(Tensor.zeros(1, 4, 5, 3))
        .shape()).isEqualTo(new int[] {1, 8, 10, 2});
  }
}

package dev.kiln.sequence;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.AbstractLayer;
import dev.kiln.Ops;
import dev.kiln.Tensor;
import dev.kiln.layers.Add;
import dev.kiln.layers.Bidirectional;
import dev.kiln.layers.Concatenate;
import dev.kiln.layers.Conv1D;
import dev.kiln.layers.Dense;
import dev.kiln.layers.Dropout;
import dev.kiln.layers.Embedding;
import dev.kiln.layers.Flatten;
import dev.kiln.layers.GlobalAveragePooling1D;
import dev.kiln.layers.GlobalMaxPooling1D;
import dev.kiln.layers.LSTM;
import dev.kiln.layers.LayerNormalization;
import dev.kiln.layers.Masking;
import dev.kiln.layers.SimpleRNN;
import dev.kiln.layers.Softmax;
import dev.kiln.layers.TimeDistributed;
import org.junit.jupiter.api.Test;

/**
 * What each layer does with the Keras mask, as its Keras 3 twin ({@code supports_masking}, {@code compute_mask}, and
 * {@code __call__}'s rules: the explicit mask or the input's reaches {@code call}; an output that already carries a
 * mask keeps it).
 */
class MaskSemanticsTest {
  static final Tensor MASK = Tensor.ofBooleans(new boolean[] {true, true, false, true, false, false}, 2, 3);

  static Tensor steps(int features) {
    float[] v = new float[2 * 3 * features];
    for (int i = 0; i < v.length; i++) v[i] = (i % 7) - 3;
    return Tensor.of(v, 2, 3, features).withMask(MASK);
  }

  @Test
  void embeddingMasksZerosOnlyWithMaskZero() {
    Tensor tokens = Tensor.ofInts(new int[] {4, 0, 2, 0, 0, 1}, 2, 3);
    assertThat(new Embedding(5, 2).maskZero(true).apply(tokens).mask().toIntArray())
        .isEqualTo(new int[] {1, 0, 1, 0, 0, 1});
    assertThat(new Embedding(5, 2).apply(tokens.withMask(MASK)).mask()).isNull();
  }

  @Test
  void maskingZeroesMaskedStepsAndMasksThem() {
    Tensor x = Tensor.of(new float[] {1, 2, -1, -1, 0, -1, -1, -1}, 2, 2, 2);
    Tensor y = new Masking(-1f).apply(x);
    assertThat(y.mask().toIntArray()).isEqualTo(new int[] {1, 0, 1, 0});
    // x * 0 as Keras computes it (-0 for -1): equal to zero
    assertThat(y.toFloatArray()).usingTolerance(0).containsExactly(new float[] {1, 2, 0, 0, 0, -1, 0, 0}).inOrder();
  }

  @Test
  void layersThatSupportMaskingPassItOn() {
    for (AbstractLayer l : new AbstractLayer[] {new Dense(2), new Dropout(0.5f), new LayerNormalization(),
        new TimeDistributed(new Dense(3)), new SimpleRNN(2).returnSequences(true)}) {
      assertThat(l.apply(steps(4)).mask()).isSameInstanceAs(MASK);
    }
  }

  @Test
  void layersThatDoNotSupportMaskingDropIt() {
    assertThat(new Flatten().apply(steps(4)).mask()).isNull();
    assertThat(new Conv1D(2, 2).apply(steps(4)).mask()).isNull();
    assertThat(new GlobalMaxPooling1D().apply(steps(4)).mask()).isNull();
    assertThat(new SimpleRNN(2).apply(steps(4)).mask()).isNull();
    assertThat(new Bidirectional(new LSTM(2)).apply(steps(4)).mask()).isNull();
  }

  @Test
  void anExplicitMaskWinsOverTheInputs() {
    Tensor other = Tensor.ofBooleans(new boolean[] {true, false, false, true, true, true}, 2, 3);
    assertThat(new Dense(2).apply(steps(4), false, other).mask()).isSameInstanceAs(other);
    // and it is the one the layer uses: a masked mean over the explicit mask
    Tensor pooled = new GlobalAveragePooling1D().apply(steps(1), false, other);
    float[] x = steps(1).toFloatArray();
    assertThat(pooled.toFloatArray()).isEqualTo(new float[] {x[0], (x[3] + x[4] + x[5]) / 3});
    assertThat(pooled.mask()).isNull();
  }

  @Test
  void averagePoolingOfAFullyMaskedRowIsNaNAsInKeras() {
    Tensor none = Tensor.ofBooleans(new boolean[] {false, false, false, true, true, true}, 2, 3);
    float[] y = new GlobalAveragePooling1D().apply(steps(1), false, none).toFloatArray();
    assertThat(Float.isNaN(y[0])).isTrue();
  }

  @Test
  void mergeMasksAreTheOrOfAllOrNone() {
    Tensor a = steps(2);
    Tensor other = Tensor.ofBooleans(new boolean[] {false, false, true, false, true, false}, 2, 3);
    Tensor b = Tensor.of(a.toFloatArray(), a.shape()).withMask(other);
    assertThat(new Add().apply(a, b).mask().toIntArray()).isEqualTo(new int[] {1, 1, 1, 1, 1, 0});
    assertThat(new Add().apply(a, Tensor.of(a.toFloatArray(), a.shape())).mask()).isNull();
  }

  @Test
  void concatenateMasksAsKeras() {
    Tensor a = steps(2);
    Tensor plain = Tensor.of(a.toFloatArray(), a.shape());
    // along the features: the or of the masks, an unmasked input counting as all true
    assertThat(new Concatenate().apply(a, plain).mask().toIntArray()).isEqualTo(new int[] {1, 1, 1, 1, 1, 1});
    Tensor other = Tensor.ofBooleans(new boolean[] {false, false, true, false, true, false}, 2, 3);
    Tensor b = Tensor.of(a.toFloatArray(), a.shape()).withMask(other);
    assertThat(new Concatenate().apply(a, b).mask().toIntArray()).isEqualTo(new int[] {1, 1, 1, 1, 1, 0});
    // along the time: the masks side by side
    assertThat(new Concatenate(1).apply(a, b).mask().toIntArray())
        .isEqualTo(new int[] {1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0});
  }

  @Test
  void softmaxPushesMaskedPositionsDown() {
    Tensor scores = Tensor.of(new float[] {1, 2, 3, 1, 2, 3}, 2, 3).withMask(MASK);
    float[] y = new Softmax().apply(scores).toFloatArray();
    assertThat(y[2]).isEqualTo(0f);
    assertThat((double) (y[0] + y[1])).isWithin(1e-6).of(1.0);
  }

  @Test
  void userLayersGetTheKerasDefaults() {
    AbstractLayer plain = new AbstractLayer() {
      @Override
      protected Tensor call(Tensor x) {
        return Ops.multiply(x, 2f);
      }
    };
    assertThat(plain.apply(steps(2)).mask()).isNull();
    AbstractLayer passing = new AbstractLayer() {
      @Override
      protected Tensor call(Tensor x) {
        return Ops.multiply(x, 2f);
      }

      @Override
      public boolean supportsMasking() {
        return true;
      }
    };
    assertThat(passing.apply(steps(2)).mask()).isSameInstanceAs(MASK);
    Tensor own = Tensor.ofBooleans(new boolean[] {true, true, true, true, true, true}, 2, 3);
    AbstractLayer computing = new AbstractLayer() {
      @Override
      protected Tensor call(Tensor x, boolean training, Tensor mask) {
        assertThat(mask).isSameInstanceAs(MASK);
        return x;
      }

      @Override
      public Tensor computeMask(Tensor inputs, Tensor mask) {
        return own;
      }
    };
    // the output is the input, which carries a mask already: Keras keeps it and does not call compute_mask
    assertThat(computing.apply(steps(2)).mask()).isSameInstanceAs(MASK);
    AbstractLayer fresh = new AbstractLayer() {
      @Override
      protected Tensor call(Tensor x) {
        return Ops.add(x, 1f);
      }

      @Override
      public Tensor computeMask(Tensor inputs, Tensor mask) {
        return own;
      }
    };
    assertThat(fresh.apply(steps(2)).mask()).isSameInstanceAs(own);
  }

  @Test
  void aMaskIsABoolTensor() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> steps(2).withMask(Tensor.zeros(2, 3)));
    assertThat(e).hasMessageThat().isEqualTo("a mask must be a bool tensor, got float32[2, 3]");
  }
}

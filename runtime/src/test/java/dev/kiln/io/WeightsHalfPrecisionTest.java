package dev.kiln.io;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.DType;
import dev.kiln.Tensor;
import org.junit.jupiter.api.Test;

class WeightsHalfPrecisionTest {
  @Test
  void f16() throws Exception {
    int[] halves = {
      0x3C00, // 1.0
      0xC100, // -2.5: sign 1, exponent 16 (2^1), mantissa 256/1024 -> -1.25 * 2
      0x7BFF, // 65504: largest finite, (1 + 1023/1024) * 2^15
      0x0001, // 2^-24: smallest subnormal
      0x03FF, // 1023 * 2^-24: largest subnormal
      0x0400, // 2^-14: smallest normal
      0x8000, // -0.0
      0x7C00, // +inf
      0xFC00, // -inf
      0x7E00, // quiet NaN
      0x3555, // 0.333251953125 = (1 + 341/1024) * 2^-2
    };
    String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[11],\"data_offsets\":[0,22]}}";
    Tensor t = Fixtures.load(Fixtures.safetensors(header, Fixtures.shorts(halves))).get("h");
    assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
    float[] v = t.toFloatArray();
    assertThat(v[0]).isEqualTo(1.0f);
    assertThat(v[1]).isEqualTo(-2.5f);
    assertThat(v[2]).isEqualTo(65504f);
    assertThat(v[3]).isEqualTo((float) Math.pow(2, -24));
    assertThat(v[3]).isEqualTo(5.9604645e-8f);
    assertThat(v[4]).isEqualTo((float) (1023 * Math.pow(2, -24)));
    assertThat(v[5]).isEqualTo((float) Math.pow(2, -14));
    assertThat(Float.floatToRawIntBits(v[6])).isEqualTo(0x80000000);
    assertThat(v[7]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(v[8]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(Float.isNaN(v[9])).isTrue();
    assertThat(v[10]).isEqualTo(0.333251953125f);
  }

  @Test
  void f16AllBitPatternsAgreeWithDoubleMath() {
    for (int h = 0; h < 0x10000; h++) {
      int exp = (h >> 10) & 0x1f;
      int mant = h & 0x3ff;
      double sign = (h & 0x8000) != 0 ? -1 : 1;
      float got = DataReader.halfToFloat(h);
      if (exp == 0x1f) {
        assertThat(mant == 0 ? Float.isInfinite(got) : Float.isNaN(got)).isTrue();
      } else {
        double expected = exp == 0 ? sign * mant * Math.pow(2, -24) : sign * (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        assertThat(got).isEqualTo((float) expected);
      }
    }
  }

  @Test
  void bf16() throws Exception {
    int[] bf = {
      0x3F80, // 1.0 (float32 0x3F800000)
      0xC020, // -2.5 (0xC0200000)
      0x4049, // 3.140625 (0x40490000 = 1.5703125 * 2)
      0x7F7F, // largest finite: 0x7F7F0000 = (2 - 2^-7) * 2^127
      0x0001, // subnormal 0x00010000 = 2^16 * 2^-149 = 2^-133
      0x7F80, // +inf
      0xFF80, // -inf
      0x7FC0, // NaN
    };
    String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2,4],\"data_offsets\":[0,16]}}";
    Tensor t = Fixtures.load(Fixtures.safetensors(header, Fixtures.shorts(bf))).get("b");
    assertThat(t.shape()).asList().containsExactly(2, 4).inOrder();
    float[] v = t.toFloatArray();
    assertThat(v[0]).isEqualTo(1.0f);
    assertThat(v[1]).isEqualTo(-2.5f);
    assertThat(v[2]).isEqualTo(3.140625f);
    assertThat(v[3]).isEqualTo((float) ((2 - Math.pow(2, -7)) * Math.pow(2, 127)));
    assertThat(v[4]).isEqualTo((float) Math.pow(2, -133));
    assertThat(v[5]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(v[6]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(Float.isNaN(v[7])).isTrue();
  }
}

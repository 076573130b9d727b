package dev.kiln;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class InitializersTest {
  private static double mean(float[] v) {
    double s = 0;
    for (float x : v) s += x;
    return s / v.length;
  }

  private static double variance(float[] v) {
    double m = mean(v), s = 0;
    for (float x : v) s += (x - m) * (x - m);
    return s / v.length;
  }

  private static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) m = Math.max(m, Math.abs(x));
    return m;
  }

  @Test
  void constants() {
    assertThat(Initializers.zeros().generate(new int[] {2, 3}, 1)).isEqualTo(new float[6]);
    assertThat(Initializers.ones().generate(new int[] {2}, 1)).isEqualTo(new float[] {1, 1});
    assertThat(Initializers.constant(0.5f).generate(new int[] {3}, 1)).isEqualTo(new float[] {0.5f, 0.5f, 0.5f});
  }

  @Test
  void glorotUniformLimitsAndVariance() {
    // [in=200, out=300]: limit = sqrt(6 / 500), variance of U(-l, l) = l^2 / 3 = 2 / 500
    float[] v = Initializers.glorotUniform(3).generate(new int[] {200, 300}, 0);
    double limit = Math.sqrt(6.0 / 500);
    assertThat(maxAbs(v)).isAtMost(limit);
    assertThat(maxAbs(v)).isGreaterThan(limit * 0.999);
    assertThat(mean(v)).isWithin(0.002).of(0);
    assertThat(variance(v)).isWithin(0.004 * 0.03).of(2.0 / 500);
  }

  @Test
  void heUniformUsesReceptiveFieldForConvKernels() {
    // conv [3, 3, 16, 32]: fan_in = 3*3*16 = 144, limit = sqrt(6 / 144)
    float[] v = Initializers.heUniform(5).generate(new int[] {3, 3, 16, 32}, 0);
    double limit = Math.sqrt(6.0 / 144);
    assertThat(maxAbs(v)).isAtMost(limit);
    assertThat(maxAbs(v)).isGreaterThan(limit * 0.99);
    assertThat(variance(v)).isWithin(limit * limit / 3 * 0.05).of(limit * limit / 3);
  }

  @Test
  void truncatedVarianceScalingNormals() {
    // he_normal on [400, 250]: stddev = sqrt(2/400)/0.87962566, truncated at 2 stddev -> variance 2/400 exactly
    float[] he = Initializers.heNormal(11).generate(new int[] {400, 250}, 0);
    double sd = Math.sqrt(2.0 / 400) / 0.87962566;
    assertThat(maxAbs(he)).isAtMost(2 * sd * 1.0001);
    assertThat(mean(he)).isWithin(0.001).of(0);
    assertThat(variance(he)).isWithin(2.0 / 400 * 0.03).of(2.0 / 400);
    // glorot_normal on [300, 500]: variance 2 / 800
    float[] g = Initializers.glorotNormal(12).generate(new int[] {300, 500}, 0);
    assertThat(variance(g)).isWithin(2.0 / 800 * 0.03).of(2.0 / 800);
    assertThat(maxAbs(g)).isAtMost(2 * Math.sqrt(2.0 / 800) / 0.87962566 * 1.0001);
    // lecun_normal on [500, 10]: variance 1 / 500
    float[] l = Initializers.lecunNormal(13).generate(new int[] {500, 400}, 0);
    assertThat(variance(l)).isWithin(1.0 / 500 * 0.03).of(1.0 / 500);
  }

  @Test
  void randomDistributions() {
    float[] u = Initializers.randomUniform(-1f, 3f, 1).generate(new int[] {100000}, 0);
    for (float x : u) {
      assertThat(x).isAtLeast(-1f);
      assertThat(x).isAtMost(3f);
    }
    assertThat(mean(u)).isWithin(0.02).of(1.0);
    assertThat(variance(u)).isWithin(0.03).of(16.0 / 12);
    float[] n = Initializers.randomNormal(0.5f, 2f, 2).generate(new int[] {100000}, 0);
    assertThat(mean(n)).isWithin(0.03).of(0.5);
    assertThat(variance(n)).isWithin(0.1).of(4.0);
    assertThat(maxAbs(n)).isGreaterThan(5.0); // untruncated: values beyond 2 stddev of the mean appear
    float[] t = Initializers.truncatedNormal(1f, 0.5f, 3).generate(new int[] {100000}, 0);
    for (float x : t) assertThat(Math.abs(x - 1f)).isAtMost(1.0f + 1e-6f);
    // variance of a unit normal truncated at +-2 is 0.87962566^2 = 0.77374
    assertThat(variance(t)).isWithin(0.005).of(0.25 * 0.77374);
  }

  @Test
  void deterministicForASeed() {
    int[] shape = {30, 20};
    assertThat(Initializers.glorotUniform(42).generate(shape, 1)).isEqualTo(Initializers.glorotUniform(42).generate(shape, 2));
    assertThat(Initializers.glorotUniform().generate(shape, 7)).isEqualTo(Initializers.glorotUniform().generate(shape, 7));
    assertThat(Initializers.glorotUniform().generate(shape, 7)).isNotEqualTo(Initializers.glorotUniform().generate(shape, 8));
    assertThat(Initializers.heNormal(1).generate(shape, 0)).isEqualTo(Initializers.heNormal(1).generate(shape, 0));
    assertThat(Initializers.truncatedNormal(0, 1, 9).generate(shape, 0))
        .isEqualTo(Initializers.truncatedNormal(0, 1, 9).generate(shape, 5));
  }

  @Test
  void specRoundTrip() {
    Initializer[] all = {
      Initializers.zeros(), Initializers.ones(), Initializers.constant(0.5f), Initializers.constant(-1e-4f),
      Initializers.glorotUniform(), Initializers.glorotUniform(42), Initializers.glorotNormal(), Initializers.glorotNormal(-3),
      Initializers.heUniform(), Initializers.heUniform(1), Initializers.heNormal(), Initializers.heNormal(2),
      Initializers.lecunNormal(), Initializers.lecunNormal(3), Initializers.randomUniform(-0.05f, 0.05f),
      Initializers.randomUniform(0f, 1f, 4), Initializers.randomNormal(0f, 0.05f), Initializers.randomNormal(1f, 2f, 5),
      Initializers.truncatedNormal(0f, 0.05f), Initializers.truncatedNormal(0f, 1f, 6)
    };
    for (Initializer i : all) {
      Initializer back = Initializers.parse(i.spec());
      assertThat(back.spec()).isEqualTo(i.spec());
      assertThat(back.generate(new int[] {4, 5}, 99)).isEqualTo(i.generate(new int[] {4, 5}, 99));
    }
    assertThat(Initializers.glorotUniform().spec()).isEqualTo("glorot_uniform");
    assertThat(Initializers.glorotUniform(42).spec()).isEqualTo("glorot_uniform(seed=42)");
    assertThat(Initializers.constant(0.5f).spec()).isEqualTo("constant(0.5)");
    assertThat(Initializers.randomNormal(0f, 0.05f).spec()).isEqualTo("random_normal(0.0,0.05)");
    assertThat(Initializers.randomNormal(0f, 0.05f, 7).spec()).isEqualTo("random_normal(0.0,0.05,seed=7)");
    assertThat(Initializers.parse(" he_normal( seed=3 ) ").spec()).isEqualTo("he_normal(seed=3)");
  }

  @Test
  void malformedSpecs() {
    String[] bad = {"", "glorot", "constant", "constant()", "constant(x)", "constant(1", "zeros(1)",
        "glorot_uniform(42)", "glorot_uniform(seed=)", "random_normal(0.0)", "random_normal(0,1,2)", "ones)", "he_normal(seed=1,seed=2)"};
    for (String s : bad) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Initializers.parse(s), s);
      assertThat(e).hasMessageThat().contains("'");
    }
  }
}

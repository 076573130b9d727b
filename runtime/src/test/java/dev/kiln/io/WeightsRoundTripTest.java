package dev.kiln.io;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.io.Fixtures.floats;
import static dev.kiln.io.Fixtures.ints;

import dev.kiln.DType;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsRoundTripTest {
  @TempDir File dir;

  private static Weights sample() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("z/kernel", Tensor.of(new float[] {1, -2.5f, Float.NaN, Float.POSITIVE_INFINITY, -0f, 3e-40f}, 2, 3));
    m.put("a/bias", Tensor.ofInts(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, 4));
    m.put("mask", Tensor.ofBooleans(new boolean[] {true, false, true}, 3, 1));
    m.put("scalar", Tensor.scalar(7.5f));
    m.put("empty", Tensor.zeros(0, 5));
    m.put("name with \"quotes\" \\ and ünïcode", Tensor.of(new float[] {42}, 1));
    return Weights.of(m);
  }

  private static void assertSameAsSample(Weights w) {
    assertThat(w.names())
        .containsExactly("z/kernel", "a/bias", "mask", "scalar", "empty", "name with \"quotes\" \\ and ünïcode")
        .inOrder();
    Tensor k = w.get("z/kernel");
    assertThat(k.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(k.shape()).asList().containsExactly(2, 3).inOrder();
    float[] kv = k.toFloatArray();
    assertThat(Float.floatToRawIntBits(kv[4])).isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(kv).usingExactEquality().containsExactly(1f, -2.5f, Float.NaN, Float.POSITIVE_INFINITY, -0f, 3e-40f).inOrder();
    Tensor b = w.get("a/bias");
    assertThat(b.dtype()).isEqualTo(DType.INT32);
    assertThat(b.toIntArray()).asList().containsExactly(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE).inOrder();
    Tensor mask = w.get("mask");
    assertThat(mask.dtype()).isEqualTo(DType.BOOL);
    assertThat(mask.shape()).asList().containsExactly(3, 1).inOrder();
    assertThat(mask.toIntArray()).asList().containsExactly(1, 0, 1).inOrder();
    assertThat(w.get("scalar").rank()).isEqualTo(0);
    assertThat(w.get("scalar").getFloat()).isEqualTo(7.5f);
    assertThat(w.get("empty").shape()).asList().containsExactly(0, 5).inOrder();
    assertThat(w.get("name with \"quotes\" \\ and ünïcode").getFloat(0)).isEqualTo(42f);
  }

  @Test
  void roundTripThroughStream() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sample().save(out);
    byte[] bytes = out.toByteArray();
    long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isEqualTo(0);
    String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
    assertThat(header).startsWith("{\"z/kernel\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}");
    assertThat(header).contains("\"a/bias\":{\"dtype\":\"I32\",\"shape\":[4],\"data_offsets\":[24,40]}");
    assertThat(header).contains("\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3,1],\"data_offsets\":[40,43]}");
    assertSameAsSample(Fixtures.load(bytes));
  }

  @Test
  void roundTripThroughFile() throws Exception {
    File f = new File(dir, "w.safetensors");
    sample().save(f);
    assertSameAsSample(Weights.load(f));
  }

  @Test
  void metadataIsIgnoredAndHeaderOrderKept() throws Exception {
    String header = "{\"__metadata__\":{\"format\":\"pt\",\"x\":\"y\"},"
        + "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[8,16]},"
        + "\"a\":{\"shape\":[2],\"dtype\":\"F32\",\"data_offsets\":[0,8]}}   ";
    Weights w = Fixtures.load(Fixtures.safetensors(header, Fixtures.concat(floats(1, 2), ints(3, 4))));
    assertThat(w.names()).containsExactly("b", "a").inOrder();
    assertThat(w.contains("__metadata__")).isFalse();
    assertThat(w.get("a").toFloatArray()).usingExactEquality().containsExactly(1f, 2f).inOrder();
    assertThat(w.get("b").toIntArray()).asList().containsExactly(3, 4).inOrder();
  }

  @Test
  void zeroSizedTensorWithHugeDimension() throws Exception {
    String header = "{\"e\":{\"dtype\":\"F32\",\"shape\":[2147483647,0,2147483647],\"data_offsets\":[0,0]}}";
    Tensor e = Fixtures.load(Fixtures.safetensors(header, new byte[0])).get("e");
    assertThat(e.shape()).asList().containsExactly(2147483647, 0, 2147483647).inOrder();
    assertThat(e.size()).isEqualTo(0);
  }

  @Test
  void safetensorsExtensionWinsOverAZipLookingHeaderLength() throws Exception {
    // A header length whose low bytes spell "PK\3\4" is still safetensors when the file says so.
    byte[] bytes = Fixtures.safetensors(0x04034B50L, new byte[0], new byte[0]);
    File f = new File(dir, "w.safetensors");
    java.nio.file.Files.write(f.toPath(), bytes);
    java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> Weights.load(f));
    assertThat(e).hasMessageThat().contains("header length 67324752 is larger than the file");
  }

  @Test
  void emptyWeights() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Weights.of(new LinkedHashMap<>()).save(out);
    assertThat(out.size()).isEqualTo(16); // "{}" padded to 8
    assertThat(Fixtures.load(out.toByteArray()).names()).isEmpty();
  }

  @Test
  void missingWeightNamesIt() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> sample().get("nope"));
    assertThat(e).hasMessageThat().contains("nope");
  }
}

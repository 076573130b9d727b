package dev.kiln.io;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.io.Fixtures.dict;
import static dev.kiln.io.Fixtures.npy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.DType;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WeightsNpzTest {
  @TempDir File dir;

  private static byte[] archive(boolean stored) throws Exception {
    return Fixtures.zip(stored,
        "dense/kernel.npy", npy(1, dict("<f4", "(2, 3)"), Fixtures.floats(1, 2, 3, 4, 5, -6.5f)),
        "dense/bias.npy", npy(2, dict("<i4", "(3,)"), Fixtures.ints(7, -8, 9)),
        "f64.npy", npy(1, dict("<f8", "(4,)"), Fixtures.doubles(0.1, -1e300, 1e-50, 123456789.123)),
        "half.npy", npy(3, dict("<f2", "(2,)"), Fixtures.shorts(0x3C00, 0x0001)),
        "mask.npy", npy(1, dict("|b1", "(1, 3)"), new byte[] {1, 0, 1}),
        "scalar.npy", npy(1, dict("<f4", "()"), Fixtures.floats(3.5f)),
        "empty.npy", npy(1, dict("<f4", "(0,)"), new byte[0]));
  }

  private static void check(Weights w) {
    assertThat(w.names())
        .containsExactly("dense/kernel", "dense/bias", "f64", "half", "mask", "scalar", "empty").inOrder();
    Tensor k = w.get("dense/kernel");
    assertThat(k.shape()).asList().containsExactly(2, 3).inOrder();
    assertThat(k.toFloatArray()).usingExactEquality().containsExactly(1f, 2f, 3f, 4f, 5f, -6.5f).inOrder();
    Tensor b = w.get("dense/bias");
    assertThat(b.dtype()).isEqualTo(DType.INT32);
    assertThat(b.toIntArray()).asList().containsExactly(7, -8, 9).inOrder();
    // <f8 narrows to float32: round to nearest, overflow to infinity, underflow to zero.
    assertThat(w.get("f64").toFloatArray()).usingExactEquality()
        .containsExactly(0.1f, Float.NEGATIVE_INFINITY, 0f, 123456792f).inOrder();
    assertThat(w.get("half").toFloatArray()).usingExactEquality()
        .containsExactly(1f, (float) Math.pow(2, -24)).inOrder();
    assertThat(w.get("mask").dtype()).isEqualTo(DType.BOOL);
    assertThat(w.get("mask").toIntArray()).asList().containsExactly(1, 0, 1).inOrder();
    assertThat(w.get("scalar").rank()).isEqualTo(0);
    assertThat(w.get("scalar").getFloat()).isEqualTo(3.5f);
    assertThat(w.get("empty").shape()).asList().containsExactly(0);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void readsStoredAndDeflatedFromStream(boolean stored) throws Exception {
    check(Fixtures.load(archive(stored)));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void readsFromFile(boolean stored) throws Exception {
    // The zip signature decides, not the extension.
    File f = new File(dir, "weights.bin");
    Files.write(f.toPath(), archive(stored));
    check(Weights.load(f));
  }

  @Test
  void largeDeflatedArrayGrowsPastTheInitialChunk() throws Exception {
    float[] v = new float[200_000];
    for (int i = 0; i < v.length; i++) v[i] = i * 0.5f;
    byte[] zip = Fixtures.zip(false, "big.npy", npy(1, dict("<f4", "(400, 500)"), Fixtures.floats(v)));
    Tensor t = Fixtures.load(zip).get("big");
    assertThat(t.shape()).asList().containsExactly(400, 500).inOrder();
    assertThat(t.toFloatArray()).usingExactEquality().containsExactly(v).inOrder();
  }

  @Test
  void headerVariants() throws Exception {
    // Double quotes, no trailing comma, other key order, Python 2 long suffix.
    byte[] zip = Fixtures.zip(true,
        "a.npy", npy(1, "{\"shape\": (2L,), \"descr\": \"<i4\", \"fortran_order\": False}", Fixtures.ints(1, 2)));
    assertThat(Fixtures.load(zip).get("a").toIntArray()).asList().containsExactly(1, 2).inOrder();
  }

  @Test
  void emptyArchive() throws Exception {
    assertThat(Fixtures.load(Fixtures.zip(true)).names()).isEmpty();
  }

  /**
   * Archives NumPy wrote (runtime/fixtures/make-npz-fixtures.py): np.savez and np.savez_compressed, to a file and
   * to an unseekable stream. The stream forms hold data descriptors; np.savez's are stored entries with zip64
   * extra fields, which java.util.zip.ZipInputStream refuses ("only DEFLATED entries can have EXT descriptor").
   */
  @ParameterizedTest
  @ValueSource(strings = {"savez-file", "savez-stream", "savez_compressed-file", "savez_compressed-stream"})
  void readsWhatNumpyWrites(String name) throws Exception {
    byte[] bytes;
    try (InputStream in = WeightsNpzTest.class.getResourceAsStream("/npz/" + name + ".npz")) {
      bytes = in.readAllBytes();
    }
    File f = new File(dir, name + ".npz");
    Files.write(f.toPath(), bytes);
    for (Weights w : new Weights[] {Weights.load(f), Fixtures.load(bytes)}) {
      assertThat(w.names())
          .containsExactly("dense/kernel", "dense/bias", "f64", "half", "mask", "scalar", "empty").inOrder();
      assertThat(w.get("dense/kernel").shape()).asList().containsExactly(2, 3).inOrder();
      assertThat(w.get("dense/kernel").toFloatArray()).usingExactEquality()
          .containsExactly(-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f).inOrder();
      assertThat(w.get("dense/bias").toIntArray()).asList().containsExactly(7, -8, 9).inOrder();
      assertThat(w.get("f64").toFloatArray()).usingExactEquality()
          .containsExactly(0.1f, Float.NEGATIVE_INFINITY, 0f, 123456792f).inOrder();
      assertThat(w.get("half").toFloatArray()).usingExactEquality().containsExactly(1f, 0x1p-24f).inOrder();
      assertThat(w.get("mask").dtype()).isEqualTo(DType.BOOL);
      assertThat(w.get("mask").shape()).asList().containsExactly(1, 3).inOrder();
      assertThat(w.get("mask").toIntArray()).asList().containsExactly(1, 0, 1).inOrder();
      assertThat(w.get("scalar").rank()).isEqualTo(0);
      assertThat(w.get("scalar").getFloat()).isEqualTo(3.5f);
      assertThat(w.get("empty").shape()).asList().containsExactly(0);
    }
    if (name.equals("savez-stream")) {
      ZipException e = assertThrows(ZipException.class, () -> {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
          zip.getNextEntry();
        }
      });
      assertThat(e).hasMessageThat().contains("only DEFLATED entries can have EXT descriptor");
    }
  }
}

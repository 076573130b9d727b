package dev.kiln.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.DType;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of issue 16 that took the process down, scaled to the 128 MB heap of the {@code bounded-heap} run
 * (runtime/pom.xml): each needed several times the heap before and now loads within the documented bound
 * (README, "Untrusted input") or is refused before the memory is spent.
 */
@Tag("bounded-heap")
class WeightsMemoryTest {
  @TempDir File dir;

  /** 8 entries of 16 MiB of zeros, deflated to about 130 KB: the archive may expand to 16 MiB + 32 x its size. */
  private static byte[] zipBomb() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] zeros = new byte[1 << 16];
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (int e = 0; e < 8; e++) {
        zip.putNextEntry(new ZipEntry("w" + e + ".npy"));
        zip.write(Fixtures.npy(1, Fixtures.dict("<f4", "(4194304,)"), new byte[0]));
        for (int i = 0; i < 256; i++) zip.write(zeros);
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void zipBombIsRefusedBeforeTheMemoryIsSpent() throws IOException {
    byte[] bomb = zipBomb();
    File f = new File(dir, "bomb.npz");
    Files.write(f.toPath(), bomb);
    WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> Weights.load(f));
    assertThat(e).hasMessageThat().contains(f.getPath() + ", entry 'w1.npy': shape [4194304] needs 16777216 bytes");
    assertThat(e).hasMessageThat().contains("16777216 plus 32 times the file's " + bomb.length + " bytes; a zip bomb?");
    e = assertThrows(WeightsFormatException.class, () -> Fixtures.load(bomb));
    assertThat(e).hasMessageThat().contains("<stream>, entry 'w");
    assertThat(e).hasMessageThat().contains("decompresses to more than 16777216 bytes plus 32 times its compressed size");
  }

  /** A valid safetensors file whose header is 95 MB of metadata, from a stream: the header is never held whole. */
  @Test
  void hugeHeaderIsStreamed() throws IOException {
    int strings = 95;
    String value = "x".repeat(1_000_000);
    StringBuilder tail = new StringBuilder("},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
    long headerLength = "{\"__metadata__\":{".length() + tail.length() - 1 + (long) strings * ("\"k00\":\"\",".length() + value.length());
    InputStream in = new InputStream() {
      private final byte[] head = ("{\"__metadata__\":{").getBytes(StandardCharsets.UTF_8);
      private byte[] chunk = new byte[0];
      private int pos;
      private int part = -2; // -2 length, -1 head, 0..strings-1 metadata, strings tail + data, then end

      @Override
      public int read() throws IOException {
        while (pos == chunk.length) {
          if (!next()) return -1;
        }
        return chunk[pos++] & 0xff;
      }

      private boolean next() {
        part++;
        pos = 0;
        if (part == -1) chunk = Fixtures.safetensors(headerLength, new byte[0], new byte[0]);
        else if (part == 0) chunk = head;
        else if (part <= strings) {
          chunk = (String.format("\"k%02d\":\"", part - 1) + value + "\"" + (part < strings ? "," : ""))
              .getBytes(StandardCharsets.UTF_8);
        } else if (part == strings + 1) {
          chunk = Fixtures.concat(tail.toString().getBytes(StandardCharsets.UTF_8), Fixtures.floats(1.5f, -2f));
        } else {
          return false;
        }
        return true;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int first = read();
        if (first < 0) return -1;
        b[off] = (byte) first;
        int n = Math.min(len - 1, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off + 1, n);
        pos += n;
        return n + 1;
      }
    };
    assertThat(headerLength).isGreaterThan(95_000_000L);
    Weights w = Weights.load(in);
    assertThat(w.names()).containsExactly("w");
    assertThat(w.get("w").toFloatArray()).usingExactEquality().containsExactly(1.5f, -2f).inOrder();
  }

  /** 16 MiB of BOOL: 64 MiB as a Tensor (4 bytes per element), decoded straight into it. */
  @Test
  void largeBoolTensorTakesFourBytesPerElement() throws IOException {
    int n = 16 << 20;
    File f = new File(dir, "mask.safetensors");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f.toPath()))) {
      byte[] head = ("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[" + n + "],\"data_offsets\":[0," + n + "]}}")
          .getBytes(StandardCharsets.UTF_8);
      out.write(Fixtures.safetensors(head.length, head, new byte[0]));
      for (int i = 0; i < n; i++) out.write(i % 3 == 0 ? 1 : 0);
    }
    Tensor mask = Weights.load(f).get("mask");
    assertThat(mask.dtype()).isEqualTo(DType.BOOL);
    int[] v = mask.intBuffer();
    int ones = 0;
    for (int x : v) ones += x;
    assertThat(ones).isEqualTo((n + 2) / 3);
  }

  /** 200,000 scalars (13 MB) load in about 3.5 times the file's size. */
  @Test
  void manySmallTensors() throws IOException {
    int n = 200_000;
    File f = new File(dir, "scalars.safetensors");
    StringBuilder header = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      if (i > 0) header.append(',');
      header.append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[")
          .append(4L * i).append(',').append(4L * i + 4).append("]}");
    }
    byte[] head = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
    header = null;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f.toPath()))) {
      out.write(Fixtures.safetensors(head.length, head, new byte[0]));
      head = null;
      byte[] data = new byte[4 * n];
      for (int i = 0; i < n; i++) {
        int bits = Float.floatToIntBits(i);
        for (int k = 0; k < 4; k++) data[4 * i + k] = (byte) (bits >>> (8 * k));
      }
      out.write(data);
    }
    checkScalars(Weights.load(f), n);
    try (InputStream in = new FileInputStream(f)) {
      checkScalars(Weights.load(in), n);
    }
  }

  private static void checkScalars(Weights w, int n) {
    assertThat(w.names()).hasSize(n);
    assertThat(w.get("t123456").getFloat()).isEqualTo(123456f);
    assertThat(w.get("t" + (n - 1)).getFloat()).isEqualTo(n - 1f);
  }
}

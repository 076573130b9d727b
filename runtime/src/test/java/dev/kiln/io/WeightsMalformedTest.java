package dev.kiln.io;

import static com.google.common.truth.Truth.assertThat;
import static dev.kiln.io.Fixtures.dict;
import static dev.kiln.io.Fixtures.floats;
import static dev.kiln.io.Fixtures.npy;
import static dev.kiln.io.Fixtures.safetensors;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Weights;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightsMalformedTest {
  @TempDir File dir;

  private static final byte[] SIX_FLOATS = floats(1, 2, 3, 4, 5, 6);

  private static String tensor(String name, String dtype, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
  }

  /** Loading {@code bytes} from a stream fails with a message containing every fragment. */
  private static WeightsFormatException streamError(byte[] bytes, String... fragments) {
    WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> Fixtures.load(bytes));
    for (String f : fragments) assertThat(e).hasMessageThat().contains(f);
    assertThat(e).hasMessageThat().contains("<stream>");
    return e;
  }

  /** Loading {@code bytes} from a file fails with a message naming the file and containing every fragment. */
  private WeightsFormatException fileError(String fileName, byte[] bytes, String... fragments) throws IOException {
    File f = new File(dir, fileName);
    Files.write(f.toPath(), bytes);
    WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> Weights.load(f));
    assertThat(e).hasMessageThat().contains(f.getPath());
    for (String frag : fragments) assertThat(e).hasMessageThat().contains(frag);
    return e;
  }

  // ---- safetensors -----------------------------------------------------------------------------------

  @Test
  void tooShortForTheLengthField() throws IOException {
    streamError(new byte[] {1, 2, 3}, "too short", "3 bytes");
    fileError("short.safetensors", new byte[0], "too short", "0 bytes");
  }

  @Test
  void headerLengthLargerThanFile() throws IOException {
    byte[] bytes = safetensors(1000, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
    fileError("w.safetensors", bytes, "header length 1000 is larger than the file (10 bytes");
    streamError(bytes, "safetensors header", "truncated: the input ends after 2 of the 1000 bytes");
  }

  @Test
  void headerLengthHuge() throws IOException {
    byte[] bytes = safetensors(1L << 62, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
    streamError(bytes, "header length 4611686018427387904 exceeds the limit of 100000000");
    fileError("w.safetensors", bytes, "exceeds the limit");
    // Negative as a signed long: reported unsigned.
    streamError(safetensors(-1L, new byte[0], new byte[0]), "header length 18446744073709551615 exceeds");
    // Just over the limit, on a tiny file: rejected before allocating.
    streamError(safetensors(100_000_001L, new byte[0], new byte[0]), "exceeds the limit");
  }

  @Test
  void headerNotJson() throws IOException {
    streamError(safetensors("hello world", new byte[0]), "not a JSON object: it starts with byte 0x68, not '{'");
    streamError(safetensors(" {}", new byte[0]), "not a JSON object: it starts with byte 0x20, not '{'");
    streamError(safetensors("", new byte[0]), "not a JSON object: it is empty");
    streamError(safetensors("{\"__metadata__\":{} x", new byte[0]), "not valid JSON", "unexpected 'x', expected ',' or '}' at line 1, column 20 (byte 19)");
    streamError(safetensors("{\"a\": oops}", new byte[0]), "not valid JSON", "expected a value at line 1, column 7 (byte 6)");
    streamError(safetensors("{} x", new byte[0]), "not valid JSON", "after the JSON value");
    streamError(safetensors("{\"__metadata__\":{}", new byte[0]), "not valid JSON", "expected ',' or '}'");
    streamError(safetensors("{\"__metadata__\":{\"k\":\"\u0001\"}}", new byte[0]), "not valid JSON", "control character U+0001");
    byte[] badUtf8 = {'{', '"', (byte) 0xC3, '"', '}'};
    streamError(safetensors(badUtf8.length, badUtf8, new byte[0]), "invalid UTF-8");
    // Deep nesting never reaches the JSON reader's depth limit: every value has a fixed type.
    StringBuilder deep = new StringBuilder("{\"a\":");
    for (int i = 0; i < 10_000; i++) deep.append('[');
    streamError(safetensors(deep.toString(), new byte[0]), "tensor 'a'", "found an array");
    streamError(safetensors("{\"a\":[1,2]}", new byte[0]), "tensor 'a'", "expected an object");
    streamError(safetensors("{\"__metadata__\":{\"k\":1}}", new byte[0]), "__metadata__", "must be a string");
  }

  @Test
  void missingOrMistypedFields() throws IOException {
    streamError(safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[0]),
        "tensor 'w'", "missing \"data_offsets\"");
    streamError(safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[0]),
        "tensor 'w'", "shape: expected an integer, found \"1.5\"");
    streamError(safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", floats(1)),
        "tensor 'w'", "data_offsets must be [begin, end], found 3 numbers");
    streamError(safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", floats(1)),
        "tensor 'w'", "unexpected key \"x\"");
  }

  @Test
  void offsetsOutOfRange() throws IOException {
    byte[] bytes = safetensors("{" + tensor("w", "F32", "[100]", 0, 400) + "}", SIX_FLOATS);
    fileError("w.safetensors", bytes, "tensor 'w'", "data_offsets [0, 400] out of range: the data buffer is 24 bytes");
    streamError(bytes, "tensor 'w'", "truncated data: expected 400 bytes, found 24");
    streamError(safetensors("{" + tensor("w", "F32", "[1]", -4, 0) + "}", new byte[0]), "negative offset");
    streamError(safetensors("{" + tensor("w", "F32", "[1]", 8, 4) + "}", new byte[0]), "begin after end");
    streamError(safetensors("{" + tensor("w", "F32", "[1]", 0, 99999999999999999L) + "}", new byte[0]),
        "hold 99999999999999999 bytes but F32 shape [1] needs 4");
    streamError(safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}",
        new byte[0]), "data_offsets: expected an integer, found \"99999999999999999999\"");
  }

  @Test
  void offsetsOfTheWrongSizeOverlappingOrWithGaps() throws IOException {
    streamError(safetensors("{" + tensor("w", "F32", "[2,3]", 0, 20) + "}", SIX_FLOATS),
        "tensor 'w'", "data_offsets [0, 20] hold 20 bytes but F32 shape [2, 3] needs 24");
    streamError(safetensors("{" + tensor("a", "F32", "[3]", 0, 12) + "," + tensor("b", "F32", "[3]", 8, 20) + "}",
        SIX_FLOATS), "tensor 'b'", "data_offsets [8, 20] overlap tensor 'a' which ends at 12");
    streamError(safetensors("{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[3]", 12, 24) + "}",
        SIX_FLOATS), "tensor 'b'", "leave a gap after tensor 'a'");
    streamError(safetensors("{" + tensor("a", "F32", "[5]", 4, 24) + "}", SIX_FLOATS),
        "tensor 'a'", "gap after the start of the data buffer");
  }

  @Test
  void negativeAndOverflowingDims() throws IOException {
    streamError(safetensors("{" + tensor("w", "F32", "[-1,3]", 0, 24) + "}", SIX_FLOATS),
        "tensor 'w'", "negative dimension -1 in shape [-1, 3]");
    streamError(safetensors("{" + tensor("w", "F32", "[2147483647,2147483647,4]", 0, 24) + "}", SIX_FLOATS),
        "tensor 'w'", "shape [2147483647, 2147483647, 4] has more than 2147483639 elements");
    streamError(safetensors("{" + tensor("w", "F32", "[4294967296,0]", 0, 0) + "}", new byte[0]),
        "tensor 'w'", "dimension 4294967296", "does not fit an int");
    streamError(safetensors("{" + tensor("w", "F32", "[65536,65536]", 0, 0) + "}", new byte[0]),
        "has more than 2147483639 elements");
    // A huge but in-range shape on a tiny stream: no OutOfMemoryError, just "truncated".
    streamError(safetensors("{" + tensor("w", "F32", "[536870911]", 0, 2147483644L) + "}", SIX_FLOATS),
        "truncated data: expected 2147483644 bytes, found 24");
    StringBuilder rank = new StringBuilder("[");
    for (int i = 0; i < 65; i++) rank.append(i == 0 ? "1" : ",1");
    streamError(safetensors("{" + tensor("w", "F32", rank + "]", 0, 4) + "}", floats(1)), "shape has more than 64 entries");
  }

  @Test
  void unknownDtype() throws IOException {
    streamError(safetensors("{" + tensor("w", "Q7", "[6]", 0, 24) + "}", SIX_FLOATS),
        "tensor 'w'", "unsupported dtype \"Q7\"", "supported: F32, F16, BF16, I32, BOOL");
    streamError(safetensors("{" + tensor("w", "F64", "[3]", 0, 24) + "}", SIX_FLOATS), "unsupported dtype \"F64\"");
  }

  @Test
  void duplicateNames() throws IOException {
    streamError(safetensors("{" + tensor("w", "F32", "[3]", 0, 12) + "," + tensor("w", "F32", "[3]", 12, 24) + "}",
        SIX_FLOATS), "duplicate tensor 'w'");
  }

  @Test
  void truncatedData() throws IOException {
    byte[] bytes = safetensors("{" + tensor("w", "F32", "[6]", 0, 24) + "}", Arrays.copyOf(SIX_FLOATS, 10));
    streamError(bytes, "tensor 'w'", "truncated data: expected 24 bytes, found 10");
    fileError("w.safetensors", bytes, "tensor 'w'", "out of range: the data buffer is 10 bytes");
  }

  @Test
  void trailingBytesAreRejected() throws IOException {
    byte[] bytes = safetensors("{" + tensor("w", "F32", "[5]", 0, 20) + "}", SIX_FLOATS);
    streamError(bytes, "trailing bytes after the safetensors data buffer");
    fileError("w.safetensors", bytes, "data buffer is 24 bytes but the tensors cover 20 (4 trailing bytes)");
  }

  @Test
  void npzExtensionMustBeZip() throws IOException {
    fileError("w.npz", safetensors("{}", new byte[0]), "must be a zip archive");
  }

  // ---- npz -------------------------------------------------------------------------------------------

  @Test
  void fortranOrder() throws Exception {
    byte[] zip = Fixtures.zip(true, "w.npy",
        npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", SIX_FLOATS));
    streamError(zip, "entry 'w.npy'", "fortran_order True is not supported");
  }

  @Test
  void npyHeaderGarbage() throws Exception {
    streamError(Fixtures.zip(true, "w.npy", npy(1, "hello", SIX_FLOATS)),
        "entry 'w.npy'", "malformed .npy header \"hello\"", "expected '{'");
    streamError(Fixtures.zip(true, "w.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)", SIX_FLOATS)),
        "entry 'w.npy'", "malformed .npy header", "expected ',' or '}'");
    streamError(Fixtures.zip(true, "w.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}", SIX_FLOATS)),
        "entry 'w.npy'", "has no 'shape'");
    streamError(Fixtures.zip(true, "w.npy", npy(2, dict("<f4", "(2, x)"), SIX_FLOATS)),
        "entry 'w.npy'", "expected an integer");
    streamError(Fixtures.zip(true, "w.npy", npy(1, dict("<f4", "(6)"), SIX_FLOATS)), "'(n)' is not a tuple");
    streamError(Fixtures.zip(true, "w.npy", npy(1, dict("<f4", "(-2, 3)"), SIX_FLOATS)),
        "negative dimension -2 in shape [-2, 3]");
    streamError(Fixtures.zip(true, "w.npy", npy(1, dict("<f4", "(99999999999999999999,)"), SIX_FLOATS)),
        "too large");
    streamError(Fixtures.zip(true, "w.npy",
        npy(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", SIX_FLOATS)),
        "structured dtypes", "not supported");
    streamError(Fixtures.zip(true, "w.npy", npy(1, dict(">f4", "(6,)"), SIX_FLOATS)),
        "unsupported .npy dtype '>f4'", "supported: <f4, <f8, <f2, <i4, |b1");
    streamError(Fixtures.zip(true, "w.npy", npy(1, dict("<f4", "(2, 3)") + "'x': 1}", SIX_FLOATS)),
        "unexpected text after the dict");
    byte[] badMagic = npy(1, dict("<f4", "(6,)"), SIX_FLOATS);
    badMagic[1] = 'X';
    streamError(Fixtures.zip(true, "w.npy", badMagic), "entry 'w.npy'", "not a .npy array", "expected the magic");
    byte[] badVersion = npy(1, dict("<f4", "(6,)"), SIX_FLOATS);
    badVersion[6] = 9;
    streamError(Fixtures.zip(true, "w.npy", badVersion), "unsupported .npy version 9.0");
    byte[] hugeHeader = npy(2, dict("<f4", "(6,)"), SIX_FLOATS);
    hugeHeader[11] = 0x7f; // header length 0x7fxxxxxx
    streamError(Fixtures.zip(true, "w.npy", hugeHeader), "header length", "exceeds the limit of 1048576");
  }

  @Test
  void npzEntryProblems() throws Exception {
    streamError(Fixtures.zip(true, "w.npy", npy(1, dict("<f4", "(1000,)"), SIX_FLOATS)),
        "entry 'w.npy'", "shape [1000] needs 4000 bytes of data but the whole entry is 152 bytes");
    // With a data descriptor the entry's size is not known up front: the data runs out.
    streamError(new ZipWriter().add("w.npy", npy(1, dict("<f4", "(1000,)"), SIX_FLOATS), ZipWriter.Layout.DEFLATED_DESCRIPTOR).finish(),
        "entry 'w.npy'", "truncated data: expected 4000 bytes, found 24");
    streamError(Fixtures.zip(false, "w.npy", npy(1, dict("<f4", "(5,)"), SIX_FLOATS)),
        "entry 'w.npy'", "trailing bytes after the array data");
    streamError(Fixtures.zip(true, "readme.txt", new byte[] {1}), "entry 'readme.txt'", "not a .npy array");
    // ZipOutputStream refuses duplicate names: rename the second entry by patching its name bytes.
    byte[] dup = Fixtures.zip(true, "w.npy", npy(1, dict("<f4", "(6,)"), SIX_FLOATS),
        "v.npy", npy(1, dict("<f4", "(6,)"), SIX_FLOATS));
    byte[] v = "v.npy".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i + v.length <= dup.length; i++) {
      if (Arrays.equals(Arrays.copyOfRange(dup, i, i + v.length), v)) dup[i] = 'w';
    }
    streamError(dup, "entry 'w.npy'", "duplicate weight 'w'");
  }

  @Test
  void zipEntryTruncated() throws Exception {
    for (boolean stored : new boolean[] {true, false}) {
      float[] v = new float[1000];
      byte[] zip = Fixtures.zip(stored, "w.npy", npy(1, dict("<f4", "(1000,)"), floats(v)));
      // Cut inside the entry's data (the local header is ~30 + 5 bytes).
      byte[] cut = Arrays.copyOf(zip, stored ? 2000 : 60);
      WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> Fixtures.load(cut));
      assertThat(e).hasMessageThat().contains("entry 'w.npy'");
      File f = new File(dir, "cut" + stored + ".npz");
      Files.write(f.toPath(), cut);
      e = assertThrows(WeightsFormatException.class, () -> Weights.load(f));
      assertThat(e).hasMessageThat().contains("entry 'w.npy'");
      assertThat(e).hasMessageThat().contains(f.getPath());
    }
  }

  @Test
  void zipEntryCrcMismatch() throws Exception {
    byte[] zip = Fixtures.zip(true, "w.npy", npy(1, dict("<f4", "(6,)"), SIX_FLOATS));
    // Flip a data byte of the stored entry (the last float is near the end of the entry's data).
    int idx = indexOf(zip, floats(6)) ;
    zip[idx] ^= 1;
    streamError(zip, "entry 'w.npy'", "CRC");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
      return i;
    }
    throw new AssertionError("not found");
  }

  // ---- zip structure (the npz reader's own zip reader; reproducers of what the fuzzer found) -----------------

  private static byte[] twoEntries(ZipWriter.Layout layout) {
    return new ZipWriter().add("a.npy", npy(1, dict("<f4", "(6,)"), SIX_FLOATS), layout)
        .add("b.npy", npy(1, dict("<f4", "(1,)"), floats(7)), layout).finish();
  }

  @Test
  void everyZipLayoutReadsTheSame() throws Exception {
    for (ZipWriter.Layout layout : ZipWriter.Layout.values()) {
      Weights w = Fixtures.load(twoEntries(layout));
      assertThat(w.names()).containsExactly("a", "b").inOrder();
      assertThat(w.get("a").toFloatArray()).usingExactEquality().containsExactly(1f, 2f, 3f, 4f, 5f, 6f).inOrder();
      assertThat(w.get("b").toFloatArray()).usingExactEquality().containsExactly(7f);
    }
  }

  /** An archive whose central directory (what NumPy reads) disagrees with its entries (what a stream reader sees). */
  @Test
  void centralDirectoryMustMatchTheEntries() throws Exception {
    byte[] zip = twoEntries(ZipWriter.Layout.STORED);
    int cen = indexOf(zip, new byte[] {'P', 'K', 1, 2});
    byte[] renamed = zip.clone();
    renamed[cen + 46] = 'c'; // the first record's name: c.npy
    streamError(renamed, "central directory record 0 ('c.npy'", "does not match the entry in the archive ('a.npy'");
    byte[] crc = zip.clone();
    crc[cen + 16] ^= 1;
    streamError(crc, "central directory record 0", "does not match");
    byte[] offset = zip.clone();
    offset[cen + 42] = 1;
    streamError(offset, "central directory record 0", "header at byte 1)");
    int end = indexOf(zip, new byte[] {'P', 'K', 5, 6});
    byte[] count = zip.clone();
    count[end + 8] = 1;
    count[end + 10] = 1;
    streamError(count, "the end record says 1 entries");
    byte[] missing = Arrays.copyOfRange(zip, 0, cen); // no central directory at all
    streamError(missing, "expected a zip entry or the central directory", "the end of the data (truncated?)");
    streamError(Fixtures.concat(zip, new byte[] {0}), "data after the end of the zip archive");
  }

  @Test
  void dataDescriptorMustMatchTheData() throws Exception {
    byte[] zip = twoEntries(ZipWriter.Layout.STORED_DESCRIPTOR_ZIP64);
    int descriptor = indexOf(zip, new byte[] {'P', 'K', 7, 8});
    byte[] size = zip.clone();
    size[descriptor + 8] ^= 1;
    streamError(size, "entry 'a.npy'", "the data descriptor at byte " + descriptor + " says CRC-32");
    // A stored entry with a descriptor ends where its .npy data ends: a longer shape reads into the descriptor.
    byte[] longer = new ZipWriter().add("a.npy", npy(1, dict("<f4", "(7,)"), SIX_FLOATS), ZipWriter.Layout.STORED_DESCRIPTOR_ZIP64).finish();
    streamError(longer, "entry 'a.npy'");
  }

  /** A sized entry's array cannot be larger than the entry: refused before the array is allocated. */
  @Test
  void arrayLargerThanItsEntry() throws Exception {
    byte[] zip = new ZipWriter().add("a.npy", npy(1, dict("<f4", "(4194304,)"), SIX_FLOATS), ZipWriter.Layout.STORED).finish();
    File f = new File(dir, "small.npz");
    Files.write(f.toPath(), zip);
    WeightsFormatException e = assertThrows(WeightsFormatException.class, () -> Weights.load(f));
    assertThat(e).hasMessageThat().contains("entry 'a.npy': shape [4194304] needs 16777216 bytes of data but the whole entry is 152 bytes");
  }

  @Test
  void unsupportedZipFeatures() throws Exception {
    byte[] zip = twoEntries(ZipWriter.Layout.STORED);
    byte[] encrypted = zip.clone();
    encrypted[6] |= 1;
    streamError(encrypted, "entry 'a.npy'", "encrypted entries are not supported");
    byte[] bzip2 = zip.clone();
    bzip2[8] = 12;
    streamError(bzip2, "entry 'a.npy'", "compression method 12 is not supported (stored or deflated only)");
    byte[] badDeflate = twoEntries(ZipWriter.Layout.DEFLATED);
    badDeflate[30 + 5] = (byte) 0xff; // the first byte of the deflated data: an invalid block type
    streamError(badDeflate, "entry 'a.npy'", "bad deflate data");
  }
}

package dev.kiln.io;

import static dev.kiln.io.Fixtures.dict;
import static dev.kiln.io.Fixtures.npy;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.io.ReferenceDecoder.Decoded;
import dev.kiln.io.ReferenceDecoder.Rejected;
import dev.kiln.io.ZipWriter.Layout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated safetensors and npz files, each loaded from a file and from a stream, in the bounded heap of the
 * {@code bounded-heap} test run (see runtime/pom.xml) with a time limit per load. A file passes when it is
 * rejected with a {@link WeightsFormatException} or {@link IllegalArgumentException} whose message names the
 * input, or loads to exactly what an independent decoder ({@link ReferenceDecoder}) reads from it, and saves and
 * loads back unchanged. Seeded: a failure prints the seed and the file; {@code -Dkiln.fuzz.files=N} sets the
 * files per format (README: the longer run).
 */
@Tag("bounded-heap")
class WeightsFuzzTest {
  private static final long BASE_SEED = 0x6B696C6EL; // "kiln"
  private static final int FILES = Integer.getInteger("kiln.fuzz.files", 10_000);
  private static final long TIME_LIMIT_SECONDS = 20;

  private static ExecutorService worker;

  @TempDir File dir;

  @BeforeAll
  static void startWorker() {
    worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "weights-fuzz");
      t.setDaemon(true); // a hung load must not keep the JVM alive
      return t;
    });
  }

  @AfterAll
  static void stopWorker() {
    worker.shutdownNow();
  }

  @Test
  void mutatedSafetensors() throws Exception {
    List<byte[]> seeds = safetensorsSeeds();
    Counts c = new Counts();
    for (int i = 0; i < FILES; i++) {
      long seed = BASE_SEED + i;
      Random r = new Random(seed);
      byte[] original = seeds.get(r.nextInt(seeds.size()));
      byte[] bytes = r.nextInt(3) == 0 ? mutateHeader(original, r) : original;
      bytes = r.nextInt(4) == 0 ? bytes : mutateBytes(bytes, r);
      check("safetensors", seed, bytes, "fuzz.safetensors", c);
    }
    c.report("safetensors");
  }

  @Test
  void mutatedNpz() throws Exception {
    List<byte[]> arrays = npyArrays();
    List<byte[]> fixed = numpyArchives();
    Counts c = new Counts();
    for (int i = 0; i < FILES; i++) {
      long seed = BASE_SEED + 1_000_000_000L + i;
      Random r = new Random(seed);
      byte[] bytes = r.nextInt(5) == 0 ? fixed.get(r.nextInt(fixed.size())) : archive(arrays, r);
      if (r.nextInt(3) != 0) bytes = r.nextBoolean() ? mutateZipField(bytes, r) : mutateBytes(bytes, r);
      check("npz", seed, bytes, "fuzz.npz", c);
    }
    c.report("npz");
  }

  // ---- checking one file --------------------------------------------------------------------------------------

  private static final class Counts {
    int loaded;
    int rejected;

    void report(String format) {
      System.out.println("WeightsFuzzTest " + format + ": " + FILES + " files, " + loaded + " loaded, " + rejected + " rejected");
      // Both outcomes occur often, so the mutations neither always break the file nor never touch what is parsed.
      assertTrue(loaded > FILES / 50, format + ": only " + loaded + " of " + FILES + " loaded");
      assertTrue(rejected > FILES / 3, format + ": only " + rejected + " of " + FILES + " rejected");
    }
  }

  private void check(String format, long seed, byte[] bytes, String fileName, Counts counts) throws Exception {
    File f = new File(dir, fileName);
    Files.write(f.toPath(), bytes);
    String context = format + " seed " + seed + " (new Random(" + seed + "L))";
    Map<String, Decoded> viaFile = load(() -> Weights.load(f), f.getPath(), context, bytes);
    Map<String, Decoded> viaStream = load(() -> Weights.load(new ByteArrayInputStream(bytes)), "<stream>", context, bytes);
    if (viaFile != null) counts.loaded++;
    else counts.rejected++;

    boolean zip = bytes.length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && (bytes[2] == 3 || bytes[2] == 5);
    if (format.equals("safetensors")) {
      Map<String, Decoded> reference = reference(() -> ReferenceDecoder.safetensors(bytes));
      agree(context + ", from the file", viaFile, reference, bytes, true);
      if (!zip) agree(context + ", from a stream", viaStream, reference, bytes, true);
    } else {
      Map<String, Decoded> reference = viaFile != null || viaStream != null ? reference(() -> ReferenceDecoder.npz(f)) : null;
      agree(context + ", from the file", viaFile, reference, bytes, false);
      if (zip) agree(context + ", from a stream", viaStream, reference, bytes, false);
    }
  }

  /** The loaded weights (saved and loaded back unchanged), or {@code null} when rightly rejected; fails otherwise. */
  private Map<String, Decoded> load(Callable<Weights> loader, String source, String context, byte[] bytes) throws Exception {
    Future<Weights> f = worker.submit(loader);
    Weights w;
    try {
      w = f.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionError(context + ": loading from " + source + " took over " + TIME_LIMIT_SECONDS + " s\n" + dump(bytes));
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      boolean expected = t instanceof WeightsFormatException || t instanceof IllegalArgumentException;
      if (!expected || t.getMessage() == null || !t.getMessage().contains(source)) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        fail(context + ": loading from " + source + " threw " + t + "\n" + dump(bytes) + "\n" + trace);
      }
      return null;
    }
    Map<String, Decoded> decoded = ReferenceDecoder.decode(namedTensors(w));
    ByteArrayOutputStream saved = new ByteArrayOutputStream();
    w.save(saved);
    Map<String, Decoded> again = ReferenceDecoder.decode(namedTensors(Weights.load(new ByteArrayInputStream(saved.toByteArray()))));
    if (!again.equals(decoded)) fail(context + ": saved and loaded back " + again + ", loaded " + decoded + "\n" + dump(bytes));
    return decoded;
  }

  private interface Decoder {
    Map<String, Decoded> decode() throws Rejected;
  }

  private static Map<String, Decoded> reference(Decoder d) {
    try {
      return d.decode();
    } catch (Rejected e) {
      return null;
    }
  }

  /** Kiln and the reference agree: same tensors; when {@code both}, also both reject together. */
  private static void agree(String context, Map<String, Decoded> kiln, Map<String, Decoded> reference, byte[] bytes, boolean both) {
    if (kiln == null && (reference == null || !both)) return;
    if (kiln == null) fail(context + ": Kiln rejects, the reference decoder reads " + reference + "\n" + dump(bytes));
    if (reference == null) fail(context + ": Kiln reads " + kiln + ", the reference decoder rejects the file\n" + dump(bytes));
    if (!new ArrayList<>(kiln.keySet()).equals(new ArrayList<>(reference.keySet())) || !kiln.equals(reference)) {
      fail(context + ": Kiln reads " + kiln + ", the reference decoder " + reference + "\n" + dump(bytes));
    }
  }

  private static Map<String, Tensor> namedTensors(Weights w) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (String n : w.names()) m.put(n, w.get(n));
    return m;
  }

  private static String dump(byte[] bytes) {
    return bytes.length <= 4096 ? "file (base64): " + Base64.getEncoder().encodeToString(bytes) : "file of " + bytes.length + " bytes";
  }

  // ---- seeds ----------------------------------------------------------------------------------------------------

  private static List<byte[]> safetensorsSeeds() throws IOException {
    List<byte[]> out = new ArrayList<>();
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("dense/kernel", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    m.put("dense/bias", Tensor.ofInts(new int[] {7, 8, 9}, 3));
    m.put("mask", Tensor.ofBooleans(new boolean[] {true, false}, 2));
    m.put("s", Tensor.scalar(1));
    m.put("empty", Tensor.zeros(0, 4));
    out.add(saved(m));
    out.add(saved(Map.of()));
    out.add(Fixtures.safetensors("{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]}}", Fixtures.shorts(0x3C00, 0x7C01, 0x3F80, 1)));
    // Header order differs from data order.
    out.add(Fixtures.safetensors("{\"second\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
        + "\"first\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", Fixtures.ints(-1, 0x3f800000)));
    return out;
  }

  private static byte[] saved(Map<String, Tensor> m) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Weights.of(m).save(bytes);
    return bytes.toByteArray();
  }

  /** .npy contents to archive (name, bytes pairs flattened). */
  private static List<byte[]> npyArrays() {
    return List.of(
        npy(1, dict("<f4", "(2, 3)"), Fixtures.floats(1, 2, 3, 4, 5, 6)),
        npy(2, dict("<i4", "(3,)"), Fixtures.ints(7, 8, 9)),
        npy(1, dict("<f8", "()"), Fixtures.doubles(0.5)),
        npy(3, dict("|b1", "(0,)"), new byte[0]),
        npy(1, dict("|b1", "(2, 2)"), new byte[] {1, 0, 0, 1}),
        npy(1, dict("<f2", "(3,)"), Fixtures.shorts(0x3C00, 0xFC00, 0x7E01)),
        // Highly compressible: a deflated copy expands about 300-fold.
        npy(1, dict("<f4", "(16384,)"), new byte[65536]));
  }

  private static final String[] NAMES = {"k.npy", "dense/bias.npy", "d.npy", "m.npy", "dir/", "x.npy", "w.npy"};

  private static byte[] archive(List<byte[]> arrays, Random r) {
    ZipWriter zip = new ZipWriter();
    int n = r.nextInt(4);
    Layout[] layouts = Layout.values();
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(arrays.size());
      String name = NAMES[r.nextInt(NAMES.length)];
      byte[] content = name.endsWith("/") ? new byte[0] : arrays.get(k);
      if (content.length > 12 && r.nextInt(3) == 0) content = r.nextBoolean() ? mutateNpyHeader(content, r) : mutateBytes(content, r);
      zip.add(i > 0 && name.equals("k.npy") ? "k" + i + ".npy" : name, content, layouts[r.nextInt(layouts.length)]);
    }
    return zip.finish();
  }

  private static List<byte[]> numpyArchives() throws IOException {
    List<byte[]> out = new ArrayList<>();
    for (String name : new String[] {"savez-file", "savez-stream", "savez_compressed-file", "savez_compressed-stream"}) {
      try (InputStream in = WeightsFuzzTest.class.getResourceAsStream("/npz/" + name + ".npz")) {
        out.add(in.readAllBytes());
      }
    }
    return out;
  }

  // ---- mutations ----------------------------------------------------------------------------------------------

  private static final String[] NUMBERS = {"-1", "0", "1", "7", "64", "65", "2147483639", "2147483647", "2147483648",
      "4294967296", "9223372036854775807", "9223372036854775808", "99999999999999999999", "1e3", "1.5", "-0"};
  private static final String[] DTYPES = {"F32", "F16", "BF16", "I32", "BOOL", "F64", "U8", "f32", ""};
  private static final Pattern NUMBER = Pattern.compile("-?[0-9]+");
  private static final Pattern DTYPE = Pattern.compile("\"(F32|F16|BF16|I32|BOOL)\"");

  /** Rewrites one number or dtype of the safetensors header (or pads it), keeping the length field right. */
  private static byte[] mutateHeader(byte[] file, Random r) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long n = b.getLong(0);
    String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
    byte[] data = Arrays.copyOfRange(file, 8 + (int) n, file.length);
    switch (r.nextInt(3)) {
      case 0 -> header = replaceOne(header, NUMBER, NUMBERS[r.nextInt(NUMBERS.length)], r);
      case 1 -> header = replaceOne(header, DTYPE, "\"" + DTYPES[r.nextInt(DTYPES.length)] + "\"", r);
      default -> header = r.nextBoolean() ? header + "   " : " \n" + header;
    }
    return Fixtures.safetensors(header, data);
  }

  private static final Pattern SHAPE = Pattern.compile("\\([0-9, ]*\\)");

  /** Rewrites the shape tuple or the dtype of a .npy header (the header length field follows). */
  private static byte[] mutateNpyHeader(byte[] npy, Random r) {
    int headerStart = npy[6] == 1 ? 10 : 12;
    int headerLength = npy[6] == 1 ? (npy[8] & 0xff) | (npy[9] & 0xff) << 8 : ByteBuffer.wrap(npy, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    String dict = new String(npy, headerStart, headerLength, StandardCharsets.ISO_8859_1);
    byte[] data = Arrays.copyOfRange(npy, headerStart + headerLength, npy.length);
    String[] shapes = {"(16777216,)", "(-4, 2)", "(50000, 50000)", "(65536, 65536)", "(2147483647,)", "(0, 99999)", "(4,)", "(1, 1, 1)", "()"};
    String[] descrs = {"<f4", "<f8", "|b1", "<i4", "<f2", ">f4", "<u1"};
    if (r.nextBoolean()) dict = replaceOne(dict, SHAPE, shapes[r.nextInt(shapes.length)], r);
    else dict = dict.replaceFirst("'descr': '[^']*'", "'descr': '" + descrs[r.nextInt(descrs.length)] + "'");
    return npy(npy[6], dict.trim(), data);
  }

  private static String replaceOne(String s, Pattern p, String replacement, Random r) {
    Matcher m = p.matcher(s);
    List<int[]> spans = new ArrayList<>();
    while (m.find()) spans.add(new int[] {m.start(), m.end()});
    if (spans.isEmpty()) return s;
    int[] span = spans.get(r.nextInt(spans.size()));
    return s.substring(0, span[0]) + replacement + s.substring(span[1]);
  }

  /** Sets one field of a local header, data descriptor, central directory record or end record to an extreme value. */
  private static byte[] mutateZipField(byte[] zip, Random r) {
    byte[] b = zip.clone();
    List<Integer> records = new ArrayList<>();
    for (int i = 0; i + 4 <= b.length; i++) if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] < 9 && b[i + 3] < 9) records.add(i);
    if (records.isEmpty()) return mutateBytes(b, r);
    int at = records.get(r.nextInt(records.size()));
    int[] fieldOffsets = {4, 6, 8, 10, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 42};
    int field = at + fieldOffsets[r.nextInt(fieldOffsets.length)];
    long[] values = {0, 1, 8, 0xFFFF, 0xFFFFFFFFL, 0x7FFFFFFF, 0x80000000L, b.length, r.nextInt(256)};
    long v = values[r.nextInt(values.length)];
    int width = r.nextBoolean() ? 2 : 4;
    for (int k = 0; k < width && field + k < b.length; k++) b[field + k] = (byte) (v >>> (8 * k));
    return b;
  }

  static byte[] mutateBytes(byte[] in, Random r) {
    byte[] b = in.clone();
    int rounds = 1 + r.nextInt(3);
    for (int k = 0; k < rounds && b.length > 0; k++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(8)) {
        case 0 -> b[at] ^= (byte) (1 << r.nextInt(8)); // flip a bit
        case 1 -> b[at] = (byte) r.nextInt(256);
        case 2 -> b[at] = (byte) new int[] {0, 0xff, 0x7f, 0x80, '-', '9', '"', '{', '[', ',', ']', '}', '(', ')', '\\', 'u'}[r.nextInt(16)];
        case 3 -> b = Arrays.copyOf(b, at); // truncate
        case 4 -> { // insert random bytes
          byte[] ins = new byte[1 + r.nextInt(8)];
          r.nextBytes(ins);
          byte[] nb = new byte[b.length + ins.length];
          System.arraycopy(b, 0, nb, 0, at);
          System.arraycopy(ins, 0, nb, at, ins.length);
          System.arraycopy(b, at, nb, at + ins.length, b.length - at);
          b = nb;
        }
        case 5 -> { // delete a range
          int len = Math.min(b.length - at, 1 + r.nextInt(8));
          byte[] nb = new byte[b.length - len];
          System.arraycopy(b, 0, nb, 0, at);
          System.arraycopy(b, at + len, nb, at, b.length - at - len);
          b = nb;
        }
        case 6 -> { // an extreme little-endian int (sizes, lengths, offsets)
          if (at + 4 <= b.length) {
            int v = new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20, 100_000_000, b.length}[r.nextInt(7)];
            ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(v);
          }
        }
        default -> { // rewrite the safetensors header length
          if (b.length >= 8) {
            long v = new long[] {0, 7, b.length, b.length - 8, 1L << 40, -1L, r.nextInt(200)}[r.nextInt(7)];
            ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
          }
        }
      }
    }
    return b;
  }
}

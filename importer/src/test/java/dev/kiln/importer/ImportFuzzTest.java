package dev.kiln.importer;

import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.importer.KerasFileWriter.list;
import static dev.kiln.importer.KerasFileWriter.map;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.Weights;
import dev.kiln.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated TF.js model.json folders and Keras 3 .keras archives through the command line: hostile names (comment
 * terminators, unicode escapes, quotes, keywords), shard paths that leave the folder (.., absolute, links to files
 * outside and to /dev/zero, folders), huge, negative and mismatched shapes, extreme layer options, deep JSON, broken
 * and oversized archive entries. Every case must either write a model or be refused (exit 1, a message, nothing
 * written), within a time limit, and: nothing is read outside the model's folder (a file beside it holds a value no
 * written weight may contain), nothing is written outside {@code --out} (the case's folders are listed before and
 * after), every written source holds model code only ({@link ImportHarness#notModelCode}) and compiles with the
 * Kiln processor. Seeded; {@code -Dkiln.fuzz.importCases=N} sets the number of cases (README: the longer run).
 */
class ImportFuzzTest {
  private static final long BASE_SEED = 0x696D706F7274L; // "import"
  private static final int CASES = Integer.getInteger("kiln.fuzz.importCases", 300);
  private static final long TIME_LIMIT_SECONDS = 60;
  private static final float CANARY = 1234.5f;
  private static final String[] FIXTURES = {"mlp", "keras2_wrapped", "quantized_uint8", "cnn", "cnn_global", "seq1d",
      "seq1d_max", "branches", "two_io_shared", "nested", "seq_bigru", "seq_lstm_state", "seq_sequential",
      "attention_tokens"};
  private static final String[] KERAS_FIXTURES = {"mlp", "branches", "nested", "seq_lstm_state", "attention_tokens"};

  static final String[] HOSTILE_NAMES = {"*/", "/*", "*/ static { System.exit(9); } /*", "\\u002a/ class X {} /\\u002a",
      "x\ny", "x\r\n// y", "\\u000a static int z;", "\\u000d", "\"; System.exit(9); \"", "'", "\\", "\\\\u002a/",
      "@param x <b>", "&#42;/", "x\u0000y", "\u540d\u524d", "\u202eevil", "\ud835\udd18", "", " ", "123", "class", "record",
      "var", "_", "$", "a$b", "training", "call", "forward", "apply", "Tensor", "Model", "Layer", "Override", "String",
      "dense", "dense_1", "x".repeat(300), "../x", "/etc/passwd", "a/b", "a:0"};
  private static final Object[] OPTION_VALUES = {0, -1, 1, 2, 3, 7, 65536, 2147483647, -2147483648, 4294967296L, 1e300,
      -1e-300, 0.5, "same", "valid", "causal", "bogus", Json.NULL, true, List.of(), List.of(0), List.of(1, 1),
      List.of(-1, -1), List.of(65536, 65536), new LinkedHashMap<>(), new Json.Num("NaN"), new Json.Num("-Infinity")};
  private static final String[] OPTION_KEYS = {"units", "filters", "kernel_size", "strides", "pool_size", "size", "padding",
      "rate", "axis", "dims", "target_shape", "cropping", "depth_multiplier", "dilation_rate", "groups", "activation",
      "use_bias", "epsilon", "momentum", "center", "scale", "keepdims", "max_value", "negative_slope", "alpha",
      "output_padding", "interpolation", "data_format", "dtype", "batch_input_shape", "batch_shape", "name", "threshold",
      "input_dim", "output_dim", "mask_zero", "mask_value", "return_sequences", "return_state", "go_backwards",
      "recurrent_activation", "reset_after", "stateful", "merge_mode", "layer", "backward_layer", "num_heads", "key_dim",
      "value_dim", "output_shape", "attention_axes", "use_scale", "score_mode", "vocabulary", "output_sequence_length"};
  private static final String[] CLASS_NAMES = {"Dense", "Conv2D", "Model", "Sequential", "Functional", "InputLayer",
      "LSTM", "Lambda", "__keras_tensor__", "Add", "Flatten", "Reshape", "GRU", "SimpleRNN", "Bidirectional",
      "TimeDistributed", "Embedding", "Masking", "Attention", "MultiHeadAttention", "TextVectorization", "StringLookup", ""};

  @TempDir Path root;

  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "import-fuzz");
    t.setDaemon(true);
    return t;
  });

  @Test
  void mutatedModelsImportSafelyOrAreRefused() throws Exception {
    Path outside = Files.createDirectories(root.resolve("outside"));
    Map<String, byte[]> keras = new LinkedHashMap<>();
    for (String f : KERAS_FIXTURES) {
      Path file = root.resolve(f + ".keras");
      new KerasFileWriter(FixtureImportTest.FIXTURES.resolve(f).resolve("model.json")).writeKeras3(file);
      keras.put(f, Files.readAllBytes(file));
      Files.delete(file);
    }
    Map<String, String> sources = new LinkedHashMap<>();
    Map<String, Long> seedOfPackage = new LinkedHashMap<>();
    int imported = 0;
    int refused = 0;
    try {
      for (int i = 0; i < CASES; i++) {
        long seed = BASE_SEED + i;
        Random r = new Random(seed);
        Path caseDir = root.resolve("c" + i);
        Path modelDir = Files.createDirectories(caseDir.resolve("model"));
        Path out = caseDir.resolve("out");
        List<String> mutations = new ArrayList<>();
        Path model = r.nextInt(10) < 7 ? tfjsCase(r, modelDir, outside, mutations)
            : kerasCase(r, modelDir, keras, mutations);
        String context = "case " + i + ", seed " + seed + " (new Random(" + seed + "L)): " + mutations;
        Map<String, String> before = ImportHarness.listing(caseDir, out);
        Map<String, String> outsideBefore = ImportHarness.listing(outside);
        String pkg = "fuzz.c" + i;
        Future<ImportHarness.Outcome> f = worker.submit(() -> ImportHarness.run(model, pkg, "Net", out));
        ImportHarness.Outcome o;
        try {
          o = f.get(TIME_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          f.cancel(true);
          throw new AssertionError(context + ": the import took over " + TIME_LIMIT_SECONDS + " s");
        } catch (ExecutionException e) {
          throw new AssertionError(context + ": the import threw " + e.getCause(), e.getCause());
        }
        assertWithMessage("%s: files beside --out changed", context).that(ImportHarness.listing(caseDir, out)).isEqualTo(before);
        assertWithMessage("%s: files outside the model changed", context).that(ImportHarness.listing(outside)).isEqualTo(outsideBefore);
        if (o.status() == 0) {
          imported++;
          Path src = out.resolve("fuzz/c" + i + "/Net.java");
          String source = Files.readString(src);
          List<String> problems = ImportHarness.notModelCode(source);
          if (!problems.isEmpty()) fail(context + ": the written source holds " + problems + "\n" + source);
          checkNoCanary(Weights.load(out.resolve("Net.safetensors").toFile()), context);
          sources.put(pkg + ".Net", source);
          seedOfPackage.put(pkg, seed);
        } else {
          refused++;
          if (o.status() != 1 || !o.err().startsWith("kiln-import: ") || !Main.isEmpty(out)) {
            fail(context + ": exit " + o.status() + ", output written: " + !Main.isEmpty(out) + ", message: " + o.err());
          }
        }
        deleteTree(modelDir);
      }
    } finally {
      worker.shutdownNow();
    }
    compileAll(sources, seedOfPackage);
    System.out.println("ImportFuzzTest: " + CASES + " cases, " + imported + " imported and compiled, " + refused + " refused");
    // Both outcomes are common: the mutations neither always break the model nor never reach the importer's checks.
    assertWithMessage("imported").that(imported).isAtLeast(CASES / 10);
    assertWithMessage("refused").that(refused).isAtLeast(CASES / 3);
  }

  private static void compileAll(Map<String, String> sources, Map<String, Long> seedOfPackage) {
    List<String> names = new ArrayList<>(sources.keySet());
    for (int from = 0; from < names.size(); from += 50) {
      Map<String, String> batch = new LinkedHashMap<>();
      for (String n : names.subList(from, Math.min(names.size(), from + 50))) batch.put(n, sources.get(n));
      Map<String, List<String>> errors = ImportHarness.compile(batch);
      if (!errors.isEmpty()) {
        String first = errors.keySet().iterator().next();
        String pkg = first.replaceFirst("\\.[^.]*$", "");
        fail("written sources do not compile: " + errors + "\nseed of " + first + ": " + seedOfPackage.get(pkg)
            + "\n" + batch.getOrDefault(first, ""));
      }
    }
  }

  private static void checkNoCanary(Weights w, String context) {
    for (String n : w.names()) {
      for (float v : w.get(n).toFloatArray()) {
        if (v == CANARY) fail(context + ": weight " + n + " holds the value of the file outside the model's folder");
      }
    }
  }

  // ---- TF.js cases ------------------------------------------------------------------------------------------------

  private Path tfjsCase(Random r, Path dir, Path outside, List<String> mutations) throws IOException {
    String fixture = FIXTURES[r.nextInt(FIXTURES.length)];
    mutations.add(fixture);
    ImportHarness.copyFixture(fixture, dir);
    Path modelJson = dir.resolve("model.json");
    Object tree = ImportHarness.readJson(modelJson);
    int n = 1 + r.nextInt(3);
    for (int k = 0; k < n; k++) {
      switch (r.nextInt(9)) {
        case 0, 1, 8 -> renameOne(tree, r, mutations);
        case 2 -> shardPath(tree, r, dir, outside, mutations);
        case 3 -> manifestWeight(tree, r, mutations);
        case 4, 5 -> option(tree, r, mutations);
        case 6 -> structure(tree, r, mutations);
        default -> shardBytes(dir, r, mutations);
      }
    }
    String text = Json.write(tree);
    if (r.nextInt(20) == 0) {
      text = text.substring(0, r.nextInt(text.length()));
      mutations.add("model.json truncated");
    }
    Files.writeString(modelJson, text);
    return modelJson;
  }

  /** Gives a layer, model or input a hostile name. */
  private static void renameOne(Object tree, Random r, List<String> mutations) {
    List<String> names = new ArrayList<>();
    // Half the time a model's name: the written source shows those in comments.
    if (r.nextBoolean()) collectModelNames(tree, names);
    if (names.isEmpty()) collectNames(tree, names);
    if (names.isEmpty()) return;
    String from = names.get(r.nextInt(names.size()));
    String to = HOSTILE_NAMES[r.nextInt(HOSTILE_NAMES.length)];
    if (r.nextInt(4) == 0) to = from + to;
    ImportHarness.rename(tree, from, to);
    mutations.add("rename " + Json.quote(from) + " to " + Json.quote(to));
  }

  private static void collectModelNames(Object tree, List<String> names) {
    if (tree instanceof Map<?, ?> m) {
      boolean model = m.get("class_name") instanceof String c0 && List.of("Sequential", "Model", "Functional").contains(c0);
      if (model && m.get("config") instanceof Map<?, ?> c && c.get("name") instanceof String s && !s.contains("/")) names.add(s);
      for (Object v : m.values()) collectModelNames(v, names);
    } else if (tree instanceof List<?> l) {
      for (Object v : l) collectModelNames(v, names);
    }
  }

  private static void collectNames(Object tree, List<String> names) {
    if (tree instanceof Map<?, ?> m) {
      if (m.get("name") instanceof String s && !s.contains("/")) names.add(s);
      for (Object v : m.values()) collectNames(v, names);
    } else if (tree instanceof List<?> l) {
      for (Object v : l) collectNames(v, names);
    }
  }

  /** Points a shard path outside the folder (its bytes then the canary's), at links, folders, or duplicates. */
  private static void shardPath(Object tree, Random r, Path dir, Path outside, List<String> mutations) throws IOException {
    Map<String, Object> group = map(list(map(tree).get("weightsManifest")).get(0));
    List<Object> paths = list(group.get("paths"));
    for (Object p : paths) if (!((String) p).startsWith("shard")) return; // one path mutation per case
    long size = 0;
    for (Object p : paths) size += Files.size(dir.resolve((String) p));
    Path canary = outside.resolve("canary-" + size + ".bin");
    if (!Files.exists(canary)) {
      ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
      while (b.remaining() >= 4) b.putFloat(CANARY);
      Files.write(canary, b.array());
    }
    String target;
    switch (r.nextInt(9)) {
      case 0 -> target = "../../outside/" + canary.getFileName();
      case 1 -> target = canary.toAbsolutePath().toString();
      case 2 -> {
        Files.createSymbolicLink(dir.resolve("link.bin"), canary);
        target = "link.bin";
      }
      case 3 -> {
        Files.createSymbolicLink(dir.resolve("zero.bin"), Paths.get("/dev/zero"));
        target = "zero.bin";
      }
      case 4 -> {
        Files.createDirectories(dir.resolve("dir.bin"));
        target = "dir.bin";
      }
      case 5 -> target = "/dev/zero";
      case 6 -> target = "./sub/../" + paths.get(0);
      case 7 -> target = "../model/" + paths.get(0);
      default -> target = (String) paths.get(0); // listed twice: twice the bytes
    }
    List<Object> edited = new ArrayList<>();
    if (paths.size() == 1 || r.nextBoolean()) {
      edited.add(target);
      if (target.equals(paths.get(0))) edited.add(target);
    } else {
      edited.addAll(paths);
      edited.set(r.nextInt(edited.size()), target);
    }
    group.put("paths", edited);
    mutations.add("paths " + edited);
  }

  private static final Object[] SHAPES = {List.of(-4, 2), List.of(50000, 50000), List.of(65536, 65536), List.of(0),
      List.of(), List.of(1), List.of(2147483647, 2), List.of(-1), List.of(3, 3, 3, 3, 3, 3, 3, 3), "x", Json.NULL};

  private static void manifestWeight(Object tree, Random r, List<String> mutations) {
    List<Object> weights = list(map(list(map(tree).get("weightsManifest")).get(0)).get("weights"));
    Map<String, Object> w = map(weights.get(r.nextInt(weights.size())));
    switch (r.nextInt(4)) {
      case 0, 1 -> w.put("shape", mutable(SHAPES[r.nextInt(SHAPES.length)]));
      case 2 -> w.put("dtype", new String[] {"int32", "float16", "bool", "complex64"}[r.nextInt(4)]);
      default -> {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("dtype", new String[] {"uint8", "uint16", "float16", "int4"}[r.nextInt(4)]);
        q.put("scale", mutable(OPTION_VALUES[r.nextInt(OPTION_VALUES.length)]));
        q.put("min", 0.5);
        w.put("quantization", q);
      }
    }
    mutations.add("weight " + Json.write(w));
  }

  /** Sets an option of a random layer config to an extreme or mistyped value. */
  private static void option(Object tree, Random r, List<String> mutations) {
    List<Map<String, Object>> configs = new ArrayList<>();
    collectConfigs(tree, configs);
    if (configs.isEmpty()) return;
    Map<String, Object> c = configs.get(r.nextInt(configs.size()));
    String key = OPTION_KEYS[r.nextInt(OPTION_KEYS.length)];
    Object value = OPTION_VALUES[r.nextInt(OPTION_VALUES.length)];
    if (value instanceof Long l) value = new Json.Num(l.toString());
    else if (value instanceof Double d) value = new Json.Num(d.toString());
    c.put(key, mutable(value));
    mutations.add("option " + key + " = " + Json.write(value));
  }

  /** A copy that later mutations may edit (List.of and Map.of are not). */
  private static Object mutable(Object v) {
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object x : l) out.add(mutable(x));
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) out.put((String) e.getKey(), mutable(e.getValue()));
      return out;
    }
    return v;
  }

  private static void collectConfigs(Object tree, List<Map<String, Object>> out) {
    if (tree instanceof Map<?, ?> m) {
      if (m.get("class_name") instanceof String && m.get("config") instanceof Map<?, ?> c) out.add(map(c));
      for (Object v : m.values()) collectConfigs(v, out);
    } else if (tree instanceof List<?> l) {
      for (Object v : l) collectConfigs(v, out);
    }
  }

  /** Deep JSON, a key dropped, a class replaced, a layer list emptied or doubled. */
  private static void structure(Object tree, Random r, List<String> mutations) {
    List<Map<String, Object>> objects = new ArrayList<>();
    collectObjects(tree, objects);
    Map<String, Object> o = objects.get(r.nextInt(objects.size()));
    switch (r.nextInt(5)) {
      case 0 -> {
        int depth = new int[] {50, 100, 127, 129, 1000}[r.nextInt(5)];
        Object deep = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
          if (r.nextBoolean()) {
            deep = new ArrayList<>(List.of(deep));
          } else {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("k", deep);
            deep = m;
          }
        }
        o.put("kernel_constraint", deep);
        mutations.add("nesting " + depth + " deep");
      }
      case 1 -> {
        if (o.isEmpty()) return;
        String key = new ArrayList<>(o.keySet()).get(r.nextInt(o.size()));
        o.remove(key);
        mutations.add("removed " + key);
      }
      case 2 -> {
        if (!o.containsKey("class_name")) return;
        String cls = CLASS_NAMES[r.nextInt(CLASS_NAMES.length)];
        o.put("class_name", cls);
        mutations.add("class_name " + cls);
      }
      default -> {
        if (!(o.get("layers") instanceof List<?> layers) || layers.isEmpty()) return;
        List<Object> l = list(layers);
        if (r.nextBoolean()) l.add(r.nextInt(l.size()), l.get(r.nextInt(l.size())));
        else l.remove(r.nextInt(l.size()));
        mutations.add("layers changed");
      }
    }
  }

  private static void collectObjects(Object tree, List<Map<String, Object>> out) {
    if (tree instanceof Map<?, ?> m) {
      out.add(map(m));
      for (Object v : m.values()) collectObjects(v, out);
    } else if (tree instanceof List<?> l) {
      for (Object v : l) collectObjects(v, out);
    }
  }

  private static void shardBytes(Path dir, Random r, List<String> mutations) throws IOException {
    Path shard = dir.resolve("shard1.bin");
    byte[] b = Files.readAllBytes(shard);
    b = r.nextBoolean() ? Arrays.copyOf(b, r.nextInt(b.length + 1)) : Arrays.copyOf(b, b.length + 1 + r.nextInt(8));
    Files.write(shard, b);
    mutations.add("shard1.bin now " + b.length + " bytes");
  }

  // ---- .keras cases ---------------------------------------------------------------------------------------------

  private Path kerasCase(Random r, Path dir, Map<String, byte[]> keras, List<String> mutations) throws Exception {
    String fixture = KERAS_FIXTURES[r.nextInt(KERAS_FIXTURES.length)];
    mutations.add(fixture + ".keras");
    Path original = dir.resolve("original.keras");
    Files.write(original, keras.get(fixture));
    Path file = dir.resolve("model.keras");
    int kind = r.nextInt(10);
    if (kind == 0) {
      HostileModelTest.KerasZip.writeConfigBomb(file, 65 + r.nextInt(4));
      mutations.add("config.json inflates past 64 MiB");
      return file;
    }
    HostileModelTest.KerasZip.rewrite(original, file, (name, bytes) -> {
      if (name.equals("config.json")) {
        if (kind == 1) {
          mutations.add("no config.json");
          return null;
        }
        Object tree = KerasFileWriter.parse(new String(bytes, StandardCharsets.UTF_8));
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n; k++) {
          switch (r.nextInt(3)) {
            case 0 -> renameOne(tree, r, mutations);
            case 1 -> option(tree, r, mutations);
            default -> structure(tree, r, mutations);
          }
        }
        return Json.write(tree).getBytes(StandardCharsets.UTF_8);
      }
      if (name.equals("model.weights.h5")) {
        switch (kind) {
          case 2 -> {
            mutations.add("no model.weights.h5");
            return null;
          }
          case 3 -> {
            mutations.add("model.weights.h5 truncated");
            return Arrays.copyOf(bytes, r.nextInt(bytes.length));
          }
          case 4 -> {
            mutations.add("model.weights.h5 of 100 MB of zeros");
            return null; // written below, streamed
          }
          default -> {
            return bytes;
          }
        }
      }
      return bytes;
    });
    if (kind == 4) appendZeros(file, "model.weights.h5", 100 << 20);
    Files.delete(original);
    return file;
  }

  /** Adds an entry of {@code size} zero bytes (deflated to a few hundred KB) to the archive. */
  private static void appendZeros(Path file, String entry, int size) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
      for (ZipEntry e : java.util.Collections.list(z.entries())) entries.put(e.getName(), z.getInputStream(e).readAllBytes());
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
      }
      zip.putNextEntry(new ZipEntry(entry));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < size >> 20; i++) zip.write(zeros);
    }
    Files.write(file, bytes.toByteArray());
  }

  private static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path f : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(f);
    }
  }
}

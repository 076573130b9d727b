package dev.kiln.importer;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static dev.kiln.importer.KerasFileWriter.list;
import static dev.kiln.importer.KerasFileWriter.map;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hostile model files of issue 16, each a regression test: code in names, shards outside the model's folder,
 * class names that are not Java or clash, and sizes that took the process down. A refused file gives exit status 1,
 * a message naming the file, the layer or weight and the limit, and nothing written.
 */
class HostileModelTest {
  @TempDir Path tmp;

  private Path out() {
    return tmp.resolve("out");
  }

  private String refused(Path model) throws IOException {
    return refused(model, "MyNet");
  }

  private String refused(Path model, String cls) throws IOException {
    ImportHarness.Outcome o = ImportHarness.run(model, "com.example", cls, out());
    assertWithMessage(o.out()).that(o.status()).isEqualTo(1);
    assertThat(Main.isEmpty(out())).isTrue();
    return o.err();
  }

  private Path model(String fixture) throws IOException {
    return ImportHarness.copyFixture(fixture, tmp.resolve("model")).resolve("model.json");
  }

  /** Edits the weightsManifest's first group. */
  private static void editManifest(Path modelJson, java.util.function.Consumer<Map<String, Object>> edit) throws IOException {
    Object tree = ImportHarness.readJson(modelJson);
    edit.accept(map(list(map(tree).get("weightsManifest")).get(0)));
    ImportHarness.writeJson(modelJson, tree);
  }

  // ---- code in names ------------------------------------------------------------------------------------------

  static final String STATIC_BLOCK = "x */ static { System.setProperty(\"kiln.pwned\", \"1\"); } /**";
  static final String TOP_LEVEL_CLASS = "*/ } class Pwned { static { System.setProperty(\"kiln.pwned\", \"2\"); } /*";
  static final String ESCAPED = "\\u002a/ class Pwned2 {} /\\u002a \\u000a static int pwned;";

  @Test
  void codeInNamesNeverReachesTheSource() throws Exception {
    Path modelJson = model("nested");
    Object tree = ImportHarness.readJson(modelJson);
    ImportHarness.rename(tree, "inner_seq", STATIC_BLOCK); // a nested model: a class and its Javadoc
    ImportHarness.rename(tree, "outer", TOP_LEVEL_CLASS); // the root model: the class Javadoc
    ImportHarness.rename(tree, "res_block", ESCAPED);
    ImportHarness.rename(tree, "x", "x\"; pwned(); \"\n// \\u000d"); // the input: a parameter
    ImportHarness.rename(tree, "block_dense", "dense'); pwned(); //"); // a layer: a field and a local
    ImportHarness.writeJson(modelJson, tree);

    ImportHarness.Outcome o = ImportHarness.run(modelJson, "com.example", "MyNet", out());
    assertWithMessage(o.err()).that(o.status()).isEqualTo(0);
    String source = Files.readString(out().resolve("com/example/MyNet.java"));
    assertWithMessage(source).that(ImportHarness.notModelCode(source)).isEmpty();
    // The names survive, readably, as comment text with the dangerous characters percent-encoded.
    assertThat(source).contains("model '%2A/ %7D class Pwned %7B static %7B System.setProperty%28%22kiln.pwned%22%2C %222%22%29%3B %7D /%2A')");
    assertThat(source).contains("Keras Sequential model 'x %2A/ static %7B");
    assertThat(source).contains("Keras Functional model '%5Cu002a/ class Pwned2 %7B%7D /%5Cu002a %5Cu000a static int pwned%3B'");
    assertThat(source).doesNotContain("\\u");

    // It compiles with the processor, the eager model and the session run, and nothing ran that a name put there.
    CompiledImport compiled = CompiledImport.compile(out(), "com.example", "MyNet");
    Weights w = Weights.load(out().resolve("MyNet.safetensors").toFile());
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, -1, -2, -3, -4}, 2, 4);
    assertThat(compiled.runEager(w, x).get(0).toFloatArray())
        .usingTolerance(1e-6).containsExactly(compiled.runSession(w, x).get(0).toFloatArray()).inOrder();
    assertThat(System.getProperty("kiln.pwned")).isNull();
  }

  /** The same names in a Keras 3 .keras config. */
  @Test
  void codeInKerasConfigNames() throws Exception {
    Path keras = tmp.resolve("m.keras");
    new KerasFileWriter(FixtureImportTest.FIXTURES.resolve("nested").resolve("model.json")).writeKeras3(keras);
    Path hostile = tmp.resolve("hostile.keras");
    KerasZip.rewrite(keras, hostile, (name, bytes) -> {
      if (!name.equals("config.json")) return bytes;
      Object tree = KerasFileWriter.parse(new String(bytes, StandardCharsets.UTF_8));
      ImportHarness.rename(tree, "inner_seq", STATIC_BLOCK);
      ImportHarness.rename(tree, "outer", ESCAPED);
      return dev.kiln.io.Json.write(tree).getBytes(StandardCharsets.UTF_8);
    });
    ImportHarness.Outcome o = ImportHarness.run(hostile, "com.example", "MyNet", out());
    assertWithMessage(o.err()).that(o.status()).isEqualTo(0);
    String source = Files.readString(out().resolve("com/example/MyNet.java"));
    assertWithMessage(source).that(ImportHarness.notModelCode(source)).isEmpty();
    CompiledImport.compile(out(), "com.example", "MyNet");
  }

  // ---- files outside the model's folder -----------------------------------------------------------------------

  /** A file beside the model's folder holding as many bytes as the shard, all the float 1234.5. */
  private Path secret(Path modelJson) throws IOException {
    long size = Files.size(modelJson.resolveSibling("shard1.bin"));
    ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    while (b.remaining() >= 4) b.putFloat(1234.5f);
    Path secret = tmp.resolve("outside").resolve("secret.bin");
    Files.createDirectories(secret.getParent());
    Files.write(secret, b.array());
    return secret;
  }

  @Test
  void shardPathsOutsideTheFolderAreRefused() throws Exception {
    for (String path : new String[] {"../outside/secret.bin", "sub/../../outside/secret.bin", "SECRET", "/etc/passwd",
        "../../../../../../../../etc/passwd", "/dev/zero", ".", ""}) {
      Path modelJson = model("mlp");
      Path secret = secret(modelJson);
      String p = path.equals("SECRET") ? secret.toAbsolutePath().toString() : path;
      editManifest(modelJson, g -> g.put("paths", List.of(p)));
      String err = refused(modelJson);
      assertWithMessage(path).that(err).contains("weight shard '" + p + "' listed in model.json is outside the model's folder");
      deleteTree(tmp.resolve("model"));
    }
  }

  @Test
  void shardLinksLeavingTheFolderAreRefused() throws Exception {
    Path modelJson = model("mlp");
    Path secret = secret(modelJson);
    Path dir = modelJson.getParent();
    Files.createSymbolicLink(dir.resolve("link.bin"), secret);
    editManifest(modelJson, g -> g.put("paths", List.of("link.bin")));
    assertThat(refused(modelJson)).contains("weight shard 'link.bin' listed in model.json resolves to " + secret.toRealPath()
        + ", outside the model's folder");
    Files.createSymbolicLink(dir.resolve("zero.bin"), Paths.get("/dev/zero"));
    editManifest(modelJson, g -> g.put("paths", List.of("zero.bin")));
    assertThat(refused(modelJson)).contains("weight shard 'zero.bin' listed in model.json resolves to /dev/zero, outside the model's folder");
    Files.createDirectories(dir.resolve("sub"));
    Files.createSymbolicLink(dir.resolve("sub/up.bin"), Paths.get("../../outside/secret.bin"));
    editManifest(modelJson, g -> g.put("paths", List.of("sub/up.bin")));
    assertThat(refused(modelJson)).contains("resolves to " + secret.toRealPath());
    Files.createDirectories(dir.resolve("dir.bin"));
    editManifest(modelJson, g -> g.put("paths", List.of("dir.bin")));
    assertThat(refused(modelJson)).contains("weight shard 'dir.bin' listed in model.json is not a regular file");
    Files.createSymbolicLink(dir.resolve("dangling.bin"), dir.resolve("nothing.bin"));
    editManifest(modelJson, g -> g.put("paths", List.of("dangling.bin")));
    assertThat(refused(modelJson)).contains("weight shard 'dangling.bin' listed in model.json is missing");
  }

  @Test
  void shardPathsAndLinksInsideTheFolderAreRead() throws Exception {
    Path modelJson = model("mlp");
    Path dir = modelJson.getParent();
    Files.createDirectories(dir.resolve("sub"));
    Files.move(dir.resolve("shard1.bin"), dir.resolve("sub/real.bin"));
    Files.createSymbolicLink(dir.resolve("link.bin"), Paths.get("sub/real.bin"));
    editManifest(modelJson, g -> g.put("paths", List.of("./sub/../link.bin")));
    ImportHarness.Outcome o = ImportHarness.run(modelJson, "com.example", "MyNet", out());
    assertWithMessage(o.err()).that(o.status()).isEqualTo(0);
    FixtureImportTest.checkAgainstReference(out(), "com.example", "MyNet", FixtureImportTest.FIXTURES.resolve("mlp/reference.json"));
  }

  @Test
  void shardSizesMustMatchTheManifest() throws Exception {
    Path modelJson = model("mlp");
    Path shard = modelJson.resolveSibling("shard1.bin");
    Files.write(shard, Arrays.copyOf(Files.readAllBytes(shard), (int) Files.size(shard) + 3));
    assertThat(refused(modelJson)).contains("model.json: the shards [shard1.bin] hold " + Files.size(shard)
        + " bytes, but the weights of their group need " + (Files.size(shard) - 3) + " (3 bytes that no weight uses)");
  }

  // ---- sizes ----------------------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"[-4, 2]", "[50000, 50000]", "[65536, 65536]", "[2147483647, 2]", "[1000, 1000]"})
  void weightShapesAreChecked(String shape) throws Exception {
    Path modelJson = model("mlp");
    Object parsed = KerasFileWriter.parse(shape);
    String[] weight = new String[1];
    editManifest(modelJson, g -> {
      Map<String, Object> w = map(list(g.get("weights")).get(0));
      weight[0] = (String) w.get("name");
      w.put("shape", parsed);
    });
    String err = refused(modelJson);
    String what = "kiln-import: model.json: weight '" + weight[0] + "': ";
    switch (shape) {
      case "[-4, 2]" -> assertThat(err).contains(what + "negative dimension -4 in shape [-4, 2]");
      case "[1000, 1000]" -> assertThat(err).contains("weight '" + weight[0] + "' needs 4000000 bytes at offset 0 but the shards"
          + " [shard1.bin] hold only");
      default -> assertThat(err).contains(what + "shape " + shape + " has more than 2147483639 elements (the largest Java array, a limit of kiln-import)");
    }
  }

  @Test
  void layerOptionsThatWouldNeedTooMuchMemoryAreRefusedBeforeRunning() throws Exception {
    Path modelJson = model("cnn_global");
    Object tree = ImportHarness.readJson(modelJson);
    Map<String, Object> upsampling = findLayer(tree, "UpSampling2D");
    map(upsampling.get("config")).put("size", List.of(65536, 65536));
    ImportHarness.writeJson(modelJson, tree);
    assertThat(refused(modelJson)).containsMatch("layer '[^']+' \\(UpSampling2D\\): its Resize would have shape \\[1, \\d+, \\d+, \\d+\\] at batch 1, "
        + "more than 134217728 elements \\(a limit of kiln-import\\)");

    Path mlp = tmp.resolve("mlp").resolve("model.json");
    ImportHarness.copyFixture("mlp", mlp.getParent());
    Object m = ImportHarness.readJson(mlp);
    map(map(findLayer(m, "Dense")).get("config")).put("units", 2147483647);
    ImportHarness.writeJson(mlp, m);
    assertThat(refused(mlp)).containsMatch("\\(Dense\\): weight hidden1/kernel has shape \\[\\d+, 2147483647\\]");

    map(map(findLayer(m, "InputLayer") != null ? findLayer(m, "InputLayer") : findLayer(m, "Dense")).get("config"))
        .put("batch_input_shape", KerasFileWriter.parse("[null, 100000, 100000]"));
    ImportHarness.writeJson(mlp, m);
    assertThat(refused(mlp)).contains("batch_input_shape: input shape [null,100000,100000] has more than 134217728 elements per example");
  }

  private static Map<String, Object> findLayer(Object tree, String cls) {
    if (tree instanceof Map<?, ?> m) {
      if (cls.equals(m.get("class_name")) && m.get("config") instanceof Map) return map(m);
      for (Object v : m.values()) {
        Map<String, Object> f = findLayer(v, cls);
        if (f != null) return f;
      }
    } else if (tree instanceof List<?> l) {
      for (Object v : l) {
        Map<String, Object> f = findLayer(v, cls);
        if (f != null) return f;
      }
    }
    return null;
  }

  @Test
  void deepJsonIsRefusedWithTheLimit() throws Exception {
    Path modelJson = model("mlp");
    Object tree = ImportHarness.readJson(modelJson);
    Object deep = List.of();
    for (int i = 0; i < 200; i++) deep = List.of(deep);
    map(findLayer(tree, "Dense").get("config")).put("kernel_regularizer", deep);
    ImportHarness.writeJson(modelJson, tree);
    assertThat(refused(modelJson)).contains("kiln-import: model.json: arrays and objects nested deeper than the limit of 128 at line 1");
  }

  /** A .keras whose config.json inflates to 1.5 GB (the archive is 1.6 MB). */
  @Test
  void kerasConfigBombIsRefusedAtTheLimit() throws Exception {
    Path bomb = tmp.resolve("bomb.keras");
    KerasZip.writeConfigBomb(bomb, 1536);
    assertThat(Files.size(bomb)).isLessThan(4L << 20);
    try (ZipFile z = new ZipFile(bomb.toFile())) {
      assertThat(z.getEntry("config.json").getSize()).isEqualTo(1536L << 20);
    }
    assertThat(refused(bomb)).contains("kiln-import: bomb.keras/config.json: the JSON is longer than the limit of 67108864 bytes");
  }

  /** A name that would rewrite the terminal (escape sequences, a right-to-left override) is printed escaped. */
  @Test
  void messagesDoNotPassControlCharactersToTheTerminal() throws Exception {
    Path modelJson = model("mlp");
    Object tree = ImportHarness.readJson(modelJson);
    Map<String, Object> dense = findLayer(tree, "Dense");
    map(dense.get("config")).put("activation", "\u001b[2J\u202eevil");
    ImportHarness.writeJson(modelJson, tree);
    String err = refused(modelJson);
    assertThat(err).contains("activation '\\u001b[2J\\u202eevil' is not supported");
    assertThat(err.chars().filter(c -> c < 0x20 && c != '\n').count()).isEqualTo(0);
  }

  /** A functional chain listed backwards: calls come out in dependency order, found without rescanning the config. */
  @Test
  void longChainListedBackwardsImportsInOrder() throws Exception {
    int n = 2000;
    List<Object> layers = new java.util.ArrayList<>();
    for (int i = n; i >= 1; i--) {
      layers.add(KerasFileWriter.parse("{\"name\": \"a" + i + "\", \"class_name\": \"Activation\", \"config\": {\"name\": \"a" + i
          + "\", \"activation\": \"relu\"}, \"inbound_nodes\": [[[\"a" + (i - 1) + "\", 0, 0, {}]]]}"));
    }
    layers.add(KerasFileWriter.parse("{\"name\": \"a0\", \"class_name\": \"InputLayer\", \"config\": {\"name\": \"a0\","
        + " \"batch_input_shape\": [null, 3]}, \"inbound_nodes\": []}"));
    Map<String, Object> config = new java.util.LinkedHashMap<>();
    config.put("name", "chain");
    config.put("layers", layers);
    config.put("input_layers", List.of(List.of("a0", 0, 0)));
    config.put("output_layers", List.of(List.of("a" + n, 0, 0)));
    Path modelJson = Files.createDirectories(tmp.resolve("chain")).resolve("model.json");
    ImportHarness.writeJson(modelJson, Map.of("modelTopology", Map.of("class_name", "Model", "config", config)));
    String source = KerasImporter.importModel(modelJson, "com.example", "Chain").javaSource;
    int previous = -1;
    for (int i = 1; i <= n; i++) {
      int at = source.indexOf("Tensor a" + i + "Out = a" + i + ".apply(a" + (i - 1) + (i == 1 ? ")" : "Out)"));
      assertWithMessage("call of a%s", i).that(at).isGreaterThan(previous);
      previous = at;
    }
  }

  @Test
  void layerAndWeightCountsAreLimited() throws Exception {
    Path modelJson = model("mlp");
    Object tree = ImportHarness.readJson(modelJson);
    List<Object> layers = list(map(map(map(tree).get("modelTopology")).get("config")).get("layers"));
    for (int i = 0; i < ImportLimits.MAX_LAYERS; i++) {
      layers.add(KerasFileWriter.parse("{\"class_name\": \"Flatten\", \"config\": {\"name\": \"f" + i + "\"}}"));
    }
    ImportHarness.writeJson(modelJson, tree);
    assertThat(refused(modelJson)).contains("model.json: the model has more than 10000 layers (a limit of kiln-import");

    Path other = model2("mlp");
    editManifest(other, g -> {
      List<Object> weights = list(g.get("weights"));
      for (int i = 0; i <= ImportLimits.MAX_WEIGHTS; i++) weights.add(Map.of("name", "w" + i, "shape", List.of(0), "dtype", "float32"));
    });
    assertThat(refused(other)).contains("model.json's weightsManifest holds more than 100000 weights (a limit of kiln-import)");
  }

  private Path model2(String fixture) throws IOException {
    return ImportHarness.copyFixture(fixture, tmp.resolve("model2")).resolve("model.json");
  }

  // ---- class names ----------------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"record", "var", "yield", "Model", "Dense", "Tensor", "Layer", "String", "Object", "class", "9lives", "a.b"})
  void classNamesThatAreNotJavaOrClashAreRefused(String cls) throws Exception {
    String err = refused(model("mlp"), cls);
    assertThat(err).contains("kiln-import: --class '" + cls + "' ");
    assertThat(err).contains("choose another class name");
    if (cls.equals("Dense")) assertThat(err).contains("dev.kiln.layers.Dense, one of Kiln's own types");
    if (cls.equals("record")) assertThat(err).contains("is a restricted identifier in Java");
  }

  /** Nested models named like Kiln's types or java.lang's get other class names, and the source compiles. */
  @Test
  void nestedModelsNamedLikeKilnTypesAreRenamed() throws Exception {
    Path modelJson = model("nested");
    Object tree = ImportHarness.readJson(modelJson);
    ImportHarness.rename(tree, "inner_seq", "dense");
    ImportHarness.rename(tree, "res_block", "override");
    ImportHarness.writeJson(modelJson, tree);
    ImportHarness.Outcome o = ImportHarness.run(modelJson, "com.example", "MyNet", out());
    assertWithMessage(o.err()).that(o.status()).isEqualTo(0);
    String source = Files.readString(out().resolve("com/example/MyNet.java"));
    assertThat(source).contains("public static final class Dense2 extends Model");
    assertThat(source).contains("public static final class Override2 extends Model");
    CompiledImport.compile(out(), "com.example", "MyNet");
  }

  private static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path f : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(f);
    }
  }

  /** Writes and rewrites .keras archives for tests. */
  static final class KerasZip {
    interface Edit {
      byte[] apply(String entry, byte[] bytes) throws Exception;
    }

    /** Copies the archive, passing every entry through {@code edit} (null drops it). */
    static void rewrite(Path from, Path to, Edit edit) throws Exception {
      try (ZipFile in = new ZipFile(from.toFile()); OutputStream os = Files.newOutputStream(to); ZipOutputStream out = new ZipOutputStream(os)) {
        for (ZipEntry e : java.util.Collections.list(in.entries())) {
          byte[] bytes;
          try (InputStream s = in.getInputStream(e)) {
            bytes = s.readAllBytes();
          }
          bytes = edit.apply(e.getName(), bytes);
          if (bytes == null) continue;
          out.putNextEntry(new ZipEntry(e.getName()));
          out.write(bytes);
          out.closeEntry();
        }
      }
    }

    /**
     * A .keras archive whose config.json is {@code mib} MiB of spaces: one deflated MiB (a full flush, so it refers
     * to nothing before it) repeated, then an empty final block. The CRC-32 is left 0: nothing reads that far.
     */
    static void writeConfigBomb(Path file, int mib) throws IOException {
      Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
      byte[] spaces = new byte[1 << 20];
      Arrays.fill(spaces, (byte) ' ');
      d.setInput(spaces);
      ByteArrayOutputStream block = new ByteArrayOutputStream();
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH)) > 0) block.write(buf, 0, n);
      d.end();
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      for (int i = 0; i < mib; i++) block.writeTo(data);
      data.write(new byte[] {3, 0}); // a final, empty fixed-Huffman block
      byte[] name = "config.json".getBytes(StandardCharsets.US_ASCII);
      long size = (long) mib << 20;
      ByteBuffer loc = le(30 + name.length).putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 8)
          .putInt(0).putInt(0).putInt(data.size()).putInt((int) size).putShort((short) name.length).putShort((short) 0).put(name);
      ByteBuffer cen = le(46 + name.length).putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
          .putShort((short) 8).putInt(0).putInt(0).putInt(data.size()).putInt((int) size).putShort((short) name.length)
          .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0).putInt(0).put(name);
      long cenAt = loc.capacity() + data.size();
      ByteBuffer end = le(22).putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 1).putShort((short) 1)
          .putInt(cen.capacity()).putInt((int) cenAt).putShort((short) 0);
      try (OutputStream out = Files.newOutputStream(file)) {
        out.write(loc.array());
        data.writeTo(out);
        out.write(cen.array());
        out.write(end.array());
      }
    }

    private static ByteBuffer le(int n) {
      return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
  }
}

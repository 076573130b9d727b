package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.kiln.Tensor;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Android's dx translates the runtime jar and the example's generated sessions (with the models they
 * reference) to dex. dx cannot desugar lambdas below API 26, so this dexes at {@code --min-sdk-version=26};
 * D8 in a real Android build desugars them, and the API-24 claim rests on animal-sniffer in runtime/pom.xml.
 * dx runs in its own JVM, exactly as its command line: {@code com.android.dx.command.Main --dex ...}.
 */
class DexTest {
  @TempDir Path tmp;

  @Test
  void runtimeJarAndGeneratedSessionsDex() throws Exception {
    Path runtime = Paths.get(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path exampleClasses = Paths.get(KilnMlp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path dxJar = Paths.get(com.android.dx.command.Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());

    // The generated Kiln* classes and the model classes they refer to (loadInto takes the model).
    Path input = tmp.resolve("classes");
    Path pkg = exampleClasses.resolve("dev/kiln/example");
    List<String> copied = new ArrayList<>();
    try (Stream<Path> files = Files.list(pkg)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.startsWith("Kiln") || name.equals("Mlp.class") || name.equals("SeedModel.class")) {
          Path to = input.resolve("dev/kiln/example").resolve(name);
          Files.createDirectories(to.getParent());
          Files.copy(f, to);
          copied.add(name);
        }
      }
    }
    assertThat(copied).containsAtLeast("KilnMlp.class", "KilnSeedModel.class", "Mlp.class", "SeedModel.class");

    Path dex = tmp.resolve("classes.dex");
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(dxJar.toString());
    cmd.add("com.android.dx.command.Main");
    cmd.add("--dex");
    cmd.add("--min-sdk-version=26");
    cmd.add("--output=" + dex);
    cmd.add(runtime.toString());
    cmd.add(input.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertWithMessage("dx output:%n%s", log).that(p.exitValue()).isEqualTo(0);
    assertWithMessage("dx output:%n%s", log).that(log).doesNotContain("ERROR");
    assertThat(Files.exists(dex)).isTrue();

    // The dex holds one class definition per input class (header field class_defs_size at 0x60).
    ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(dex)).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(new String(header.array(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("dex\n");
    int classDefs = header.getInt(0x60);
    int expected = copied.size() + countClasses(runtime);
    System.out.printf("dx: %s + %d example classes -> %s (%d bytes, %d class defs, dex %s)%n", runtime.getFileName(),
        copied.size(), dex.getFileName(), Files.size(dex), classDefs, new String(header.array(), 4, 3, StandardCharsets.US_ASCII));
    assertThat(classDefs).isEqualTo(expected);
  }

  private static int countClasses(Path runtime) throws IOException {
    if (Files.isDirectory(runtime)) {
      try (Stream<Path> s = Files.walk(runtime)) {
        return (int) s.filter(f -> f.toString().endsWith(".class")).count();
      }
    }
    try (ZipFile zip = new ZipFile(new File(runtime.toString()))) {
      return (int) zip.stream().filter(e -> e.getName().endsWith(".class")).count();
    }
  }
}

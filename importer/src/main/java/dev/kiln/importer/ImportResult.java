package dev.kiln.importer;

import dev.kiln.Weights;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The imported model: the Kiln source of {@code packageName.className} and its weights under Kiln's names. */
public final class ImportResult {
  public final String packageName;
  public final String className;
  public final String javaSource;
  public final Weights weights;

  ImportResult(String packageName, String className, String javaSource, Weights weights) {
    this.packageName = packageName;
    this.className = className;
    this.javaSource = javaSource;
    this.weights = weights;
  }

  /** The source file's path under {@code dir}: {@code com/example/MyNet.java}. */
  public Path sourcePath(Path dir) {
    Path p = dir;
    if (!packageName.isEmpty()) for (String s : packageName.split("\\.")) p = p.resolve(s);
    return p.resolve(className + ".java");
  }

  /** The weights file's path under {@code dir}: {@code MyNet.safetensors}. */
  public Path weightsPath(Path dir) {
    return dir.resolve(className + ".safetensors");
  }

  /** Writes {@code dir/com/example/MyNet.java} and {@code dir/MyNet.safetensors}. */
  public void write(Path dir) throws IOException {
    Path src = sourcePath(dir);
    Files.createDirectories(src.getParent());
    Files.write(src, javaSource.getBytes(StandardCharsets.UTF_8));
    weights.save(weightsPath(dir).toFile());
  }
}

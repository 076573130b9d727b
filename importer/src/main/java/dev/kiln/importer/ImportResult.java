package dev.kiln.importer;

import dev.kiln.Weights;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/**
 * The imported model: the Kiln source of {@code packageName.className}, its weights under Kiln's names, and the
 * vocabularies of its text layers (Keras {@code TextVectorization} / {@code StringLookup}, which Kiln runs outside the
 * session with {@code dev.kiln.text}), by file name.
 */
public final class ImportResult {
  public final String packageName;
  public final String className;
  public final String javaSource;
  public final Weights weights;
  /** {@code MyNet.textVectorization.vocabulary.txt} to its bytes (UTF-8, as Keras saves a vocabulary); often empty. */
  public final Map<String, byte[]> vocabularies;

  ImportResult(String packageName, String className, String javaSource, Weights weights, Map<String, byte[]> vocabularies) {
    this.packageName = packageName;
    this.className = className;
    this.javaSource = javaSource;
    this.weights = weights;
    this.vocabularies = Collections.unmodifiableMap(vocabularies);
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

  /** Writes {@code dir/com/example/MyNet.java}, {@code dir/MyNet.safetensors} and the vocabularies beside it. */
  public void write(Path dir) throws IOException {
    Path src = sourcePath(dir);
    Files.createDirectories(src.getParent());
    Files.write(src, javaSource.getBytes(StandardCharsets.UTF_8));
    weights.save(weightsPath(dir).toFile());
    for (Map.Entry<String, byte[]> v : vocabularies.entrySet()) Files.write(dir.resolve(v.getKey()), v.getValue());
  }
}

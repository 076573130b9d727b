package dev.kiln.importer;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.importer.ModelDef.Field;
import dev.kiln.text.StringLookup;
import dev.kiln.text.TextVectorization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.lang.model.SourceVersion;

/**
 * Imports a trained Keras model — a TensorFlow.js layers {@code model.json} (shards beside it), a Keras 3
 * {@code .keras} or a Keras 2 {@code .h5} — as Kiln model source and weights under Kiln's names.
 *
 * <pre>{@code
 * ImportResult r = KerasImporter.importModel(Paths.get("model.json"), "com.example", "MyNet");
 * r.write(outDir);   // outDir/com/example/MyNet.java and outDir/MyNet.safetensors
 * }</pre>
 */
public final class KerasImporter {
  private KerasImporter() {}

  public static ImportResult importModel(Path model, String packageName, String className) throws ImportException {
    String problem = JavaNames.classNameProblem(className);
    if (problem != null) throw new ImportException("--class '" + className + "' " + problem + "; choose another class name");
    if (!packageName.isEmpty() && !SourceVersion.isName(packageName)) throw new ImportException("--package '" + packageName + "' is not a Java package name");
    ModelReader.Loaded loaded = ModelReader.read(model);
    ModelDef root;
    try {
      root = new GraphBuilder(loaded).build(className);
    } catch (IllegalStateException | ClassCastException | NullPointerException | UnsupportedOperationException e) {
      throw new ImportException(loaded.fileName + ": the model config is malformed (" + e + ")", e);
    }
    Set<String> unused = loaded.weights.unused();
    if (!unused.isEmpty()) throw new ImportException(loaded.fileName + ": weights that no layer of the config has: " + WeightStore.preview(unused));
    Map<String, Tensor> kiln = new LinkedHashMap<>();
    collect(root, "", kiln);
    Weights weights = Weights.of(kiln);
    EagerCheck.run(root, weights);
    String source = SourceWriter.write(packageName, root, model.getFileName().toString());
    return new ImportResult(packageName, className, source, weights, vocabularies(root));
  }

  /** Each text layer's vocabulary as Keras writes its {@code vocabulary.txt}, named as the source loads it. */
  private static Map<String, byte[]> vocabularies(ModelDef root) throws ImportException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (ModelDef.TextInput t : root.textInputs) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try {
        if (t.preprocessor instanceof TextVectorization) ((TextVectorization) t.preprocessor).saveVocabulary(bytes);
        else ((StringLookup) t.preprocessor).saveVocabulary(bytes);
      } catch (IOException | IllegalArgumentException e) {
        throw new ImportException("layer '" + t.kerasName + "' (" + t.kerasClass + "): " + e.getMessage(), e);
      }
      out.put(t.vocabularyFile, bytes.toByteArray());
    }
    return out;
  }

  private static void collect(ModelDef m, String scope, Map<String, Tensor> out) {
    for (Field f : m.fields) {
      String path = scope.isEmpty() ? f.name : scope + "/" + f.name;
      if (f.nested != null) collect(f.nested, path, out);
      else for (Map.Entry<String, Tensor> e : f.weights.entrySet()) out.put(path + "/" + e.getKey(), e.getValue());
    }
  }
}

package dev.kiln;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named weights (safetensors or {@code .npz}). Weight files are untrusted input: every size and offset is
 * checked and a malformed file gives an {@link IOException} that says what is wrong.
 * PLACEHOLDER: file formats are implemented in a later step.
 */
public final class Weights {
  private final LinkedHashMap<String, Tensor> tensors;

  private Weights(LinkedHashMap<String, Tensor> tensors) {
    this.tensors = tensors;
  }

  public static Weights of(Map<String, Tensor> tensors) {
    return new Weights(new LinkedHashMap<String, Tensor>(tensors));
  }

  public static Weights load(File file) throws IOException {
    throw new UnsupportedOperationException("not yet");
  }

  public static Weights load(InputStream in) throws IOException {
    throw new UnsupportedOperationException("not yet");
  }

  public void save(OutputStream out) throws IOException {
    throw new UnsupportedOperationException("not yet");
  }

  public Set<String> names() {
    return Collections.unmodifiableSet(tensors.keySet());
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The weight called {@code name}; {@link IllegalArgumentException} naming it when there is none. */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) throw new IllegalArgumentException("no weight named " + name + " (have " + tensors.keySet() + ")");
    return t;
  }
}

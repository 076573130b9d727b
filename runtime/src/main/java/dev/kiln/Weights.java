package dev.kiln;

import dev.kiln.io.NpzReader;
import dev.kiln.io.SafetensorsReader;
import dev.kiln.io.SafetensorsWriter;
import dev.kiln.io.WeightsFormatException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Named weights, read from and written to
 * <a href="https://github.com/huggingface/safetensors">safetensors</a>, or read from NumPy {@code .npz}.
 *
 * <p>Weight files are untrusted input: every size and offset is checked, memory use is bounded by the
 * bytes actually present, and a malformed file gives an {@link IOException} (a
 * {@link WeightsFormatException} for format errors) whose message names the file, the tensor or entry, and
 * what was expected versus found. Heap needed, measured (README, "Untrusted input"): from a file, at most 4
 * times the file's size (BOOL tensors, stored as 4-byte ints; float32 1x, float16 2x, 400,000 scalars 3.4x);
 * from a stream, where declared sizes cannot be checked against a length, the raw bytes of a tensor are held
 * until it is complete: one more time the size. An {@code .npz} archive may decompress to at most
 * {@link NpzReader#ALLOWANCE} plus {@link NpzReader#MAX_EXPANSION} times its own size.
 *
 * <p>Supported element types: safetensors F32, I32, BOOL, F16 and BF16 (both widened to float32); npz
 * {@code <f4}, {@code <i4}, {@code |b1}, {@code <f2} (widened) and {@code <f8} (narrowed to float32,
 * rounding to nearest). {@link #save} writes safetensors (F32, I32, BOOL).
 */
public final class Weights {
  private final LinkedHashMap<String, Tensor> tensors;

  private Weights(LinkedHashMap<String, Tensor> tensors) {
    this.tensors = tensors;
  }

  /** Weights holding the given tensors, in the map's iteration order. */
  public static Weights of(Map<String, Tensor> tensors) {
    return new Weights(new LinkedHashMap<String, Tensor>(tensors));
  }

  /**
   * Reads a weights file. A file starting with a zip signature ({@code PK\3\4}, or {@code PK\5\6} for an
   * empty archive) is read as {@code .npz}, anything else as safetensors; a file named {@code *.npz} must be
   * a zip, and one named {@code *.safetensors} is always read as safetensors. Memory use is bounded by the
   * file's actual size (see the class documentation).
   */
  public static Weights load(File file) throws IOException {
    String source = file.getPath();
    FileInputStream raw = new FileInputStream(file);
    try {
      long length = raw.getChannel().size();
      PushbackInputStream in = new PushbackInputStream(new BufferedInputStream(raw, 1 << 16), 4);
      byte[] magic = peek(in);
      String lower = file.getName().toLowerCase(Locale.ROOT);
      // A safetensors header length of 0x04034B50 starts with "PK\3\4" too; the extension settles it.
      if (isZip(magic) && !lower.endsWith(".safetensors")) return new Weights(NpzReader.read(in, length, source));
      if (lower.endsWith(".npz")) {
        throw new WeightsFormatException(source + ": a .npz file must be a zip archive, but it does not start with PK\\3\\4");
      }
      return new Weights(SafetensorsReader.read(in, length, source));
    } finally {
      raw.close();
    }
  }

  /**
   * Reads weights from a stream (not closed), detecting {@code .npz} by its zip signature, else
   * safetensors. The stream is read to its end; data after the last tensor or after the zip archive is an
   * error. Declared sizes are never trusted for allocation: a tensor's storage is allocated once its bytes
   * have been read.
   */
  public static Weights load(InputStream in) throws IOException {
    String source = "<stream>";
    PushbackInputStream p = new PushbackInputStream(in, 4);
    byte[] magic = peek(p);
    if (isZip(magic)) return new Weights(NpzReader.read(p, -1, source));
    return new Weights(SafetensorsReader.read(p, -1, source));
  }

  /** Writes these weights as safetensors to {@code out} (flushed, not closed). */
  public void save(OutputStream out) throws IOException {
    SafetensorsWriter.write(tensors, out);
    out.flush();
  }

  /** Writes these weights as safetensors to {@code file}. */
  public void save(File file) throws IOException {
    OutputStream out = new BufferedOutputStream(new FileOutputStream(file), 1 << 16);
    try {
      save(out);
    } finally {
      out.close();
    }
  }

  /** The weight names, in insertion (file) order. */
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

  private static byte[] peek(PushbackInputStream in) throws IOException {
    byte[] b = new byte[4];
    int n = 0;
    while (n < 4) {
      int k = in.read(b, n, 4 - n);
      if (k < 0) break;
      n += k;
    }
    in.unread(b, 0, n);
    return n == 4 ? b : new byte[0];
  }

  private static boolean isZip(byte[] m) {
    return m.length == 4 && m[0] == 'P' && m[1] == 'K'
        && ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6));
  }
}

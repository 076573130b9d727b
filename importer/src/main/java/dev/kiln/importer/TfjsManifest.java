package dev.kiln.importer;

import dev.kiln.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The weights of a TF.js model: the {@code weightsManifest}'s groups, each a list of weights stored one after the
 * other across its shard files. A shard must be a regular file inside the model's folder (after resolving
 * {@code ..} and symbolic links), and a group's shards must hold exactly the bytes its weights need; both are
 * checked before anything is read, so memory is bounded by the shards' real size.
 */
final class TfjsManifest {
  /** One weight of a group, checked: its stored element type and size. */
  private static final class Spec {
    final String name;
    final int[] shape;
    final int count;
    final String storeType;
    final int width;
    final float scale;
    final float min;

    Spec(String name, int[] shape, int count, String storeType, int width, float scale, float min) {
      this.name = name;
      this.shape = shape;
      this.count = count;
      this.storeType = storeType;
      this.width = width;
      this.scale = scale;
      this.min = min;
    }

    long bytes() {
      return (long) count * width;
    }
  }

  private final Path modelJson;
  private final Path dir;
  private final Path realDir;
  private final String file;

  private TfjsManifest(Path modelJson) throws ImportException {
    this.modelJson = modelJson;
    this.dir = modelJson.toAbsolutePath().normalize().getParent();
    this.file = modelJson.getFileName().toString();
    try {
      this.realDir = dir.toRealPath();
    } catch (IOException e) {
      throw new ImportException("cannot resolve the folder of " + modelJson + ": " + e.getMessage(), e);
    }
  }

  /** Reads every group of {@code manifest} (an array) into {@code store}. */
  static void read(Path modelJson, JsonValue manifest, WeightStore.Named store) throws ImportException {
    TfjsManifest m = new TfjsManifest(modelJson);
    for (JsonValue group : manifest.elements()) m.group(group, store);
  }

  private void group(JsonValue group, WeightStore.Named store) throws ImportException {
    List<String> paths = new ArrayList<>();
    List<Path> shards = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    long available = 0;
    for (JsonValue p : group.require("paths").elements()) {
      String rel = p.asString();
      Path shard = shard(rel);
      long size;
      try {
        size = Files.size(shard);
      } catch (IOException e) {
        throw new ImportException("cannot read weight shard '" + rel + "': " + e.getMessage(), e);
      }
      paths.add(rel);
      shards.add(shard);
      sizes.add(size);
      available += size;
    }
    List<Spec> specs = new ArrayList<>();
    long need = 0;
    for (JsonValue w : group.require("weights").elements()) {
      Spec s = spec(w);
      specs.add(s);
      need += s.bytes(); // each at most 8 GiB: no overflow for any realistic count of weights
      if (need > available) {
        throw new ImportException("weight '" + s.name + "' needs " + s.bytes() + " bytes at offset " + (need - s.bytes())
            + " but the shards " + paths + " hold only " + available + " bytes: the weight data is truncated");
      }
    }
    if (need != available) {
      throw new ImportException(file + ": the shards " + paths + " hold " + available + " bytes, but the weights of their group"
          + " need " + need + " (" + (available - need) + " bytes that no weight uses)");
    }
    try (InputStream in = new ShardInput(shards, sizes, paths)) {
      byte[] buf = new byte[1 << 16];
      for (Spec s : specs) store.put(s.name, decode(s, in, buf));
    } catch (IOException e) {
      throw new ImportException("cannot read the weight shards " + paths + ": " + e.getMessage(), e);
    }
  }

  /** The shard's real path, which must be a regular file inside the model's folder. */
  private Path shard(String rel) throws ImportException {
    String listed = "weight shard '" + rel + "' listed in " + file;
    Path p;
    try {
      p = dir.resolve(rel).normalize();
    } catch (InvalidPathException e) {
      throw new ImportException(listed + " is not a valid path: " + e.getMessage());
    }
    if (rel.isEmpty() || !p.startsWith(dir) || p.equals(dir)) {
      throw new ImportException(listed + " is outside the model's folder " + dir + " (shards must be files beside " + file + ")");
    }
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      throw new ImportException(listed + " is missing (looked for " + p + ")");
    }
    Path real;
    try {
      real = p.toRealPath();
    } catch (NoSuchFileException e) {
      throw new ImportException(listed + " is missing (" + p + " is a link to nothing)");
    } catch (IOException e) {
      throw new ImportException("cannot resolve " + listed + ": " + e.getMessage(), e);
    }
    if (!real.startsWith(realDir)) {
      throw new ImportException(listed + " resolves to " + real + ", outside the model's folder " + realDir
          + " (through a symbolic link)");
    }
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) throw new ImportException(listed + " is not a regular file");
    return real;
  }

  private Spec spec(JsonValue w) throws ImportException {
    String name = w.require("name").asString();
    String what = file + ": weight '" + name + "'";
    List<JsonValue> dims = w.require("shape").elements();
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) shape[i] = dims.get(i).asLong();
    int count = ImportLimits.weightElements(shape, what);
    int[] intShape = new int[shape.length];
    for (int i = 0; i < shape.length; i++) intShape[i] = (int) shape[i];
    String dtype = w.has("dtype") ? w.get("dtype").asString() : "float32";
    if (!dtype.equals("float32")) {
      throw new ImportException("weight '" + name + "': dtype " + dtype + " is not supported (Kiln layers hold float32 weights)");
    }
    JsonValue q = w.get("quantization");
    String storeType = q.isObject() ? q.require("dtype").asString() : "float32";
    int width;
    switch (storeType) {
      case "float32": width = 4; break;
      case "uint8": width = 1; break;
      case "uint16": case "float16": width = 2; break;
      default: throw new ImportException("weight '" + name + "': quantization dtype " + storeType + " is not supported");
    }
    float scale = q.isObject() && q.has("scale") ? q.get("scale").asFloat() : 1f;
    float min = q.isObject() && q.has("min") ? q.get("min").asFloat() : 0f;
    return new Spec(name, intShape, count, storeType, width, scale, min);
  }

  private static Tensor decode(Spec s, InputStream in, byte[] buf) throws IOException {
    float[] data = new float[s.count];
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    int perChunk = buf.length / s.width;
    for (int done = 0; done < s.count; ) {
      int k = Math.min(perChunk, s.count - done);
      readFully(in, buf, k * s.width);
      for (int i = 0; i < k; i++) {
        switch (s.storeType) {
          case "float32": data[done + i] = b.getFloat(4 * i); break;
          case "uint8": data[done + i] = (buf[i] & 0xff) * s.scale + s.min; break;
          case "uint16": data[done + i] = (b.getShort(2 * i) & 0xffff) * s.scale + s.min; break;
          default: data[done + i] = ModelReader.halfToFloat(b.getShort(2 * i)); break;
        }
      }
      done += k;
    }
    return Tensor.wrap(data, s.shape);
  }

  private static void readFully(InputStream in, byte[] buf, int n) throws IOException {
    for (int done = 0; done < n; ) {
      int k = in.read(buf, done, n - done);
      if (k < 0) throw new IOException("a shard became shorter while it was read");
      done += k;
    }
  }

  /** The shards one after another, each read up to the size measured before (never past it, never through a link). */
  private static final class ShardInput extends InputStream {
    private final List<Path> shards;
    private final List<Long> sizes;
    private final List<String> names;
    private int next;
    private InputStream current;
    private long left;

    ShardInput(List<Path> shards, List<Long> sizes, List<String> names) {
      this.shards = shards;
      this.sizes = sizes;
      this.names = names;
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (current == null || left == 0) {
        if (current != null) current.close();
        current = null;
        if (next == shards.size()) return -1;
        current = Files.newInputStream(shards.get(next), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        left = sizes.get(next++);
      }
      int n = current.read(b, off, (int) Math.min(len, left));
      if (n < 0) throw new IOException("weight shard '" + names.get(next - 1) + "' became shorter while it was read");
      left -= n;
      return n;
    }

    @Override
    public void close() throws IOException {
      if (current != null) current.close();
    }
  }
}

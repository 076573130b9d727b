package dev.kiln.io;

import dev.kiln.Weights;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Measures the heap {@link Weights#load} needs, for the bound stated in the README ("Untrusted input"): for each
 * kind of file, the smallest {@code -Xmx} (1 MB steps) with which a fresh JVM loads it, minus what the same JVM
 * needs to load an empty file. Not a test; run after {@code mvn -pl runtime test-compile}:
 *
 * <pre>
 * java -cp runtime/target/classes:runtime/target/test-classes dev.kiln.io.WeightsHeapBound /tmp/heap
 * </pre>
 */
public final class WeightsHeapBound {
  private WeightsHeapBound() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].startsWith("--load")) {
      File f = new File(args[1]);
      if (args[0].equals("--load-file")) {
        Weights.load(f);
      } else {
        try (InputStream in = new BufferedInputStream(new FileInputStream(f))) {
          Weights.load(in);
        }
      }
      return;
    }
    File dir = new File(args.length > 0 ? args[0] : "target/heap-bound");
    dir.mkdirs();
    File empty = write(new File(dir, "empty.safetensors"), "{}", 0, 0, 0);
    int base = minimumHeap(empty, "--load-file");
    System.out.printf("baseline (empty file): %d MB%n", base);
    System.out.println("| file | size | heap, from a file | heap, from a stream |");
    System.out.println("|---|---|---|---|");
    report("400,000 F32 scalars", scalars(new File(dir, "scalars.safetensors"), 400_000), base);
    report("one F32 tensor", write(new File(dir, "f32.safetensors"), "F32", 4, 16 << 20, 1), base);
    report("one F16 tensor", write(new File(dir, "f16.safetensors"), "F16", 2, 16 << 20, 1), base);
    report("one BOOL tensor", write(new File(dir, "bool.safetensors"), "BOOL", 1, 64 << 20, 1), base);
    report("npz, one stored <f4 array", npz(new File(dir, "stored.npz"), false), base);
    report("npz, one deflated <f4 array (random)", npz(new File(dir, "deflated.npz"), true), base);
  }

  private static void report(String what, File f, int base) throws Exception {
    double mb = f.length() / 1048576.0;
    int file = minimumHeap(f, "--load-file") - base;
    int stream = minimumHeap(f, "--load-stream") - base;
    System.out.printf(Locale.ROOT, "| %s | %.1f MB | %d MB (%.1fx) | %d MB (%.1fx) |%n", what, mb, file, file / mb, stream, stream / mb);
  }

  /** The smallest -Xmx in MB with which a child JVM loads {@code f}, by bisection. */
  private static int minimumHeap(File f, String mode) throws Exception {
    int lo = 2;
    int hi = 2048;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (loads(f, mode, mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private static boolean loads(File f, String mode, int mb) throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p = new ProcessBuilder(java, "-Xmx" + mb + "m", "-XX:+UseSerialGC", "-Xmn1m", "-cp", System.getProperty("java.class.path"),
        WeightsHeapBound.class.getName(), mode, f.getPath()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return p.waitFor() == 0;
  }

  private static File write(File f, String dtype, int size, int count, int tensors) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f.toPath()))) {
      String header = tensors == 0 ? "{}" : "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + count + "],\"data_offsets\":[0,"
          + (long) count * size + "]}}";
      byte[] h = header.getBytes(StandardCharsets.UTF_8);
      out.write(Fixtures.safetensors(h.length, h, new byte[0]));
      byte[] chunk = new byte[1 << 16];
      for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) (dtype.equals("BOOL") ? i & 1 : 0x3c);
      for (long left = (long) count * size; left > 0; left -= chunk.length) out.write(chunk, 0, (int) Math.min(left, chunk.length));
    }
    return f;
  }

  private static File scalars(File f, int n) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f.toPath()))) {
      StringBuilder header = new StringBuilder("{");
      for (int i = 0; i < n; i++) {
        header.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[")
            .append(4L * i).append(',').append(4L * i + 4).append("]}");
      }
      byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
      out.write(Fixtures.safetensors(h.length, h, new byte[0]));
      out.write(new byte[4 * n]);
    }
    return f;
  }

  private static File npz(File f, boolean deflated) throws IOException {
    java.util.Random r = new java.util.Random(1);
    try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(f.toPath())))) {
      zip.setMethod(ZipOutputStream.DEFLATED);
      zip.setLevel(deflated ? 6 : 0); // level 0: deflate's stored blocks, so the archive is as large as the data
      zip.putNextEntry(new ZipEntry("w.npy"));
      zip.write(Fixtures.npy(1, Fixtures.dict("<f4", "(16777216,)"), new byte[0]));
      byte[] chunk = new byte[1 << 16];
      for (int i = 0; i < 1024; i++) {
        r.nextBytes(chunk);
        zip.write(chunk);
      }
      zip.closeEntry();
    }
    return f;
  }
}

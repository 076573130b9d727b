package dev.kiln.io;

import static dev.kiln.io.Fixtures.dict;
import static dev.kiln.io.Fixtures.npy;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Random mutations of valid files must load or throw IOException: never anything else. */
class WeightsFuzzTest {
  private static final long BASE_SEED = 0x6B696C6EL; // "kiln"
  private static final int ITERATIONS = Integer.getInteger("kiln.fuzz.iterations", 2000);

  @TempDir File dir;

  private static List<byte[]> seeds() throws IOException {
    List<byte[]> out = new ArrayList<>();
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("kernel", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    m.put("bias", Tensor.ofInts(new int[] {7, 8, 9}, 3));
    m.put("mask", Tensor.ofBooleans(new boolean[] {true, false}, 2));
    m.put("s", Tensor.scalar(1));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Weights.of(m).save(bytes);
    out.add(bytes.toByteArray());
    out.add(Fixtures.safetensors("{\"__metadata__\":{\"a\":\"b\"},"
        + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]}}", Fixtures.shorts(0x3C00, 0x7C00, 0x3F80, 1)));
    for (boolean stored : new boolean[] {true, false}) {
      out.add(Fixtures.zip(stored,
          "k.npy", npy(1, dict("<f4", "(2, 3)"), Fixtures.floats(1, 2, 3, 4, 5, 6)),
          "b.npy", npy(2, dict("<i4", "(3,)"), Fixtures.ints(7, 8, 9)),
          "d.npy", npy(1, dict("<f8", "()"), Fixtures.doubles(0.5)),
          "m.npy", npy(3, dict("|b1", "(0,)"), new byte[0])));
    }
    return out;
  }

  @Test
  void mutationsLoadOrThrowIOException() throws Exception {
    List<byte[]> seeds = seeds();
    for (byte[] s : seeds) Fixtures.load(s); // the seeds themselves are valid
    int loaded = 0;
    int rejected = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      long seed = BASE_SEED + i;
      Random r = new Random(seed);
      byte[] original = seeds.get(r.nextInt(seeds.size()));
      byte[] mutated = mutate(original, r);
      boolean viaFile = i % 16 == 0;
      try {
        if (viaFile) {
          File f = new File(dir, "fuzz" + i + (r.nextBoolean() ? ".npz" : ".safetensors"));
          Files.write(f.toPath(), mutated);
          Weights.load(f);
        } else {
          Fixtures.load(mutated);
        }
        loaded++;
      } catch (IOException expected) {
        rejected++;
      } catch (Throwable t) {
        StringWriter trace = new StringWriter();
        t.printStackTrace(new PrintWriter(trace));
        fail("iteration " + i + ", seed " + seed + " (new Random(" + seed + "L)), via " + (viaFile ? "file" : "stream")
            + ": " + t + "\nmutated bytes: " + Arrays.toString(mutated) + "\n" + trace);
      }
    }
    System.out.println("WeightsFuzzTest: " + loaded + " mutations loaded, " + rejected + " rejected");
    // Both outcomes occur, so the mutations neither always break nor never touch the parsed parts.
    assertTrue(loaded > ITERATIONS / 50, "loaded " + loaded);
    assertTrue(rejected > ITERATIONS / 2, "rejected " + rejected);
  }

  private static byte[] mutate(byte[] in, Random r) {
    byte[] b = in.clone();
    int rounds = 1 + r.nextInt(3);
    for (int k = 0; k < rounds && b.length > 0; k++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(8)) {
        case 0: // flip a bit
          b[at] ^= (byte) (1 << r.nextInt(8));
          break;
        case 1: // random byte
          b[at] = (byte) r.nextInt(256);
          break;
        case 2: // interesting byte
          b[at] = (byte) new int[] {0, 0xff, 0x7f, 0x80, '-', '9', '"', '{', '[', ',', ']', '}', '(', ')'}[r.nextInt(14)];
          break;
        case 3: // truncate
          b = Arrays.copyOf(b, at);
          break;
        case 4: { // insert random bytes
          byte[] ins = new byte[1 + r.nextInt(8)];
          r.nextBytes(ins);
          byte[] nb = new byte[b.length + ins.length];
          System.arraycopy(b, 0, nb, 0, at);
          System.arraycopy(ins, 0, nb, at, ins.length);
          System.arraycopy(b, at, nb, at + ins.length, b.length - at);
          b = nb;
          break;
        }
        case 5: { // delete a range
          int len = Math.min(b.length - at, 1 + r.nextInt(8));
          byte[] nb = new byte[b.length - len];
          System.arraycopy(b, 0, nb, 0, at);
          System.arraycopy(b, at + len, nb, at, b.length - at - len);
          b = nb;
          break;
        }
        case 6: // overwrite 4 bytes with an extreme little-endian int (sizes, lengths, offsets)
          if (at + 4 <= b.length) {
            int v = new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 20, 100_000_000, b.length}[r.nextInt(7)];
            ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(v);
          }
          break;
        default: // rewrite the safetensors header length
          if (b.length >= 8) {
            long v = new long[] {0, 7, b.length, b.length - 8, 1L << 40, -1L, r.nextInt(200)}[r.nextInt(7)];
            ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
          }
          break;
      }
    }
    return b;
  }
}

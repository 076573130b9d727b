package dev.kiln.example;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes the {@code mlp} command's weights: seeded random Glorot-uniform kernels and small random biases for
 * {@link Mlp} (784-128-10), as safetensors.
 *
 * <pre>
 * mvn -q -pl example-app exec:java -Dexec.mainClass=dev.kiln.example.MakeMlpWeights \
 *     -Dexec.args=src/main/resources/mlp.safetensors
 * </pre>
 *
 * The output is a pure function of {@link #SEED}: running it again gives the same bytes.
 */
public final class MakeMlpWeights {
  public static final long SEED = 20240607L;

  private MakeMlpWeights() {}

  public static void main(String[] args) throws IOException {
    File out = new File(args.length > 0 ? args[0] : "example-app/src/main/resources/mlp.safetensors");
    File dir = out.getAbsoluteFile().getParentFile();
    if (dir != null && !dir.isDirectory() && !dir.mkdirs()) throw new IOException("cannot create " + dir);
    Weights w = weights(SEED);
    w.save(out);
    System.out.println("wrote " + out + " (" + out.length() + " bytes): " + w.names());
  }

  /** The weights for {@code seed}. */
  public static Weights weights(long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("hidden/kernel", glorot(r, 784, 128));
    m.put("hidden/bias", uniform(r, 0.05f, 128));
    m.put("out/kernel", glorot(r, 128, 10));
    m.put("out/bias", uniform(r, 0.05f, 10));
    return Weights.of(m);
  }

  private static Tensor glorot(Random r, int in, int out) {
    return uniform(r, (float) Math.sqrt(6.0 / (in + out)), in, out);
  }

  private static Tensor uniform(Random r, float limit, int... shape) {
    int n = 1;
    for (int d : shape) n *= d;
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (r.nextFloat() * 2f - 1f) * limit;
    return Tensor.of(v, shape);
  }
}

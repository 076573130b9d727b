package dev.kiln.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One inference per invocation, input tensor creation and output read included. {@code config} is
 * {@code model-batch}; the setup checks the engine against Kiln compiled (within 1e-4) before any timing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ModelBench {
  @Param({"mlp-1", "mlp-64", "cnn-1", "cnn-64", "mnv2-1", "mnv2-8"})
  public String config;

  @Param({"kiln", "kiln-into-1t", "kiln-into", "kiln-vector-1t", "kiln-vector", "kiln-eager", "tf-1t", "tf", "ort-1t",
      "ort"})
  public String engine;

  private Engine e;
  private float[] in;
  private float[] out;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    String model = config.substring(0, config.indexOf('-'));
    int batch = Integer.parseInt(config.substring(config.indexOf('-') + 1));
    ModelSpec spec = ModelSpec.byName(model);
    if (spec == null) throw new IllegalStateException(model + " is not compiled into this benchmark jar");
    if (!engine.equals("kiln")) Check.verify(spec, engine, batch);
    e = Engines.open(engine, spec, batch);
    in = Data.input(batch * spec.sampleSize());
    out = new float[batch * spec.outputSize()];
  }

  @Benchmark
  public float[] infer() throws Exception {
    e.run(in, out);
    return out;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    e.close();
  }
}

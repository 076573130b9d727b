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
 * One inference of a sequence model per invocation, input tensor creation and output read included. {@code config} is
 * {@code model-length-batch}; the setup checks the engine against Kiln compiled (within 1e-4) before any timing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SequenceBench {
  @Param({"lstm-32-1", "lstm-32-32", "lstm-256-1", "lstm-256-32", "encoder-128-1", "encoder-128-32"})
  public String config;

  @Param({"kiln", "kiln-into-1t", "kiln-into", "kiln-vector-1t", "kiln-vector", "kiln-eager", "tf-1t", "tf", "ort-1t",
      "ort"})
  public String engine;

  private SequenceEngine e;
  private Object in;
  private float[] out;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    String[] p = config.split("-");
    SequenceSpec spec = SequenceSpec.byName(p[0]);
    int length = Integer.parseInt(p[1]);
    int batch = Integer.parseInt(p[2]);
    if (!engine.equals("kiln")) SequenceCheck.verify(spec, engine, batch, length);
    e = SequenceEngines.open(engine, spec, batch, length);
    in = spec.input(batch, length);
    out = new float[batch * spec.outputSize(length)];
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

package dev.kiln.processor.testing;

import com.google.testing.compile.JavaFileObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import javax.tools.JavaFileObject;

/**
 * Runs a generator of random models: compiles them in batches (one javac run for many models is several times faster
 * than one each), then checks each; a compile failure names the seeds of its batch.
 */
public final class GeneratedModels {
  /** A generated model: its seed, class name ({@code com.example.<name>}) and source. */
  public interface Generated {
    String name();

    String source();
  }

  /** Checks one compiled model; returns its error. */
  public interface Check<M> {
    double check(CompiledModels models, M model);
  }

  private GeneratedModels() {}

  /** Generates models {@code baseSeed .. baseSeed + total - 1}, compiles and checks them; returns the worst error. */
  public static <M extends Generated> double run(int total, int perCompilation, long baseSeed, LongFunction<M> generator,
      List<JavaFileObject> shared, Check<M> check) throws java.io.IOException {
    int done = 0;
    double worst = 0;
    while (done < total) {
      int n = Math.min(perCompilation, total - done);
      List<M> batch = new ArrayList<>();
      List<JavaFileObject> sources = new ArrayList<>(shared);
      for (int i = 0; i < n; i++) {
        M m = generator.apply(baseSeed + done + i);
        batch.add(m);
        sources.add(JavaFileObjects.forSourceString("com.example." + m.name(), m.source()));
      }
      CompiledModels models;
      try {
        models = CompiledModels.compile(sources.toArray(new JavaFileObject[0]));
      } catch (AssertionError e) {
        throw new AssertionError("seeds " + (baseSeed + done) + " to " + (baseSeed + done + n - 1) + ": " + e.getMessage(), e);
      }
      for (M m : batch) worst = Math.max(worst, check.check(models, m));
      done += n;
    }
    return worst;
  }
}

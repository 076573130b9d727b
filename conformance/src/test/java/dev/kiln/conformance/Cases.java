package dev.kiln.conformance;

import dev.kiln.Tensor;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.DynamicTest;
import org.tensorflow.Operand;

/** Builds one dynamic conformance case: a Kiln computation against a TensorFlow graph. */
final class Cases {
  private Cases() {}

  /**
   * A case named {@code family: name}: runs {@code kiln}, evaluates the graph that {@code tf} builds with TF Java,
   * and checks them with {@link Check#close}.
   */
  static DynamicTest of(String family, String name, Supplier<Tensor> kiln, Function<Tf, Operand<?>> tf) {
    return of(family, name, Check.TOL, kiln, tf);
  }

  static DynamicTest of(String family, String name, double tol, Supplier<Tensor> kiln, Function<Tf, Operand<?>> tf) {
    return DynamicTest.dynamicTest(family + ": " + name, () -> {
      Tensor ref = Tf.eval(tf);
      Tensor got = kiln.get();
      Check.close(family, name, got, ref, tol);
    });
  }

  static String s(int... shape) {
    return Arrays.toString(shape);
  }
}

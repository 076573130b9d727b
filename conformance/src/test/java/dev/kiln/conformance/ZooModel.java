package dev.kiln.conformance;

import dev.kiln.Session;
import dev.kiln.SessionOptions;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.vector.VectorKernels;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model of {@code dev.kiln.conformance.models} by its zoo and class name, with the session the processor generated
 * for it (found reflectively): its eager {@code call}, and the {@code call} of a session opened on each kernel set.
 */
final class ZooModel {
  /** The kernel sets every compiled session is checked on, by the suffix of the family they are recorded under. */
  static final Map<String, SessionOptions> KERNELS = new LinkedHashMap<>();

  static {
    KERNELS.put("", SessionOptions.defaults());
    KERNELS.put(" vector", SessionOptions.defaults().kernels(VectorKernels.FACTORY));
  }

  final Class<?> model;
  final Class<?> session;

  ZooModel(String zoo, String name) {
    try {
      model = Class.forName("dev.kiln.conformance.models." + zoo + "$" + name);
      session = Class.forName("dev.kiln.conformance.models.Kiln" + zoo + "_" + name);
    } catch (ClassNotFoundException e) {
      throw new AssertionError(zoo + "." + name + " is not a model compiled by the processor", e);
    }
  }

  Tensor eager(Weights w, Tensor... in) throws ReflectiveOperationException {
    Object m = model.getDeclaredConstructor().newInstance();
    session.getMethod("loadInto", model, Weights.class).invoke(null, m, w);
    return (Tensor) call(model, m, in);
  }

  Tensor compiled(Weights w, SessionOptions options, Tensor... in) throws Exception {
    Object opened = session.getMethod("open", Weights.class, SessionOptions.class).invoke(null, w, options);
    try (Session s = (Session) opened) {
      return (Tensor) call(session, s, in);
    }
  }

  /**
   * The eager model ({@code <family>:eager}) and the compiled session on each of {@link #KERNELS}
   * ({@code <family>:compiled}, {@code <family>:compiled vector}) against {@code ref}.
   */
  void check(String family, String what, Weights w, Tensor ref, double tol, Tensor... in) throws Exception {
    Check.close(family + ":eager", what, eager(w, in), ref, tol);
    for (Map.Entry<String, SessionOptions> k : KERNELS.entrySet()) {
      Check.close(family + ":compiled" + k.getKey(), what, compiled(w, k.getValue(), in), ref, tol);
    }
  }

  /** The public {@code call} of {@code in.length} tensors. */
  private static Object call(Class<?> c, Object target, Tensor[] in) throws ReflectiveOperationException {
    Class<?>[] types = new Class<?>[in.length];
    Arrays.fill(types, Tensor.class);
    return c.getMethod("call", types).invoke(target, (Object[]) in);
  }
}

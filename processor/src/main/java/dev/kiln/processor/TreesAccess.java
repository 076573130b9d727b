package dev.kiln.processor;

import com.sun.source.util.Trees;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import javax.annotation.processing.ProcessingEnvironment;

/**
 * Gets javac's {@link Trees} for a processing environment, unwrapping the wrappers that build tools put around
 * javac's own environment (Gradle's incremental processing, IntelliJ's proxy). Compiler quirks live here only, as
 * AutoValue keeps its in {@code EclipseHack}. Returns null where no Trees API exists (Eclipse compiler, kapt).
 */
final class TreesAccess {
  private TreesAccess() {}

  static Trees trees(ProcessingEnvironment env) {
    ProcessingEnvironment current = env;
    for (int depth = 0; depth < 5 && current != null; depth++) {
      try {
        return Trees.instance(current);
      } catch (IllegalArgumentException | NoClassDefFoundError e) {
        current = unwrap(current);
      }
    }
    return null;
  }

  /** The environment a wrapper delegates to, found by looking for a field of that type. */
  private static ProcessingEnvironment unwrap(ProcessingEnvironment env) {
    Object target = env;
    if (Proxy.isProxyClass(env.getClass())) {
      InvocationHandler h = Proxy.getInvocationHandler(env);
      target = h;
    }
    for (Class<?> c = target.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (ProcessingEnvironment.class.isAssignableFrom(f.getType()) || f.getName().equals("delegate")
            || f.getName().startsWith("val$")) {
          try {
            f.setAccessible(true);
            Object v = f.get(target);
            if (v instanceof ProcessingEnvironment && v != env) return (ProcessingEnvironment) v;
          } catch (ReflectiveOperationException | RuntimeException ignored) {
            // Not this field.
          }
        }
      }
    }
    return null;
  }
}

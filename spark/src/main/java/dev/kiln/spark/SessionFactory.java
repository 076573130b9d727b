package dev.kiln.spark;

import dev.kiln.Session;
import java.io.Serializable;

/**
 * Opens the session a {@link KilnTransformer} scores with: one line written by the user, Java-serialized to the
 * executors with the transformer.
 *
 * <pre>{@code
 * SessionFactory factory = () -> KilnDigitsNet.open(Weights.load(Job.class.getResourceAsStream("/digits.safetensors")));
 * }</pre>
 *
 * <p>It runs at most once per JVM (each executor, and the driver, which reads the model's input and output shapes
 * from {@link Session#staticGraph()}); the session it returns is shared by all the tasks of that JVM, which call it
 * from several threads at once (generated sessions allow that). Weights may come from a classpath resource of the
 * application jar or from a broadcast byte array captured by the lambda ({@code Weights.load(new
 * ByteArrayInputStream(broadcast.value()))}). Two factories that serialize to the same bytes share one session.
 */
@FunctionalInterface
public interface SessionFactory extends Serializable {
  /** A new session of a generated {@code Kiln<Model>} class. */
  Session open() throws Exception;
}

package dev.kiln.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A {@link SessionFactory} as Java-serialized bytes: how it is saved with a transformer, and the key under which
 * a JVM keeps its session (the SHA-256 of the bytes, so equal factories share one session).
 */
final class FactoryBytes {
  private FactoryBytes() {}

  static byte[] serialize(SessionFactory factory) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(factory);
    } catch (IOException e) {
      throw new IllegalArgumentException("the SessionFactory " + factory.getClass().getName()
          + " cannot be serialized (" + e + "); it and everything it captures must be Serializable", e);
    }
    return bytes.toByteArray();
  }

  /**
   * The factory in {@code bytes}, its classes resolved through the thread's context class loader, where Spark
   * puts the application jar on executors and on the driver.
   */
  static SessionFactory deserialize(byte[] bytes, String where) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try (ObjectInputStream in = new ContextObjectInputStream(new ByteArrayInputStream(bytes), loader)) {
      return (SessionFactory) in.readObject();
    } catch (IOException | ClassNotFoundException | ClassCastException e) {
      throw new IllegalArgumentException("cannot read the SessionFactory saved in " + where + " (" + e
          + "); its class must be on the class path of the driver and the executors", e);
    }
  }

  static String key(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      StringBuilder hex = new StringBuilder(2 * digest.length);
      for (byte b : digest) hex.append(Character.forDigit((b >> 4) & 15, 16)).append(Character.forDigit(b & 15, 16));
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Resolves classes through a given loader (the default would use the loader of the first user frame). */
  private static final class ContextObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    ContextObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      if (loader == null) return super.resolveClass(desc);
      try {
        return Class.forName(desc.getName(), false, loader);
      } catch (ClassNotFoundException e) {
        return super.resolveClass(desc);
      }
    }
  }
}

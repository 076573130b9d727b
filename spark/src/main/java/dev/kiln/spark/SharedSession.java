package dev.kiln.spark;

import dev.kiln.Session;
import java.io.Serializable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link SessionFactory} with the JVM-wide session it opens: the first task of an executor that needs it runs
 * the factory (others wait for it), later tasks, and later transforms with an equal factory, reuse the session.
 * Serialized with the transformer's closures; the sessions stay in this JVM until it exits.
 */
final class SharedSession implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ConcurrentHashMap<String, Session> SESSIONS = new ConcurrentHashMap<>();

  private final SessionFactory factory;
  /** SHA-256 of the serialized factory: equal factories share one session. */
  private final String key;

  SharedSession(SessionFactory factory) {
    if (factory == null) throw new NullPointerException("factory");
    this.factory = factory;
    this.key = FactoryBytes.key(FactoryBytes.serialize(factory));
  }

  SessionFactory factory() {
    return factory;
  }

  /** This JVM's session, opened by the factory on first use. */
  Session session() {
    Session s = SESSIONS.get(key);
    return s != null ? s : SESSIONS.computeIfAbsent(key, k -> open());
  }

  private Session open() {
    Session s;
    try {
      s = factory.open();
    } catch (Exception e) {
      throw new IllegalStateException("Kiln: the SessionFactory " + factory.getClass().getName() + " failed: " + e, e);
    }
    if (s == null) throw new IllegalStateException("Kiln: the SessionFactory " + factory.getClass().getName() + " returned null");
    return s;
  }
}

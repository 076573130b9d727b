package dev.kiln.session;

import java.util.ArrayList;
import java.util.List;

/**
 * The per-thread arenas of a generated session: each thread that calls the session gets its own, so concurrent calls
 * never share buffers and steady-state calls allocate nothing. {@link #release()} (the session's {@code close()})
 * drops every thread's buffers at once instead of waiting for the session to be collected.
 *
 * @param <A> the generated arena class
 */
public abstract class ThreadArenas<A extends ThreadArenas.Arena> {
  /** An arena: buffers sized for the run-time dimensions seen so far. */
  public interface Arena {
    /** Drops the buffers; the arena grows them again on its next use. */
    void release();
  }

  private final List<A> all = new ArrayList<A>();
  private final ThreadLocal<A> mine = new ThreadLocal<A>() {
    @Override
    protected A initialValue() {
      A a = create();
      synchronized (all) {
        all.add(a);
      }
      return a;
    }
  };

  /** A new, empty arena for the calling thread. */
  protected abstract A create();

  /** The calling thread's arena. */
  public final A get() {
    return mine.get();
  }

  /** Releases every thread's arena; must not run while a call is in progress on another thread. */
  public final void release() {
    synchronized (all) {
      for (A a : all) a.release();
      all.clear();
    }
    mine.remove();
  }
}

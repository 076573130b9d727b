package dev.kiln.session;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
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

  /** Weakly: the arena of a thread that ended goes with it (a server may call from thousands of short threads). */
  private final List<WeakReference<A>> all = new ArrayList<WeakReference<A>>();
  private final ThreadLocal<A> mine = new ThreadLocal<A>() {
    @Override
    protected A initialValue() {
      A a = create();
      synchronized (all) {
        for (Iterator<WeakReference<A>> it = all.iterator(); it.hasNext(); ) {
          if (it.next().get() == null) it.remove();
        }
        all.add(new WeakReference<A>(a));
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

  /** How many arenas are still reachable (tests). */
  int live() {
    synchronized (all) {
      int n = 0;
      for (WeakReference<A> ref : all) if (ref.get() != null) n++;
      return n;
    }
  }

  /** Releases every thread's arena; must not run while a call is in progress on another thread. */
  public final void release() {
    synchronized (all) {
      for (WeakReference<A> ref : all) {
        A a = ref.get();
        if (a != null) a.release();
      }
      all.clear();
    }
    mine.remove();
  }
}

package dev.kiln.session;

import static com.google.common.truth.Truth.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-thread arenas: one per thread, released together on close, and gone with their threads. */
class ThreadArenasTest {
  static final class CountingArena implements ThreadArenas.Arena {
    final AtomicInteger releases;
    final float[] buffer = new float[1 << 16];

    CountingArena(AtomicInteger releases) {
      this.releases = releases;
    }

    @Override
    public void release() {
      releases.incrementAndGet();
    }
  }

  @Test
  void oneArenaPerThreadReleasedOnCloseAndCollectedWithItsThread() throws Exception {
    AtomicInteger releases = new AtomicInteger();
    ThreadArenas<CountingArena> arenas = new ThreadArenas<CountingArena>() {
      @Override
      protected CountingArena create() {
        return new CountingArena(releases);
      }
    };
    assertThat(arenas.get()).isSameInstanceAs(arenas.get());
    for (int i = 0; i < 200; i++) {
      Thread t = new Thread(arenas::get);
      t.start();
      t.join();
    }
    for (int i = 0; i < 5 && arenas.live() > 1; i++) System.gc();
    // the 200 short threads' arenas went with them; the test thread's stays
    assertThat(arenas.live()).isEqualTo(1);
    arenas.release();
    assertThat(releases.get()).isEqualTo(1);
    assertThat(arenas.live()).isEqualTo(0);
  }
}

package dev.kiln.processor.frontend;

import com.sun.source.tree.Tree;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Bounds the work of reading one model, so a mistaken loop bound is a clear error instead of javac running for
 * minutes. Kiln unrolls every loop into straight-line code; the limits are far above real models (MobileNetV2 unrolls
 * a few dozen iterations into about 420 ops) and low enough that reaching them takes seconds, not minutes.
 */
final class UnrollBudget {
  /** Loop iterations run at compile time, all loops of the model together (constructors included). */
  static final int MAX_ITERATIONS = 100_000;
  /** Ops in the traced graph. */
  static final int MAX_GRAPH_OPS = 20_000;

  private static final class ActiveLoop {
    final Frame frame;
    final Tree loop;

    ActiveLoop(Frame frame, Tree loop) {
      this.frame = frame;
      this.loop = loop;
    }
  }

  private final Deque<ActiveLoop> loops = new ArrayDeque<>();
  private int iterations;

  void enterLoop(Frame frame, Tree loop) {
    loops.push(new ActiveLoop(frame, loop));
  }

  void exitLoop() {
    loops.pop();
  }

  /** Counts one more unrolled iteration of the innermost loop. */
  void iteration() {
    if (++iterations > MAX_ITERATIONS) {
      ActiveLoop blamed = blamedLoop();
      throw new AbortRead(blamed.frame.error("this loop unrolls more than " + String.format("%,d", MAX_ITERATIONS)
          + " iterations at compile time (with the loops inside and around it): Kiln unrolls every loop into"
          + " straight-line code, so a bound this large is most likely a mistake", blamed.loop));
    }
  }

  /** Checks the size of the traced graph after {@code statement} ran in {@code frame}. */
  void graphHas(int ops, Frame frame, Tree statement) {
    if (ops <= MAX_GRAPH_OPS) return;
    String limit = String.format("%,d", MAX_GRAPH_OPS);
    if (loops.isEmpty()) {
      throw new AbortRead(frame.error("the traced graph grows past " + limit + " ops here: Kiln generates straight-line"
          + " code for every op, so a model this large is most likely a mistake", statement));
    }
    ActiveLoop blamed = blamedLoop();
    throw new AbortRead(blamed.frame.error("this loop unrolls into more than " + limit + " ops at compile time: Kiln"
        + " unrolls every loop into straight-line code, so a bound this large is most likely a mistake", blamed.loop));
  }

  /**
   * The loop to point at: the outermost one of the method that runs the innermost loop. Its bound, with the
   * nested ones, made the count; an outer loop in a calling method (over blocks, say) is rarely the mistake.
   */
  private ActiveLoop blamedLoop() {
    ActiveLoop innermost = loops.peek();
    ActiveLoop blamed = innermost;
    for (ActiveLoop l : loops) {
      if (l.frame == innermost.frame) blamed = l;
    }
    return blamed;
  }
}

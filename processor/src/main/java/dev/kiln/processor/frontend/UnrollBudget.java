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
  /** Statements run at compile time: bounds helpers that call helpers many times over, with no loop to blame. */
  static final int MAX_STATEMENTS = 1_000_000;

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
  private int statements;

  void enterLoop(Frame frame, Tree loop) {
    loops.push(new ActiveLoop(frame, loop));
  }

  void exitLoop() {
    loops.pop();
  }

  /** Counts one more unrolled iteration of the innermost loop. */
  void iteration() {
    if (++iterations > MAX_ITERATIONS) {
      throw exceeded(null, null, null, "unrolls more than " + String.format("%,d", MAX_ITERATIONS)
          + " iterations at compile time (with the loops inside and around it)");
    }
  }

  /** Counts one more statement, {@code statement} in {@code frame}. */
  void statement(Frame frame, Tree statement) {
    if (++statements <= MAX_STATEMENTS) return;
    String limit = String.format("%,d", MAX_STATEMENTS);
    throw exceeded(frame, statement, "reading the model runs more than " + limit + " statements at compile time by"
        + " here: do helper methods call each other many times over?", "runs more than " + limit + " statements at compile time");
  }

  /** Checks the size of the traced graph after {@code statement} ran in {@code frame}. */
  void graphHas(int ops, Frame frame, Tree statement) {
    if (ops <= MAX_GRAPH_OPS) return;
    String limit = String.format("%,d", MAX_GRAPH_OPS);
    throw exceeded(frame, statement, "the traced graph grows past " + limit + " ops here: Kiln generates straight-line"
        + " code for every op, so a model this large is most likely a mistake", "unrolls into more than " + limit
        + " ops at compile time");
  }

  /** Stops reading at the blamed loop, or at {@code statement} with {@code withoutLoop} when no loop runs. */
  private AbortRead exceeded(Frame frame, Tree statement, String withoutLoop, String loopDoes) {
    if (loops.isEmpty()) return new AbortRead(frame.error(withoutLoop, statement));
    ActiveLoop blamed = blamedLoop();
    return new AbortRead(blamed.frame.error("this loop " + loopDoes + ": Kiln unrolls every loop into straight-line"
        + " code, so a bound this large is most likely a mistake", blamed.loop));
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

package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.Trees;
import dev.kiln.graph.Tracer;
import java.util.HashMap;
import java.util.Map;

/**
 * Tags traced graph nodes with the source line that made them ({@code Mlp.java:12}) and keeps that line's text,
 * so generated code can say where each op came from.
 */
final class SourceOrigins {
  private final Trees trees;
  private final Map<String, String> sourceText = new HashMap<>();

  SourceOrigins(Trees trees) {
    this.trees = trees;
  }

  /** Origin ({@code Mlp.java:12}) to the first line of the statement's text. */
  Map<String, String> sourceText() {
    return sourceText;
  }

  /** Nodes traced from now on come from {@code tree}; constructors trace nothing, so they are skipped. */
  void mark(Frame frame, Tree tree) {
    Tracer tracer = Tracer.active();
    if (tracer == null || frame.mode == Frame.Mode.CONSTRUCT) return;
    SourcePositions pos = trees.getSourcePositions();
    long start = pos.getStartPosition(frame.unit, tree);
    long line = frame.unit.getLineMap().getLineNumber(start);
    String origin = fileName(frame.unit) + ":" + line;
    tracer.setOrigin(origin);
    if (!sourceText.containsKey(origin)) {
      String text = tree.toString();
      int nl = text.indexOf('\n');
      if (nl >= 0) text = text.substring(0, nl);
      sourceText.put(origin, text.trim());
    }
  }

  static String fileName(CompilationUnitTree unit) {
    String name = unit.getSourceFile().getName();
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    return name.substring(slash + 1);
  }
}

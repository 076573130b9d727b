package dev.kiln.processor.check;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;

/**
 * A user mistake found while reading a model: a message and the tree it belongs to. Thrown by the front end
 * to abandon the construct at hand; caught where reading can go on, and always reported at {@link #tree()}.
 * Subclasses mark kinds of mistake that an enclosing construct may word more precisely.
 */
public class KilnDiagnostic extends RuntimeException {
  private final Tree tree;
  private final CompilationUnitTree unit;

  public KilnDiagnostic(String message, Tree tree, CompilationUnitTree unit) {
    super(message.startsWith("Kiln: ") ? message : "Kiln: " + message, null, false, false);
    this.tree = tree;
    this.unit = unit;
  }

  public Tree tree() {
    return tree;
  }

  public CompilationUnitTree unit() {
    return unit;
  }
}

package dev.kiln.processor.check;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.HashSet;
import java.util.Set;
import javax.annotation.processing.Messager;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic.Kind;

/**
 * Reports diagnostics at the user's source position and counts errors, in the manner of AutoValue's
 * {@code ErrorReporter}: reporting never throws, so one compile shows every mistake of a class.
 *
 * <p>The same message at the same place is printed once: a user layer used by two models, or a mistake that
 * both the round's validation and the interpreter find, would otherwise repeat it. Every call still counts,
 * because callers compare {@link #errorCount()} before and after reading a model to know whether it failed.
 */
public final class ErrorReporter {
  private final Messager messager;
  private final Trees trees;
  private final Set<String> printed = new HashSet<>();
  private int errorCount;

  public ErrorReporter(Messager messager, Trees trees) {
    this.messager = messager;
    this.trees = trees;
  }

  public void report(KilnDiagnostic d) {
    error(d.getMessage(), d.tree(), d.unit());
  }

  public void error(String message, Tree tree, CompilationUnitTree unit) {
    errorCount++;
    String m = withPrefix(message);
    if (trees != null && tree != null && unit != null) {
      if (firstTime(m, unit, tree)) trees.printMessage(Kind.ERROR, m, tree, unit);
    } else if (printed.add(m)) {
      messager.printMessage(Kind.ERROR, m);
    }
  }

  public void error(String message, Element element) {
    errorCount++;
    String m = withPrefix(message);
    TreePath path = trees == null ? null : trees.getPath(element);
    boolean first = path == null ? printed.add(m + "@" + element) : firstTime(m, path.getCompilationUnit(), path.getLeaf());
    if (first) messager.printMessage(Kind.ERROR, m, element);
  }

  public void note(String message, Tree tree, CompilationUnitTree unit) {
    if (trees != null && tree != null && unit != null) {
      trees.printMessage(Kind.NOTE, message, tree, unit);
    } else {
      messager.printMessage(Kind.NOTE, message);
    }
  }

  public int errorCount() {
    return errorCount;
  }

  private boolean firstTime(String message, CompilationUnitTree unit, Tree tree) {
    long start = trees.getSourcePositions().getStartPosition(unit, tree);
    return printed.add(message + "@" + unit.getSourceFile().toUri() + ":" + start);
  }

  private static String withPrefix(String message) {
    return message.startsWith("Kiln: ") ? message : "Kiln: " + message;
  }
}

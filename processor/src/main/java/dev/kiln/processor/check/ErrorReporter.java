package dev.kiln.processor.check;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.Trees;
import javax.annotation.processing.Messager;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic.Kind;

/**
 * Reports diagnostics at the user's source position and counts errors, in the manner of AutoValue's
 * {@code ErrorReporter}: reporting never throws, so one compile shows every mistake of a class.
 */
public final class ErrorReporter {
  private final Messager messager;
  private final Trees trees;
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
    String m = message.startsWith("Kiln: ") ? message : "Kiln: " + message;
    if (trees != null && tree != null && unit != null) {
      trees.printMessage(Kind.ERROR, m, tree, unit);
    } else {
      messager.printMessage(Kind.ERROR, m);
    }
  }

  public void note(String message, Tree tree, CompilationUnitTree unit) {
    if (trees != null && tree != null && unit != null) {
      trees.printMessage(Kind.NOTE, message, tree, unit);
    } else {
      messager.printMessage(Kind.NOTE, message);
    }
  }

  public void error(String message, Element element) {
    errorCount++;
    messager.printMessage(Kind.ERROR, message.startsWith("Kiln: ") ? message : "Kiln: " + message, element);
  }

  public int errorCount() {
    return errorCount;
  }
}

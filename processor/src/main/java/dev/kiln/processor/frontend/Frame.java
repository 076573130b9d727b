package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.HashMap;
import java.util.Map;
import javax.lang.model.element.Element;

/** The state of one method activation: its locals, {@code this}, its compilation unit and its mode. */
final class Frame {
  /** What is being read; it words the diagnostics. */
  enum Mode {
    CONSTRUCT("a layer constructor"),
    BUILD("build"),
    CALL("@Call");

    final String where;

    Mode(String where) {
      this.where = where;
    }
  }

  final Map<Element, Object> locals = new HashMap<>();
  final UserObject self;
  final CompilationUnitTree unit;
  final Mode mode;
  Object returned;
  boolean hasReturned;

  Frame(UserObject self, CompilationUnitTree unit, Mode mode) {
    this.self = self;
    this.unit = unit;
    this.mode = mode;
  }

  KilnDiagnostic error(String message, Tree tree) {
    return new KilnDiagnostic(message, tree, unit);
  }

  String where() {
    return mode.where;
  }
}

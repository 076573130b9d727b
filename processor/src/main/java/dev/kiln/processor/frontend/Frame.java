package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.HashMap;
import java.util.Map;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;

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
  /** The method or constructor being run; null for field and constant initializers. */
  final ExecutableElement method;
  Object returned;
  boolean hasReturned;

  Frame(UserObject self, CompilationUnitTree unit, Mode mode, ExecutableElement method) {
    this.self = self;
    this.unit = unit;
    this.mode = mode;
    this.method = method;
  }

  /** True while running a {@code @Call} method itself, not a helper it calls. */
  boolean runsCallMethod() {
    return method != null && Attribution.isCallMethod(method);
  }

  KilnDiagnostic error(String message, Tree tree) {
    return new KilnDiagnostic(message, tree, unit);
  }

  String where() {
    return mode.where;
  }
}

package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.util.TreePath;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;

/**
 * Declaration mistakes of a user layer or model class, found before Kiln runs any of its code (as Dagger validates
 * an element before processing it): every mistake of the class is reported, and a class with any is not read, so
 * its code cannot fail in confusing follow-up ways.
 */
final class LayerClassCheck {
  private final Attribution javac;
  private final Consumer<KilnDiagnostic> sink;
  private final KilnNameClash nameClash;
  private final Map<TypeElement, Boolean> valid = new HashMap<>();

  LayerClassCheck(Attribution javac, KilnNameClash nameClash, Consumer<KilnDiagnostic> sink) {
    this.javac = javac;
    this.nameClash = nameClash;
    this.sink = sink;
  }

  /** Reports the class's mistakes once; false when it has any. */
  boolean isValid(TypeElement type) {
    Boolean known = valid.get(type);
    if (known != null) return known;
    TreePath path = javac.declaration(type);
    boolean ok = path == null || check(type, path.getCompilationUnit());
    valid.put(type, ok);
    return ok;
  }

  private boolean check(TypeElement type, CompilationUnitTree unit) {
    boolean ok = true;
    String clash = nameClash.problem(type);
    if (clash != null) {
      sink.accept(new KilnDiagnostic(clash, javac.declarationTree(type), unit));
      ok = false;
    }
    for (VariableElement field : ElementFilter.fieldsIn(type.getEnclosedElements())) {
      if (ModelReader.hasAnnotation(field, "dev.kiln.Layer") && !holdsLayers(field.asType())) {
        sink.accept(new KilnDiagnostic("@Layer field '" + field.getSimpleName() + "' has type " + field.asType()
            + ", which Kiln does not support: a @Layer field holds a layer (a built-in layer such as Dense, a user"
            + " layer or a nested Model) or an array of layers, such as Dense[]", javac.declarationTree(field), unit));
        ok = false;
      }
    }
    return ok;
  }

  private boolean holdsLayers(TypeMirror t) {
    if (t.getKind() == TypeKind.ARRAY) return holdsLayers(((ArrayType) t).getComponentType());
    return t.getKind() == TypeKind.DECLARED && javac.isLayer((TypeElement) ((DeclaredType) t).asElement());
  }
}

package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.Trees;
import dev.kiln.AbstractLayer;
import dev.kiln.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Types;

/**
 * What javac's attribution knows about the user's trees and types: the element a name refers to, the type of
 * an expression, and which types are tensors and layers. The interpreter asks here instead of resolving names
 * itself, so it follows Java's own rules.
 */
final class Attribution {
  final Trees trees;
  final Types types;
  private final PathIndex paths = new PathIndex();
  private final javax.lang.model.util.Elements elements;
  private final TypeElement abstractLayerType;
  private final TypeElement tensorType;
  private Map<String, String> kilnTypes;

  Attribution(Trees trees, Types types, javax.lang.model.util.Elements elements) {
    this.trees = trees;
    this.types = types;
    this.elements = elements;
    this.abstractLayerType = elements.getTypeElement(AbstractLayer.class.getCanonicalName());
    this.tensorType = elements.getTypeElement(Tensor.class.getCanonicalName());
  }

  Element element(CompilationUnitTree unit, Tree tree) {
    return trees.getElement(paths.path(unit, tree));
  }

  TypeMirror typeOf(CompilationUnitTree unit, Tree tree) {
    return trees.getTypeMirror(paths.path(unit, tree));
  }

  /**
   * Abandons a tree whose name javac could not resolve. When javac gave it an error type, javac reports the
   * mistake itself after processing (its message is the precise one), so Kiln stays silent; otherwise Kiln says so.
   */
  RuntimeException unresolved(Frame frame, Tree tree, String what) {
    TypeMirror t = typeOf(frame.unit, tree);
    if (t == null || t.getKind() == TypeKind.ERROR) return new AbortRead(null);
    return frame.error("javac cannot resolve " + what, tree);
  }

  TypeMirror tensorType() {
    return tensorType.asType();
  }

  TypeMirror abstractLayerType() {
    return abstractLayerType.asType();
  }

  boolean isTensor(TypeMirror t) {
    return types.isSameType(types.erasure(t), types.erasure(tensorType.asType()));
  }

  /** True for {@link AbstractLayer} and its subclasses, built-in or user-written. */
  boolean isLayer(TypeElement type) {
    return types.isSubtype(types.erasure(type.asType()), types.erasure(abstractLayerType.asType()));
  }

  /** The qualified name of the public type of {@code dev.kiln} or {@code dev.kiln.layers} named {@code simpleName}. */
  String kilnTypeNamed(String simpleName) {
    if (kilnTypes == null) {
      kilnTypes = new HashMap<>();
      for (String pkg : List.of("dev.kiln", "dev.kiln.layers")) {
        PackageElement p = elements.getPackageElement(pkg);
        if (p == null) continue;
        for (TypeElement t : ElementFilter.typesIn(p.getEnclosedElements())) {
          if (t.getModifiers().contains(Modifier.PUBLIC)) kilnTypes.putIfAbsent(t.getSimpleName().toString(), t.getQualifiedName().toString());
        }
      }
    }
    return kilnTypes.get(simpleName);
  }

  static boolean isCallMethod(ExecutableElement m) {
    for (AnnotationMirror a : m.getAnnotationMirrors()) {
      if (((TypeElement) a.getAnnotationType().asElement()).getQualifiedName().contentEquals("dev.kiln.Call")) return true;
    }
    return false;
  }

  static ExecutableElement findMethod(TypeElement type, String name, int arity) {
    for (ExecutableElement m : ElementFilter.methodsIn(type.getEnclosedElements())) {
      if (m.getSimpleName().contentEquals(name) && m.getParameters().size() == arity) return m;
    }
    return null;
  }
}

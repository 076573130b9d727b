package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.HashMap;
import java.util.Map;
import dev.kiln.AbstractLayer;
import dev.kiln.Tensor;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
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
  private final Map<Element, TreePath> declarations = new HashMap<>();
  private final TypeElement abstractLayerType;
  private final TypeElement tensorType;
  private final TypeElement opsType;

  Attribution(Trees trees, Types types, javax.lang.model.util.Elements elements) {
    this.trees = trees;
    this.types = types;
    this.abstractLayerType = elements.getTypeElement(AbstractLayer.class.getCanonicalName());
    this.tensorType = elements.getTypeElement(Tensor.class.getCanonicalName());
    this.opsType = elements.getTypeElement("dev.kiln.Ops");
  }

  /**
   * Where an element is declared in this compilation, or null when its source is not here. javac finds it by
   * searching the compilation unit, so each answer is kept: the interpreter asks once per call it runs.
   */
  TreePath declaration(Element e) {
    if (!declarations.containsKey(e)) declarations.put(e, trees.getPath(e));
    return declarations.get(e);
  }

  /** The tree that declares {@code e}, or null. */
  Tree declarationTree(Element e) {
    TreePath path = declaration(e);
    return path == null ? null : path.getLeaf();
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

  /** True when {@code dev.kiln.Ops} has a method of this name. */
  boolean isOp(String name) {
    for (ExecutableElement m : ElementFilter.methodsIn(opsType.getEnclosedElements())) {
      if (m.getSimpleName().contentEquals(name)) return true;
    }
    return false;
  }

  static boolean isCallMethod(ExecutableElement m) {
    for (AnnotationMirror a : m.getAnnotationMirrors()) {
      if (((TypeElement) a.getAnnotationType().asElement()).getQualifiedName().contentEquals("dev.kiln.Call")) return true;
    }
    return false;
  }

  /**
   * The class's own declaration of {@code name} whose parameters erase to {@code paramTypes} (qualified names), or null:
   * the mask methods a user layer overrides ({@code computeMask(Tensor, Tensor)}, {@code supportsMasking()}).
   */
  ExecutableElement declaredMethod(TypeElement type, String name, String... paramTypes) {
    for (ExecutableElement m : ElementFilter.methodsIn(type.getEnclosedElements())) {
      if (!m.getSimpleName().contentEquals(name) || m.getParameters().size() != paramTypes.length) continue;
      boolean same = true;
      for (int i = 0; i < paramTypes.length; i++) {
        same &= types.erasure(m.getParameters().get(i).asType()).toString().equals(paramTypes[i]);
      }
      if (same) return m;
    }
    return null;
  }

  /** The class's own {@code build(TensorShape)}, which {@code apply} runs once with the first input's shape. */
  ExecutableElement buildMethod(TypeElement type) {
    return declaredMethod(type, "build", "dev.kiln.TensorShape");
  }
}

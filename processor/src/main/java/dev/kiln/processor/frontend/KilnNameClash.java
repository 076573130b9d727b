package dev.kiln.processor.frontend;

import com.sun.source.tree.ImportTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;

/**
 * A user class named like a Kiln type ({@code Dense}, {@code Tensor}) in a file that imports Kiln's package on
 * demand: a class of the file's own package wins over an on-demand import, so every {@code Dense} of that file
 * means the user's class, and the model no longer says what its author meant.
 */
final class KilnNameClash {
  private static final List<String> KILN_PACKAGES = List.of("dev.kiln", "dev.kiln.layers");

  private final Trees trees;
  private final Elements elements;
  private Map<String, String> kilnTypes;
  private final Map<TypeElement, String> problems = new HashMap<>();

  KilnNameClash(Trees trees, Elements elements) {
    this.trees = trees;
    this.elements = elements;
  }

  /** The error for {@code type}, or null when its name hides no Kiln type in its file. */
  String problem(TypeElement type) {
    if (!problems.containsKey(type)) problems.put(type, find(type));
    return problems.get(type);
  }

  private String find(TypeElement type) {
    TreePath path = trees == null ? null : trees.getPath(type);
    if (path == null) return null;
    String name = type.getSimpleName().toString();
    String kilnType = kilnTypes().get(name);
    if (kilnType == null) return null;
    String pkg = kilnType.substring(0, kilnType.lastIndexOf('.'));
    for (ImportTree imp : path.getCompilationUnit().getImports()) {
      if (!imp.isStatic() && imp.getQualifiedIdentifier().toString().equals(pkg + ".*")) {
        return "the class name " + name + " hides Kiln's " + kilnType + " in this file, which imports " + pkg + ".*: here "
            + name + " means this class, so every " + name + " in the file refers to it; rename the class (My" + name
            + ", say)";
      }
    }
    return null;
  }

  /** Simple name to qualified name of every public type of Kiln's user-facing packages. */
  private Map<String, String> kilnTypes() {
    if (kilnTypes == null) {
      kilnTypes = new HashMap<>();
      for (String pkg : KILN_PACKAGES) {
        PackageElement p = elements.getPackageElement(pkg);
        if (p == null) continue;
        for (TypeElement t : ElementFilter.typesIn(p.getEnclosedElements())) {
          if (t.getModifiers().contains(Modifier.PUBLIC)) kilnTypes.putIfAbsent(t.getSimpleName().toString(), t.getQualifiedName().toString());
        }
      }
    }
    return kilnTypes;
  }
}

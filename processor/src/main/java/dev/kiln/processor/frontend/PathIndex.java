package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Maps every tree of a compilation unit to its {@link TreePath}, so the interpreter can ask javac for the
 * element and type of any expression without searching the unit each time.
 */
final class PathIndex {
  private final Map<CompilationUnitTree, Map<Tree, TreePath>> units = new IdentityHashMap<>();

  TreePath path(CompilationUnitTree unit, Tree tree) {
    Map<Tree, TreePath> paths = units.computeIfAbsent(unit, PathIndex::index);
    TreePath p = paths.get(tree);
    return p != null ? p : TreePath.getPath(unit, tree);
  }

  private static Map<Tree, TreePath> index(CompilationUnitTree unit) {
    Map<Tree, TreePath> map = new IdentityHashMap<>();
    new TreePathScanner<Void, Void>() {
      @Override
      public Void scan(Tree tree, Void unused) {
        if (tree != null) map.put(tree, new TreePath(getCurrentPath() == null ? new TreePath(unit) : getCurrentPath(), tree));
        return super.scan(tree, unused);
      }
    }.scan(new TreePath(unit), null);
    return map;
  }
}

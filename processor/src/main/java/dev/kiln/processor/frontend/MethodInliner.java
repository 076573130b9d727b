package dev.kiln.processor.frontend;

import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;

/**
 * Runs methods declared in user source (helpers, {@code build}, {@code @Call}) by interpreting their bodies in
 * a new frame: the generated code has no calls, every helper is inlined. A method that calls itself on the same
 * object is an error, since Kiln would unroll it as long as it runs; the same method on another object (a layer
 * applying a nested layer of its own class, down a finite tree) is not recursion of that kind.
 */
final class MethodInliner {
  private static final int MAX_INLINE_DEPTH = 64;

  private final Interpreter in;
  /** A method being run and the object it runs on (null for a static method). */
  private record Activation(ExecutableElement method, UserObject self) {}

  private final Deque<Activation> stack = new ArrayDeque<>();

  MethodInliner(Interpreter in) {
    this.in = in;
  }

  /** Runs the body of {@code method} with {@code self} as {@code this}; {@code caller} words the errors. */
  Object invoke(UserObject self, ExecutableElement method, List<Object> args, Frame.Mode mode, Tree site, Frame caller) {
    if (isRunning(method, self)) {
      throw caller.error("recursive call to " + method.getSimpleName() + "() is not supported in " + caller.where()
          + ": Kiln inlines helper methods at compile time", site);
    }
    if (stack.size() > MAX_INLINE_DEPTH) {
      throw caller.error("calls nest more than " + MAX_INLINE_DEPTH + " deep", site);
    }
    TreePath path = in.javac.declaration(method);
    MethodTree tree = path == null || !(path.getLeaf() instanceof MethodTree) ? null : (MethodTree) path.getLeaf();
    if (tree == null || tree.getBody() == null) {
      throw caller.error("the body of " + method.getSimpleName() + "() is not available to Kiln", site);
    }
    Frame frame = new Frame(self, path.getCompilationUnit(), mode, method);
    bindParameters(frame, method, args);
    stack.push(new Activation(method, self));
    try {
      in.statements.execAll(frame, tree.getBody().getStatements(), mode != Frame.Mode.CONSTRUCT);
    } finally {
      stack.pop();
    }
    if (!frame.hasReturned) {
      if (method.getReturnType().getKind() == TypeKind.VOID) return Special.NULL;
      throw caller.error(method.getSimpleName() + "() did not return a value on the path Kiln followed", site);
    }
    return frame.returned;
  }

  private boolean isRunning(ExecutableElement method, UserObject self) {
    for (Activation a : stack) {
      if (a.method().equals(method) && a.self() == self) return true;
    }
    return false;
  }

  static void bindParameters(Frame frame, ExecutableElement method, List<Object> args) {
    List<? extends VariableElement> params = method.getParameters();
    for (int i = 0; i < params.size(); i++) frame.locals.put(params.get(i), args.get(i));
  }
}

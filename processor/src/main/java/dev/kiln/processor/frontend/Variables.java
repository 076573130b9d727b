package dev.kiln.processor.frontend;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;

/**
 * Reads and writes named values: locals and parameters of the current frame, fields of user objects,
 * {@code static final} constants (evaluated once from their initializers), enum constants, array lengths and
 * elements.
 */
final class Variables {
  private final Interpreter in;
  private final Map<VariableElement, Object> staticValues = new HashMap<>();
  /** Constants whose initializers are running: Java allows cycles between classes, reading one gives 0. */
  private final Set<VariableElement> evaluating = new HashSet<>();

  Variables(Interpreter in) {
    this.in = in;
  }

  Object identifier(Frame frame, IdentifierTree id) {
    String name = id.getName().toString();
    if (name.equals("this")) {
      if (frame.self == null) throw frame.error("'this' is not available here", id);
      return frame.self;
    }
    Element e = in.javac.element(frame.unit, id);
    if (e == null) throw in.javac.unresolved(frame, id, name);
    switch (e.getKind()) {
      case LOCAL_VARIABLE: case PARAMETER: case EXCEPTION_PARAMETER: case RESOURCE_VARIABLE: {
        if (!frame.locals.containsKey(e)) throw frame.error("the value of " + name + " is not known at compile time", id);
        Object v = frame.locals.get(e);
        if (v == Special.UNASSIGNED) throw frame.error(name + " has no value here", id);
        return v;
      }
      case FIELD: case ENUM_CONSTANT:
        return fieldValue(frame, (VariableElement) e, frame.self, id);
      default:
        throw frame.error(name + " cannot be used as a value in " + frame.where(), id);
    }
  }

  Object memberSelect(Frame frame, MemberSelectTree ms) {
    Element e = in.javac.element(frame.unit, ms);
    String name = ms.getIdentifier().toString();
    if (name.equals("length")) {
      Object target = in.expressions.eval(frame, ms.getExpression());
      if (target instanceof ArrayValue) return ((ArrayValue) target).elements.length;
      throw frame.error("the length of this array is not known at compile time", ms);
    }
    if (e == null) throw in.javac.unresolved(frame, ms, ms.toString());
    if (e.getKind() == ElementKind.FIELD || e.getKind() == ElementKind.ENUM_CONSTANT) {
      VariableElement f = (VariableElement) e;
      if (f.getModifiers().contains(Modifier.STATIC)) return fieldValue(frame, f, null, ms);
      Object target = in.expressions.eval(frame, ms.getExpression());
      if (target instanceof UserObject) return fieldValue(frame, f, (UserObject) target, ms);
      throw frame.error("field " + name + " of " + target + " is not known at compile time", ms);
    }
    throw frame.error(ms + " cannot be used as a value in " + frame.where(), ms);
  }

  /** True when {@code tree} names a local or field whose value failed earlier (and was reported then). */
  boolean failedEarlier(Frame frame, ExpressionTree tree) {
    if (!(tree instanceof IdentifierTree)) return false;
    Element e = in.javac.element(frame.unit, tree);
    if (e == null) return false;
    if (frame.locals.containsKey(e)) return frame.locals.get(e) == Special.ERROR;
    return e.getKind() == ElementKind.FIELD && frame.self != null
        && frame.self.fields.get(e.getSimpleName().toString()) == Special.ERROR;
  }

  private Object fieldValue(Frame frame, VariableElement f, UserObject self, Tree site) {
    String name = f.getSimpleName().toString();
    if (!f.getModifiers().contains(Modifier.STATIC)) {
      if (self == null) throw frame.error("field " + name + " needs an object", site);
      if (!self.fields.containsKey(name)) throw frame.error("field " + name + " is not known at compile time", site);
      return self.fields.get(name);
    }
    Object constant = f.getConstantValue();
    if (constant != null) return constant;
    TypeElement owner = (TypeElement) f.getEnclosingElement();
    if (f.getKind() == ElementKind.ENUM_CONSTANT && !in.bridge.isRuntimeClass(owner)) return new UserEnum(owner, name);
    if (in.bridge.isRuntimeClass(owner)) {
      try {
        return in.bridge.staticField(f);
      } catch (RuntimeBridge.RuntimeFailure x) {
        throw frame.error(owner.getSimpleName() + "." + name + " is not available at compile time", site);
      }
    }
    if (!f.getModifiers().contains(Modifier.FINAL)) {
      throw frame.error("the value of " + name + " is not known at compile time: a static field must be final", site);
    }
    if (staticValues.containsKey(f)) return staticValues.get(f);
    TreePath declPath = in.javac.declaration(f);
    VariableTree decl = declPath == null ? null : (VariableTree) declPath.getLeaf();
    if (decl == null || decl.getInitializer() == null) {
      throw frame.error("the value of " + name + " is not known at compile time", site);
    }
    if (!evaluating.add(f)) {
      throw frame.error("the value of " + name + " depends on itself, so it is not known at compile time", site);
    }
    try {
      Frame staticFrame = new Frame(null, declPath.getCompilationUnit(), Frame.Mode.CONSTRUCT, null);
      Object v = in.expressions.evalTo(staticFrame, decl.getInitializer(), f.asType());
      staticValues.put(f, v);
      return v;
    } finally {
      evaluating.remove(f);
    }
  }

  void assign(Frame frame, ExpressionTree target, Object value) {
    if (target instanceof ArrayAccessTree) {
      ArrayAccessTree a = (ArrayAccessTree) target;
      Object arr = in.expressions.eval(frame, a.getExpression());
      Object idx = in.expressions.eval(frame, a.getIndex());
      Expressions.requireIndex(idx, frame, a);
      if (!(arr instanceof ArrayValue) || !(idx instanceof Integer)) throw frame.error("this array element is not known at compile time", a);
      Object[] elems = ((ArrayValue) arr).elements;
      int i = (Integer) idx;
      if (i < 0 || i >= elems.length) throw frame.error("index " + i + " is out of bounds for an array of length " + elems.length, a);
      elems[i] = value;
      return;
    }
    Element e = in.javac.element(frame.unit, target);
    if (e == null) throw frame.error("cannot assign to " + target, target);
    if (frame.locals.containsKey(e)) {
      frame.locals.put(e, value);
      return;
    }
    if (e.getKind() == ElementKind.FIELD && !e.getModifiers().contains(Modifier.STATIC)) {
      UserObject owner = frame.self;
      if (target instanceof MemberSelectTree) {
        Object t = in.expressions.eval(frame, ((MemberSelectTree) target).getExpression());
        if (!(t instanceof UserObject)) throw frame.error("cannot assign to " + target, target);
        owner = (UserObject) t;
      }
      if (owner == null) throw frame.error("cannot assign to " + target, target);
      if (frame.mode == Frame.Mode.CALL) {
        throw frame.error("assigning to the field " + e.getSimpleName() + " is not supported in @Call: use a local variable", target);
      }
      owner.fields.put(e.getSimpleName().toString(), value);
      return;
    }
    throw frame.error("cannot assign to " + target + " in " + frame.where(), target);
  }
}

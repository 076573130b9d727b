package dev.kiln.processor.frontend;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;

/**
 * Object construction at compile time: {@code new} of built-in layers (run for real), of user layers and models
 * (their field initializers and constructors interpreted, as Java orders them), and of arrays.
 */
final class Construction {
  /** Far deeper than real models nest layers; deeper means a layer that contains itself. */
  private static final int MAX_NESTING = 64;

  /** A user class being constructed, and the {@code new} that started it. */
  private static final class Nesting {
    final TypeElement type;
    final Tree site;
    final CompilationUnitTree unit;

    Nesting(TypeElement type, Tree site, CompilationUnitTree unit) {
      this.type = type;
      this.site = site;
      this.unit = unit;
    }
  }

  private final Interpreter in;
  private final Deque<Nesting> nesting = new ArrayDeque<>();

  Construction(Interpreter in) {
    this.in = in;
  }

  /** Constructs a user class with {@code ctor} (or its implicit default constructor when null). */
  UserObject instantiate(TypeElement type, ExecutableElement ctor, List<Object> args, Tree site, CompilationUnitTree siteUnit) {
    if (type.getModifiers().contains(Modifier.ABSTRACT)) {
      throw new KilnDiagnostic(type.getSimpleName() + " is abstract and cannot be instantiated", site, siteUnit);
    }
    TreePath classPath = in.javac.declaration(type);
    if (classPath == null) {
      throw new KilnDiagnostic("the source of " + type.getQualifiedName()
          + " is not part of this compilation, so Kiln cannot read it", site, siteUnit);
    }
    if (!in.javac.isLayer(type)) {
      throw new KilnDiagnostic(type.getSimpleName() + " is not a layer (it does not extend AbstractLayer)", site, siteUnit);
    }
    TypeElement superType = (TypeElement) in.javac.types.asElement(type.getSuperclass());
    if (superType != null && !in.bridge.isRuntimeClass(superType)) {
      throw new KilnDiagnostic(type.getSimpleName() + " extends the user class " + superType.getSimpleName()
          + "; Kiln reads layers that extend AbstractLayer or Model directly", site, siteUnit);
    }
    if (!in.classCheck.isValid(type)) throw new AlreadyReported();
    if (nesting.size() >= MAX_NESTING) throw new AbortRead(endlessNesting());
    CompilationUnitTree unit = classPath.getCompilationUnit();
    UserObject obj = new UserObject(type);
    for (VariableElement f : ElementFilter.fieldsIn(type.getEnclosedElements())) {
      if (!f.getModifiers().contains(Modifier.STATIC)) obj.fields.put(f.getSimpleName().toString(), Values.defaultValue(f.asType()));
    }
    if (ctor == null) {
      for (ExecutableElement c : ElementFilter.constructorsIn(type.getEnclosedElements())) {
        if (c.getParameters().isEmpty()) ctor = c;
      }
      if (ctor == null) {
        throw new KilnDiagnostic(type.getSimpleName() + " needs a constructor without parameters to be a compilation root", site, siteUnit);
      }
    }
    nesting.push(new Nesting(type, site, siteUnit));
    try {
      runConstructor(obj, ctor, args, unit);
    } finally {
      nesting.pop();
    }
    return obj;
  }

  /** The error for constructions nested past {@link #MAX_NESTING}: at the first {@code new} of a class inside itself. */
  private KilnDiagnostic endlessNesting() {
    List<Nesting> outerFirst = new ArrayList<>(nesting);
    Collections.reverse(outerFirst);
    for (int i = 1; i < outerFirst.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (!outerFirst.get(j).type.equals(outerFirst.get(i).type)) continue;
        StringBuilder chain = new StringBuilder();
        for (int k = j; k <= i; k++) chain.append(k == j ? "" : " -> ").append(outerFirst.get(k).type.getSimpleName());
        String name = outerFirst.get(i).type.getSimpleName().toString();
        return new KilnDiagnostic(name + " contains itself (" + chain + "): this creates another " + name + " while one is"
            + " being constructed, so construction never ends", outerFirst.get(i).site, outerFirst.get(i).unit);
      }
    }
    Nesting innermost = nesting.peek();
    return new KilnDiagnostic("layers nest more than " + MAX_NESTING + " deep here", innermost.site, innermost.unit);
  }

  /** A constructor body; field initializers run after {@code super(...)} and not before {@code this(...)}. */
  private void runConstructor(UserObject obj, ExecutableElement ctor, List<Object> args, CompilationUnitTree unit) {
    MethodTree tree = (MethodTree) in.javac.declarationTree(ctor);
    Frame frame = new Frame(obj, unit, Frame.Mode.CONSTRUCT, ctor);
    MethodInliner.bindParameters(frame, ctor, args);
    List<? extends StatementTree> body = tree == null || tree.getBody() == null ? List.of() : tree.getBody().getStatements();
    int start = 0;
    if (!body.isEmpty() && isThisOrSuperCall(body.get(0))) {
      MethodInvocationTree inv = (MethodInvocationTree) ((ExpressionStatementTree) body.get(0)).getExpression();
      String callee = ((IdentifierTree) inv.getMethodSelect()).getName().toString();
      start = 1;
      if (callee.equals("this")) {
        Element resolved = in.javac.element(frame.unit, inv.getMethodSelect());
        if (!(resolved instanceof ExecutableElement)) throw in.javac.unresolved(frame, inv, "the constructor called in `" + inv + "`");
        ExecutableElement other = (ExecutableElement) resolved;
        List<Object> otherArgs = in.invocations.evalArguments(frame, other, inv.getArguments());
        runConstructor(obj, other, otherArgs, unit);
        in.statements.execAll(frame, body.subList(start, body.size()), false);
        return;
      }
    }
    runFieldInitializers(obj, unit);
    in.statements.execAll(frame, body.subList(start, body.size()), false);
  }

  private static boolean isThisOrSuperCall(StatementTree s) {
    if (!(s instanceof ExpressionStatementTree)) return false;
    ExpressionTree e = ((ExpressionStatementTree) s).getExpression();
    if (!(e instanceof MethodInvocationTree)) return false;
    ExpressionTree sel = ((MethodInvocationTree) e).getMethodSelect();
    return sel instanceof IdentifierTree
        && (((IdentifierTree) sel).getName().contentEquals("this") || ((IdentifierTree) sel).getName().contentEquals("super"));
  }

  private void runFieldInitializers(UserObject obj, CompilationUnitTree unit) {
    ClassTree classTree = (ClassTree) in.javac.declarationTree(obj.type);
    Frame frame = new Frame(obj, unit, Frame.Mode.CONSTRUCT, null);
    for (Tree member : classTree.getMembers()) {
      if (member instanceof VariableTree) {
        VariableTree v = (VariableTree) member;
        if (v.getModifiers().getFlags().contains(Modifier.STATIC) || v.getInitializer() == null) continue;
        Element e = in.javac.element(frame.unit, v);
        Object value = in.expressions.evalTo(frame, v.getInitializer(), e == null ? null : e.asType());
        obj.fields.put(v.getName().toString(), value);
      }
    }
  }

  Object newClass(Frame frame, NewClassTree nc) {
    if (nc.getClassBody() != null) throw Statements.unsupported(frame, nc, "an anonymous class");
    Element resolved = in.javac.element(frame.unit, nc);
    if (!(resolved instanceof ExecutableElement)) throw in.javac.unresolved(frame, nc, "the constructor called in `" + nc + "`");
    ExecutableElement ctor = (ExecutableElement) resolved;
    TypeElement type = (TypeElement) ctor.getEnclosingElement();
    List<Object> args = in.invocations.evalArguments(frame, ctor, nc.getArguments());
    if (in.bridge.isRuntimeClass(type)) {
      if (frame.mode == Frame.Mode.CALL && in.javac.types.isSubtype(type.asType(), in.javac.abstractLayerType())) {
        throw frame.error("creating a layer inside @Call is not supported: declare it as a @Layer field", nc);
      }
      try {
        return in.bridge.construct(ctor, args);
      } catch (RuntimeBridge.RuntimeFailure f) {
        throw frame.error(type.getSimpleName() + ": " + f.getMessage(), nc);
      }
    }
    if (in.javac.isLayer(type)) {
      if (frame.mode == Frame.Mode.CALL) {
        throw frame.error("creating a layer inside @Call is not supported: declare it as a @Layer field", nc);
      }
      return instantiate(type, ctor, args, nc, frame.unit);
    }
    String name = type.getSimpleName().toString();
    throw frame.error("creating " + ("AEIOU".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name + " is not supported in " + frame.where()
        + ": its value would not be known at compile time", nc);
  }

  Object newArray(Frame frame, NewArrayTree na) {
    TypeMirror t = in.javac.typeOf(frame.unit, na);
    TypeMirror component = t instanceof ArrayType ? ((ArrayType) t).getComponentType() : null;
    if (na.getInitializers() != null) {
      List<Object> elems = new ArrayList<>();
      for (ExpressionTree e : na.getInitializers()) {
        elems.add(component == null ? in.expressions.eval(frame, e) : in.expressions.evalTo(frame, e, component));
      }
      return new ArrayValue(component, elems.toArray());
    }
    if (na.getDimensions().size() != 1) throw Statements.unsupported(frame, na, "a multi-dimensional array");
    Object n = in.expressions.eval(frame, na.getDimensions().get(0));
    Expressions.requireIndex(n, frame, na);
    if (!(n instanceof Integer) || (Integer) n < 0) throw frame.error("the array size must be a non-negative compile-time int", na);
    Object[] elems = new Object[(Integer) n];
    Arrays.fill(elems, component == null ? Special.NULL : Values.defaultValue(component));
    return new ArrayValue(component, elems);
  }
}

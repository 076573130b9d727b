package dev.kiln.processor.frontend;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.IfTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Initializer;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Evaluates the parts of a model's source that API.md allows at compile time: field initializers, constructors
 * (with their parameters, {@code if}/{@code else}, fluent layer setters), {@code build(TensorShape)} bodies with
 * {@code addWeight}, and {@code @Call} bodies (locals, compile-time conditions, unrolled loops, inlined private
 * helpers, nested layers). Built-in layers and {@code Ops} run for real through {@link RuntimeBridge} on
 * symbolic tensors, so the runtime's own shape rules and lowering build the graph.
 *
 * <p>Every unsupported construct or impossible shape is a {@link KilnDiagnostic} at the tree that caused it.
 * Inside {@code @Call} and {@code build} bodies each statement fails on its own: its error is handed to the
 * sink, the variables it would have set become {@link Special#ERROR}, and reading goes on, so one compile shows
 * every mistake.
 */
final class Interpreter {
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

  /** Abandons the current statement without a new message: the cause was already reported. */
  static final class Silent extends RuntimeException {
    Silent() {
      super(null, null, false, false);
    }
  }

  private static final int MAX_LOOP_ITERATIONS = 100_000;
  private static final int MAX_INLINE_DEPTH = 64;

  private final Trees trees;
  private final Types types;
  private final Elements elements;
  private final RuntimeBridge bridge;
  private final PathIndex paths = new PathIndex();
  private final Consumer<KilnDiagnostic> sink;
  private final Deque<ExecutableElement> inlineStack = new ArrayDeque<>();
  private final Map<String, String> sourceText = new HashMap<>();
  private final TypeElement abstractLayerType;
  private final TypeElement tensorType;

  Interpreter(Trees trees, Types types, Elements elements, Consumer<KilnDiagnostic> sink) {
    this.trees = trees;
    this.types = types;
    this.elements = elements;
    this.bridge = new RuntimeBridge(types);
    this.sink = sink;
    this.abstractLayerType = elements.getTypeElement(AbstractLayer.class.getCanonicalName());
    this.tensorType = elements.getTypeElement(Tensor.class.getCanonicalName());
  }

  Map<String, String> sourceText() {
    return sourceText;
  }

  // ================================================================================================
  // Frames
  // ================================================================================================

  /** The state of one method activation: its locals, {@code this}, its compilation unit and its mode. */
  final class Frame {
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

  private enum Completion { NORMAL, BREAK, CONTINUE, RETURN }

  // ================================================================================================
  // Objects: construction of user layers and models
  // ================================================================================================

  /** Constructs a user class with {@code ctor} (or its implicit default constructor when null). */
  UserObject instantiate(TypeElement type, ExecutableElement ctor, List<Object> args, Tree site, CompilationUnitTree siteUnit) {
    if (type.getModifiers().contains(Modifier.ABSTRACT)) {
      throw new KilnDiagnostic(type.getSimpleName() + " is abstract and cannot be instantiated", site, siteUnit);
    }
    TreePath classPath = trees.getPath(type);
    if (classPath == null) {
      throw new KilnDiagnostic("the source of " + type.getQualifiedName()
          + " is not part of this compilation, so Kiln cannot read it", site, siteUnit);
    }
    if (!types.isSubtype(types.erasure(type.asType()), types.erasure(abstractLayerType.asType()))) {
      throw new KilnDiagnostic(type.getSimpleName() + " is not a layer (it does not extend AbstractLayer)", site, siteUnit);
    }
    TypeElement superType = (TypeElement) types.asElement(type.getSuperclass());
    if (superType != null && !bridge.isRuntimeClass(superType)) {
      throw new KilnDiagnostic(type.getSimpleName() + " extends the user class " + superType.getSimpleName()
          + "; Kiln reads layers that extend AbstractLayer or Model directly", site, siteUnit);
    }
    CompilationUnitTree unit = classPath.getCompilationUnit();
    UserObject obj = new UserObject(type);
    for (VariableElement f : ElementFilter.fieldsIn(type.getEnclosedElements())) {
      if (!f.getModifiers().contains(Modifier.STATIC)) obj.fields.put(f.getSimpleName().toString(), defaultValue(f.asType()));
    }
    if (ctor == null) {
      for (ExecutableElement c : ElementFilter.constructorsIn(type.getEnclosedElements())) {
        if (c.getParameters().isEmpty()) ctor = c;
      }
      if (ctor == null) {
        throw new KilnDiagnostic(type.getSimpleName() + " needs a constructor without parameters to be a compilation root", site, siteUnit);
      }
    }
    runConstructor(obj, ctor, args, unit, site, siteUnit);
    return obj;
  }

  private void runConstructor(UserObject obj, ExecutableElement ctor, List<Object> args, CompilationUnitTree unit,
      Tree site, CompilationUnitTree siteUnit) {
    MethodTree tree = trees.getTree(ctor);
    Frame frame = new Frame(obj, unit, Mode.CONSTRUCT);
    bindParameters(frame, ctor, args);
    List<? extends StatementTree> body = tree == null || tree.getBody() == null ? List.of() : tree.getBody().getStatements();
    int start = 0;
    if (!body.isEmpty() && isThisOrSuperCall(body.get(0))) {
      MethodInvocationTree inv = (MethodInvocationTree) ((ExpressionStatementTree) body.get(0)).getExpression();
      String callee = ((IdentifierTree) inv.getMethodSelect()).getName().toString();
      start = 1;
      if (callee.equals("this")) {
        ExecutableElement other = (ExecutableElement) element(frame, inv.getMethodSelect());
        List<Object> otherArgs = evalArguments(frame, other, inv.getArguments());
        runConstructor(obj, other, otherArgs, unit, inv, unit);
        execStatements(frame, body.subList(start, body.size()), false);
        return;
      }
    }
    runFieldInitializers(obj, unit);
    execStatements(frame, body.subList(start, body.size()), false);
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
    ClassTree classTree = trees.getTree(obj.type);
    Frame frame = new Frame(obj, unit, Mode.CONSTRUCT);
    for (Tree member : classTree.getMembers()) {
      if (member instanceof VariableTree) {
        VariableTree v = (VariableTree) member;
        if (v.getModifiers().getFlags().contains(Modifier.STATIC) || v.getInitializer() == null) continue;
        Object value = evalTo(frame, v.getInitializer(), elementType(frame, v));
        obj.fields.put(v.getName().toString(), value);
      }
    }
  }

  private TypeMirror elementType(Frame frame, VariableTree v) {
    Element e = trees.getElement(paths.path(frame.unit, v));
    return e == null ? null : e.asType();
  }

  private Object defaultValue(TypeMirror t) {
    switch (t.getKind()) {
      case INT: case SHORT: case BYTE: return 0;
      case LONG: return 0L;
      case FLOAT: return 0f;
      case DOUBLE: return 0d;
      case BOOLEAN: return false;
      case CHAR: return '\0';
      default: return Special.NULL;
    }
  }

  // ================================================================================================
  // Layers: apply, build, call
  // ================================================================================================

  /**
   * Applies a layer value to inputs. {@code overload} is the {@code apply} the user called, which selects
   * the {@code call} overload as {@link AbstractLayer} does at run time.
   */
  Object applyLayer(Frame frame, Object layer, ExecutableElement overload, List<Object> args, Tree site, String what) {
    if (layer == Special.NULL) {
      throw frame.error("layer " + what + " is null here and cannot be applied: a null @Layer has no weights and must"
          + " not be applied on any path that the compile-time conditions leave", site);
    }
    Tracer tracer = Tracer.require();
    String savedOrigin = tracer.origin();
    if (layer instanceof AbstractLayer) {
      String path = layerPaths.getOrDefault(layer, what);
      tracer.pushScope(path);
      try {
        return bridge.invoke(overload, layer, args);
      } catch (RuntimeBridge.RuntimeFailure f) {
        throw frame.error(path + " (" + layer.getClass().getSimpleName() + "): " + f.getMessage(), site);
      } finally {
        tracer.popScope();
        tracer.setOrigin(savedOrigin);
      }
    }
    if (!(layer instanceof UserObject)) {
      throw frame.error(what + " is not a layer", site);
    }
    UserObject obj = (UserObject) layer;
    List<Object> inputs = flattenInputs(args);
    boolean training = false;
    if (args.size() == 2 && args.get(1) instanceof Boolean) {
      training = (Boolean) args.get(1);
      inputs = List.of(args.get(0));
    }
    tracer.pushScope(obj.path);
    try {
      if (!obj.built) {
        obj.built = true;
        ExecutableElement build = findMethod(obj.type, "build", 1);
        if (build != null) {
          Tensor first = (Tensor) inputs.get(0);
          invokeUserMethod(obj, build, List.of(TensorShape.of(first.shape())), Mode.BUILD, site, frame);
        }
      }
      ExecutableElement call = selectCall(obj, inputs.size(), frame, site);
      List<Object> callArgs = new ArrayList<>();
      List<? extends VariableElement> params = call.getParameters();
      if (call.isVarArgs() && params.size() == 1) {
        callArgs.add(new ArrayValue(tensorType.asType(), inputs.toArray()));
      } else {
        int t = 0;
        for (VariableElement p : params) {
          callArgs.add(p.asType().getKind() == TypeKind.BOOLEAN ? (Object) training : inputs.get(t++));
        }
      }
      Object result = invokeUserMethod(obj, call, callArgs, Mode.CALL, site, frame);
      if (!(result instanceof Tensor)) {
        throw frame.error(obj.simpleName() + "'s @Call method must return one Tensor to be applied as a layer", site);
      }
      return result;
    } finally {
      tracer.popScope();
      tracer.setOrigin(savedOrigin);
    }
  }

  private static List<Object> flattenInputs(List<Object> args) {
    if (args.size() == 1 && args.get(0) instanceof ArrayValue) return List.of(((ArrayValue) args.get(0)).elements);
    return args;
  }

  /** The {@code @Call} method of a user class that takes {@code n} tensors (plus an optional training flag). */
  private ExecutableElement selectCall(UserObject obj, int n, Frame frame, Tree site) {
    ExecutableElement varargs = null;
    for (ExecutableElement m : ElementFilter.methodsIn(obj.type.getEnclosedElements())) {
      if (!isCallMethod(m)) continue;
      int tensors = 0;
      boolean ok = true;
      for (VariableElement p : m.getParameters()) {
        if (isTensor(p.asType())) tensors++;
        else if (p.asType().getKind() != TypeKind.BOOLEAN) ok = false;
      }
      if (m.isVarArgs() && m.getParameters().size() == 1) {
        varargs = m;
        continue;
      }
      if (ok && tensors == n) return m;
    }
    if (varargs != null) return varargs;
    throw frame.error(obj.simpleName() + " has no @Call method that takes " + n + " tensor(s): apply(...) with "
        + n + " input(s) needs a matching @Call call(...) overload", site);
  }

  private boolean isCallMethod(ExecutableElement m) {
    for (var a : m.getAnnotationMirrors()) {
      if (((TypeElement) a.getAnnotationType().asElement()).getQualifiedName().contentEquals("dev.kiln.Call")) return true;
    }
    return false;
  }

  private ExecutableElement findMethod(TypeElement type, String name, int arity) {
    for (ExecutableElement m : ElementFilter.methodsIn(type.getEnclosedElements())) {
      if (m.getSimpleName().contentEquals(name) && m.getParameters().size() == arity) return m;
    }
    return null;
  }

  boolean isTensor(TypeMirror t) {
    return types.isSameType(types.erasure(t), types.erasure(tensorType.asType()));
  }

  /** Runs the body of a method declared in user source with {@code self} as {@code this}. */
  Object invokeUserMethod(UserObject self, ExecutableElement method, List<Object> args, Mode mode, Tree site, Frame caller) {
    if (inlineStack.contains(method)) {
      throw caller.error("recursive call to " + method.getSimpleName() + "() is not supported in " + caller.where()
          + ": Kiln inlines helper methods at compile time", site);
    }
    if (inlineStack.size() > MAX_INLINE_DEPTH) {
      throw caller.error("calls nest more than " + MAX_INLINE_DEPTH + " deep", site);
    }
    MethodTree tree = trees.getTree(method);
    TreePath path = trees.getPath(method);
    if (tree == null || path == null || tree.getBody() == null) {
      throw caller.error("the body of " + method.getSimpleName() + "() is not available to Kiln", site);
    }
    Frame frame = new Frame(self, path.getCompilationUnit(), mode);
    bindParameters(frame, method, args);
    inlineStack.push(method);
    try {
      execStatements(frame, tree.getBody().getStatements(), mode != Mode.CONSTRUCT);
    } finally {
      inlineStack.pop();
    }
    if (!frame.hasReturned) {
      if (method.getReturnType().getKind() == TypeKind.VOID) return Special.NULL;
      throw caller.error(method.getSimpleName() + "() did not return a value on the path Kiln followed", site);
    }
    return frame.returned;
  }

  private void bindParameters(Frame frame, ExecutableElement method, List<Object> args) {
    List<? extends VariableElement> params = method.getParameters();
    for (int i = 0; i < params.size(); i++) frame.locals.put(params.get(i), args.get(i));
  }

  // ================================================================================================
  // Layer paths
  // ================================================================================================

  private final java.util.IdentityHashMap<Object, String> layerPaths = new java.util.IdentityHashMap<>();

  /** Remembers the absolute path of a built-in layer object ({@code blocks/3/conv}). */
  void registerLayerPath(Object layer, String path) {
    layerPaths.putIfAbsent(layer, path);
  }

  // ================================================================================================
  // Statements
  // ================================================================================================

  /**
   * Executes statements; with {@code recover}, a statement that fails is reported and skipped so the following
   * ones are still checked.
   */
  private Completion execStatements(Frame frame, List<? extends StatementTree> statements, boolean recover) {
    for (StatementTree s : statements) {
      Completion c;
      if (recover) {
        try {
          c = exec(frame, s, true);
        } catch (KilnDiagnostic d) {
          sink.accept(d);
          poison(frame, s);
          continue;
        } catch (Silent silent) {
          poison(frame, s);
          continue;
        }
      } else {
        c = exec(frame, s, false);
      }
      if (c != Completion.NORMAL) return c;
    }
    return Completion.NORMAL;
  }

  /** Marks what a failed statement would have assigned, so later uses stay silent. */
  private void poison(Frame frame, StatementTree s) {
    if (s instanceof VariableTree) {
      Element e = trees.getElement(paths.path(frame.unit, s));
      if (e != null) frame.locals.put(e, Special.ERROR);
    } else if (s instanceof ExpressionStatementTree && ((ExpressionStatementTree) s).getExpression() instanceof AssignmentTree) {
      ExpressionTree target = ((AssignmentTree) ((ExpressionStatementTree) s).getExpression()).getVariable();
      Element e = element(frame, target);
      if (e != null && frame.locals.containsKey(e)) frame.locals.put(e, Special.ERROR);
      else if (e != null && e.getKind() == ElementKind.FIELD && frame.self != null) {
        frame.self.fields.put(e.getSimpleName().toString(), Special.ERROR);
      }
    }
  }

  private void markOrigin(Frame frame, Tree s) {
    Tracer tracer = Tracer.active();
    if (tracer == null || frame.mode == Mode.CONSTRUCT) return;
    SourcePositions pos = trees.getSourcePositions();
    long start = pos.getStartPosition(frame.unit, s);
    long line = frame.unit.getLineMap().getLineNumber(start);
    String file = fileName(frame.unit);
    String origin = file + ":" + line;
    tracer.setOrigin(origin);
    if (!sourceText.containsKey(origin)) {
      String text = s.toString();
      int nl = text.indexOf('\n');
      if (nl >= 0) text = text.substring(0, nl);
      sourceText.put(origin, text.trim());
    }
  }

  static String fileName(CompilationUnitTree unit) {
    String name = unit.getSourceFile().getName();
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    return name.substring(slash + 1);
  }

  private Completion exec(Frame frame, StatementTree s, boolean recover) {
    return execUnchecked(frame, s, recover);
  }

  private Completion execUnchecked(Frame frame, StatementTree s, boolean recover) {
    switch (s.getKind()) {
      case VARIABLE: {
        markOrigin(frame, s);
        VariableTree v = (VariableTree) s;
        Element e = trees.getElement(paths.path(frame.unit, v));
        Object value = v.getInitializer() == null ? Special.UNASSIGNED : evalTo(frame, v.getInitializer(), e.asType());
        checkLocalType(frame, e.asType(), v);
        frame.locals.put(e, value);
        return Completion.NORMAL;
      }
      case EXPRESSION_STATEMENT: {
        markOrigin(frame, s);
        eval(frame, ((ExpressionStatementTree) s).getExpression());
        return Completion.NORMAL;
      }
      case BLOCK:
        return execStatements(frame, ((BlockTree) s).getStatements(), recover);
      case EMPTY_STATEMENT:
        return Completion.NORMAL;
      case IF: {
        IfTree t = (IfTree) s;
        markOrigin(frame, t.getCondition());
        boolean cond = condition(frame, t.getCondition(), "if");
        StatementTree branch = cond ? t.getThenStatement() : t.getElseStatement();
        return branch == null ? Completion.NORMAL : execNested(frame, branch, recover);
      }
      case FOR_LOOP:
        return execFor(frame, (ForLoopTree) s, recover);
      case ENHANCED_FOR_LOOP:
        return execForEach(frame, (EnhancedForLoopTree) s, recover);
      case RETURN: {
        markOrigin(frame, s);
        ReturnTree r = (ReturnTree) s;
        frame.returned = r.getExpression() == null ? Special.NULL : eval(frame, r.getExpression());
        frame.hasReturned = true;
        return Completion.RETURN;
      }
      case BREAK:
        if (((com.sun.source.tree.BreakTree) s).getLabel() != null) throw unsupported(frame, s, "a labelled break");
        return Completion.BREAK;
      case CONTINUE:
        if (((com.sun.source.tree.ContinueTree) s).getLabel() != null) throw unsupported(frame, s, "a labelled continue");
        return Completion.CONTINUE;
      case WHILE_LOOP:
        throw unsupported(frame, s, "a while loop (use a for loop with a compile-time bound)");
      case DO_WHILE_LOOP:
        throw unsupported(frame, s, "a do-while loop (use a for loop with a compile-time bound)");
      case SWITCH:
        throw unsupported(frame, s, "a switch statement (use if/else)");
      case TRY:
        throw unsupported(frame, s, "a try statement");
      case THROW:
        throw unsupported(frame, s, "a throw statement");
      case SYNCHRONIZED:
        throw unsupported(frame, s, "a synchronized block");
      case CLASS:
        throw unsupported(frame, s, "a local class");
      case ASSERT:
        throw unsupported(frame, s, "an assert statement");
      case LABELED_STATEMENT:
        throw unsupported(frame, s, "a labelled statement");
      default:
        throw unsupported(frame, s, "this statement (" + s.getKind().toString().toLowerCase().replace('_', ' ') + ")");
    }
  }

  private Completion execNested(Frame frame, StatementTree s, boolean recover) {
    if (s instanceof BlockTree) return execStatements(frame, ((BlockTree) s).getStatements(), recover);
    return execStatements(frame, List.of(s), recover);
  }

  private void checkLocalType(Frame frame, TypeMirror t, Tree site) {
    if (frame.mode == Mode.CONSTRUCT) return;
    switch (t.getKind()) {
      case INT: case FLOAT: case BOOLEAN: case LONG: case DOUBLE:
        return;
      case ARRAY:
        TypeMirror c = ((ArrayType) t).getComponentType();
        if (isTensor(c) || c.getKind() == TypeKind.INT || c.getKind() == TypeKind.FLOAT) return;
        break;
      case DECLARED:
        if (isTensor(t) || types.isAssignable(t, abstractLayerType.asType())) return;
        String qn = ((TypeElement) types.asElement(t)).getQualifiedName().toString();
        if (qn.equals("dev.kiln.TensorShape") || qn.equals("java.lang.String")) return;
        break;
      default:
        break;
    }
    throw unsupported(frame, site, "a local variable of type " + t);
  }

  private Completion execFor(Frame frame, ForLoopTree loop, boolean recover) {
    for (StatementTree init : loop.getInitializer()) exec(frame, init, false);
    int iterations = 0;
    while (true) {
      if (loop.getCondition() != null) {
        markOrigin(frame, loop.getCondition());
        if (!condition(frame, loop.getCondition(), "for")) break;
      }
      if (++iterations > MAX_LOOP_ITERATIONS) {
        throw frame.error("this loop runs more than " + MAX_LOOP_ITERATIONS + " times at compile time", loop);
      }
      Completion c = execNested(frame, loop.getStatement(), recover);
      if (c == Completion.BREAK) break;
      if (c == Completion.RETURN) return c;
      for (ExpressionStatementTree u : loop.getUpdate()) eval(frame, u.getExpression());
    }
    return Completion.NORMAL;
  }

  private Completion execForEach(Frame frame, EnhancedForLoopTree loop, boolean recover) {
    markOrigin(frame, loop.getExpression());
    Object iterable = eval(frame, loop.getExpression());
    if (!(iterable instanceof ArrayValue)) {
      throw frame.error("an enhanced for loop in " + frame.where() + " must iterate over an array known at compile time"
          + " (a @Layer array, say)", loop.getExpression());
    }
    Element var = trees.getElement(paths.path(frame.unit, loop.getVariable()));
    for (Object item : ((ArrayValue) iterable).elements) {
      frame.locals.put(var, item);
      Completion c = execNested(frame, loop.getStatement(), recover);
      if (c == Completion.BREAK) break;
      if (c == Completion.RETURN) return c;
    }
    return Completion.NORMAL;
  }

  private boolean condition(Frame frame, ExpressionTree cond, String construct) {
    Object v = eval(frame, cond);
    if (v instanceof Boolean) return (Boolean) v;
    throw frame.error("the condition of this " + construct + " must be known at compile time (fields, constructor"
        + " arguments, training, shapes), but it is not", cond);
  }

  private KilnDiagnostic unsupported(Frame frame, Tree tree, String construct) {
    return frame.error(construct + " is not supported in " + frame.where()
        + (frame.mode == Mode.CALL ? " (Kiln reads the body at compile time)" : ""), tree);
  }

  // ================================================================================================
  // Expressions
  // ================================================================================================

  private Element element(Frame frame, Tree tree) {
    return trees.getElement(paths.path(frame.unit, tree));
  }

  private TypeMirror typeOf(Frame frame, Tree tree) {
    return trees.getTypeMirror(paths.path(frame.unit, tree));
  }

  /** Evaluates an expression and converts numbers to the declared type (int literal into a float, say). */
  private Object evalTo(Frame frame, ExpressionTree tree, TypeMirror target) {
    Object v = eval(frame, tree);
    return target == null ? v : coerce(v, target);
  }

  private static Object coerce(Object v, TypeMirror target) {
    if (!(v instanceof Number) && !(v instanceof Character)) return v;
    double d = v instanceof Character ? (Character) v : ((Number) v).doubleValue();
    long l = v instanceof Character ? (Character) v : ((Number) v).longValue();
    switch (target.getKind()) {
      case INT: return (int) l;
      case LONG: return l;
      case FLOAT: return v instanceof Double ? (float) d : v instanceof Float ? v : (float) l;
      case DOUBLE: return v instanceof Float || v instanceof Double ? d : (double) l;
      case SHORT: return (short) l;
      case BYTE: return (byte) l;
      case CHAR: return (char) l;
      default: return v;
    }
  }

  Object eval(Frame frame, ExpressionTree tree) {
    Object v = evalRaw(frame, tree);
    if (v == Special.ERROR) throw new Silent();
    return v;
  }

  private Object evalRaw(Frame frame, ExpressionTree tree) {
    switch (tree.getKind()) {
      case INT_LITERAL: case LONG_LITERAL: case FLOAT_LITERAL: case DOUBLE_LITERAL: case BOOLEAN_LITERAL:
      case CHAR_LITERAL: case STRING_LITERAL:
        return ((LiteralTree) tree).getValue();
      case NULL_LITERAL:
        return Special.NULL;
      case PARENTHESIZED:
        return eval(frame, ((ParenthesizedTree) tree).getExpression());
      case IDENTIFIER:
        return identifier(frame, (IdentifierTree) tree);
      case MEMBER_SELECT:
        return memberSelect(frame, (MemberSelectTree) tree);
      case ARRAY_ACCESS: {
        ArrayAccessTree a = (ArrayAccessTree) tree;
        Object arr = eval(frame, a.getExpression());
        Object idx = eval(frame, a.getIndex());
        if (!(arr instanceof ArrayValue)) throw frame.error("this array is not known at compile time", a.getExpression());
        if (!(idx instanceof Integer)) throw frame.error("the array index must be known at compile time", a.getIndex());
        Object[] elems = ((ArrayValue) arr).elements;
        int i = (Integer) idx;
        if (i < 0 || i >= elems.length) {
          throw frame.error("index " + i + " is out of bounds for an array of length " + elems.length, a);
        }
        return elems[i];
      }
      case CONDITIONAL_EXPRESSION: {
        ConditionalExpressionTree c = (ConditionalExpressionTree) tree;
        boolean cond = condition(frame, c.getCondition(), "?: expression");
        return evalTo(frame, cond ? c.getTrueExpression() : c.getFalseExpression(), typeOf(frame, c));
      }
      case METHOD_INVOCATION:
        return invocation(frame, (MethodInvocationTree) tree);
      case NEW_CLASS:
        return newClass(frame, (NewClassTree) tree);
      case NEW_ARRAY:
        return newArray(frame, (NewArrayTree) tree);
      case ASSIGNMENT: {
        AssignmentTree a = (AssignmentTree) tree;
        Object v = evalTo(frame, a.getExpression(), typeOf(frame, a.getVariable()));
        assign(frame, a.getVariable(), v);
        return v;
      }
      case TYPE_CAST: {
        TypeCastTree c = (TypeCastTree) tree;
        Object v = eval(frame, c.getExpression());
        TypeMirror t = typeOf(frame, c.getType());
        if (t.getKind().isPrimitive()) return coerce(v, t);
        return v;
      }
      case PREFIX_INCREMENT: case PREFIX_DECREMENT: case POSTFIX_INCREMENT: case POSTFIX_DECREMENT: {
        UnaryTree u = (UnaryTree) tree;
        Object old = eval(frame, u.getExpression());
        int delta = tree.getKind() == Tree.Kind.PREFIX_INCREMENT || tree.getKind() == Tree.Kind.POSTFIX_INCREMENT ? 1 : -1;
        Object updated = coerce(Arithmetic.binary(Tree.Kind.PLUS, old, delta, typeOf(frame, u), frame, u), typeOf(frame, u));
        assign(frame, u.getExpression(), updated);
        return tree.getKind() == Tree.Kind.PREFIX_INCREMENT || tree.getKind() == Tree.Kind.PREFIX_DECREMENT ? updated : old;
      }
      case UNARY_MINUS: case UNARY_PLUS: case LOGICAL_COMPLEMENT: case BITWISE_COMPLEMENT: {
        UnaryTree u = (UnaryTree) tree;
        return Arithmetic.unary(tree.getKind(), eval(frame, u.getExpression()), typeOf(frame, u), frame, u);
      }
      case PLUS_ASSIGNMENT: case MINUS_ASSIGNMENT: case MULTIPLY_ASSIGNMENT: case DIVIDE_ASSIGNMENT:
      case REMAINDER_ASSIGNMENT: {
        CompoundAssignmentTree c = (CompoundAssignmentTree) tree;
        Object old = eval(frame, c.getVariable());
        Object rhs = eval(frame, c.getExpression());
        Object v = coerce(Arithmetic.binary(Arithmetic.forCompound(tree.getKind()), old, rhs, typeOf(frame, c.getVariable()), frame, c),
            typeOf(frame, c.getVariable()));
        assign(frame, c.getVariable(), v);
        return v;
      }
      case CONDITIONAL_AND: {
        BinaryTree b = (BinaryTree) tree;
        return condition(frame, b.getLeftOperand(), "&&") && condition(frame, b.getRightOperand(), "&&");
      }
      case CONDITIONAL_OR: {
        BinaryTree b = (BinaryTree) tree;
        return condition(frame, b.getLeftOperand(), "||") || condition(frame, b.getRightOperand(), "||");
      }
      case LAMBDA_EXPRESSION:
        throw unsupported(frame, tree, "a lambda expression");
      case MEMBER_REFERENCE:
        throw unsupported(frame, tree, "a method reference");
      case INSTANCE_OF:
        throw unsupported(frame, tree, "instanceof");
      default:
        if (tree instanceof BinaryTree) {
          BinaryTree b = (BinaryTree) tree;
          Object l = eval(frame, b.getLeftOperand());
          Object r = eval(frame, b.getRightOperand());
          return Arithmetic.binary(tree.getKind(), l, r, typeOf(frame, tree), frame, tree);
        }
        throw unsupported(frame, tree, "this expression (" + tree.getKind().toString().toLowerCase().replace('_', ' ') + ")");
    }
  }

  private Object identifier(Frame frame, IdentifierTree id) {
    String name = id.getName().toString();
    if (name.equals("this")) {
      if (frame.self == null) throw frame.error("'this' is not available here", id);
      return frame.self;
    }
    Element e = element(frame, id);
    if (e == null) throw frame.error("cannot resolve " + name, id);
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

  private Object memberSelect(Frame frame, MemberSelectTree ms) {
    Element e = element(frame, ms);
    String name = ms.getIdentifier().toString();
    if (name.equals("length")) {
      Object target = eval(frame, ms.getExpression());
      if (target instanceof ArrayValue) return ((ArrayValue) target).elements.length;
      throw frame.error("the length of this array is not known at compile time", ms);
    }
    if (e == null) throw frame.error("cannot resolve " + ms, ms);
    if (e.getKind() == ElementKind.FIELD || e.getKind() == ElementKind.ENUM_CONSTANT) {
      VariableElement f = (VariableElement) e;
      if (f.getModifiers().contains(Modifier.STATIC)) return fieldValue(frame, f, null, ms);
      Object target = eval(frame, ms.getExpression());
      if (target instanceof UserObject) return fieldValue(frame, f, (UserObject) target, ms);
      throw frame.error("field " + name + " of " + target + " is not known at compile time", ms);
    }
    throw frame.error(ms + " cannot be used as a value in " + frame.where(), ms);
  }

  private final Map<VariableElement, Object> staticValues = new HashMap<>();

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
    if (f.getKind() == ElementKind.ENUM_CONSTANT && !bridge.isRuntimeClass(owner)) return new UserEnum(owner, name);
    if (bridge.isRuntimeClass(owner)) {
      try {
        return bridge.staticField(f);
      } catch (RuntimeBridge.RuntimeFailure x) {
        throw frame.error(owner.getSimpleName() + "." + name + " is not available at compile time", site);
      }
    }
    if (!f.getModifiers().contains(Modifier.FINAL)) {
      throw frame.error("the value of " + name + " is not known at compile time: a static field must be final", site);
    }
    if (staticValues.containsKey(f)) return staticValues.get(f);
    VariableTree decl = (VariableTree) trees.getTree(f);
    TreePath declPath = trees.getPath(f);
    if (decl == null || declPath == null || decl.getInitializer() == null) {
      throw frame.error("the value of " + name + " is not known at compile time", site);
    }
    Frame staticFrame = new Frame(null, declPath.getCompilationUnit(), Mode.CONSTRUCT);
    Object v = evalTo(staticFrame, decl.getInitializer(), f.asType());
    staticValues.put(f, v);
    return v;
  }

  private void assign(Frame frame, ExpressionTree target, Object value) {
    if (target instanceof ArrayAccessTree) {
      ArrayAccessTree a = (ArrayAccessTree) target;
      Object arr = eval(frame, a.getExpression());
      Object idx = eval(frame, a.getIndex());
      if (!(arr instanceof ArrayValue) || !(idx instanceof Integer)) throw frame.error("this array element is not known at compile time", a);
      Object[] elems = ((ArrayValue) arr).elements;
      int i = (Integer) idx;
      if (i < 0 || i >= elems.length) throw frame.error("index " + i + " is out of bounds for an array of length " + elems.length, a);
      elems[i] = value;
      return;
    }
    Element e = element(frame, target);
    if (e == null) throw frame.error("cannot assign to " + target, target);
    if (frame.locals.containsKey(e)) {
      frame.locals.put(e, value);
      return;
    }
    if (e.getKind() == ElementKind.FIELD && !e.getModifiers().contains(Modifier.STATIC)) {
      UserObject owner = frame.self;
      if (target instanceof MemberSelectTree) {
        Object t = eval(frame, ((MemberSelectTree) target).getExpression());
        if (!(t instanceof UserObject)) throw frame.error("cannot assign to " + target, target);
        owner = (UserObject) t;
      }
      if (owner == null) throw frame.error("cannot assign to " + target, target);
      if (frame.mode == Mode.CALL) {
        throw frame.error("assigning to the field " + e.getSimpleName() + " is not supported in @Call: use a local variable", target);
      }
      owner.fields.put(e.getSimpleName().toString(), value);
      return;
    }
    throw frame.error("cannot assign to " + target + " in " + frame.where(), target);
  }

  private Object newArray(Frame frame, NewArrayTree na) {
    TypeMirror t = typeOf(frame, na);
    TypeMirror component = t instanceof ArrayType ? ((ArrayType) t).getComponentType() : null;
    if (na.getInitializers() != null) {
      List<Object> elems = new ArrayList<>();
      for (ExpressionTree e : na.getInitializers()) elems.add(component == null ? eval(frame, e) : evalTo(frame, e, component));
      return new ArrayValue(component, elems.toArray());
    }
    if (na.getDimensions().size() != 1) throw unsupported(frame, na, "a multi-dimensional array");
    Object n = eval(frame, na.getDimensions().get(0));
    if (!(n instanceof Integer) || (Integer) n < 0) throw frame.error("the array size must be a non-negative compile-time int", na);
    Object[] elems = new Object[(Integer) n];
    java.util.Arrays.fill(elems, component == null ? Special.NULL : defaultValue(component));
    return new ArrayValue(component, elems);
  }

  private Object newClass(Frame frame, NewClassTree nc) {
    if (nc.getClassBody() != null) throw unsupported(frame, nc, "an anonymous class");
    ExecutableElement ctor = (ExecutableElement) element(frame, nc);
    if (ctor == null) throw frame.error("cannot resolve this constructor", nc);
    TypeElement type = (TypeElement) ctor.getEnclosingElement();
    List<Object> args = evalArguments(frame, ctor, nc.getArguments());
    if (bridge.isRuntimeClass(type)) {
      if (frame.mode == Mode.CALL && types.isSubtype(type.asType(), abstractLayerType.asType())) {
        throw frame.error("creating a layer inside @Call is not supported: declare it as a @Layer field", nc);
      }
      try {
        return bridge.construct(ctor, args);
      } catch (RuntimeBridge.RuntimeFailure f) {
        throw frame.error(type.getSimpleName() + ": " + f.getMessage(), nc);
      }
    }
    if (types.isSubtype(types.erasure(type.asType()), types.erasure(abstractLayerType.asType()))) {
      if (frame.mode == Mode.CALL) {
        throw frame.error("creating a layer inside @Call is not supported: declare it as a @Layer field", nc);
      }
      return instantiate(type, ctor, args, nc, frame.unit);
    }
    throw frame.error("creating a " + type.getSimpleName() + " is not supported in " + frame.where()
        + ": its value would not be known at compile time", nc);
  }

  /** Evaluates call arguments and packs varargs into an array, as javac's method invocation conversion does. */
  private List<Object> evalArguments(Frame frame, ExecutableElement method, List<? extends ExpressionTree> argTrees) {
    List<? extends VariableElement> params = method.getParameters();
    List<Object> args = new ArrayList<>();
    int fixed = method.isVarArgs() ? params.size() - 1 : params.size();
    for (int i = 0; i < fixed && i < argTrees.size(); i++) args.add(evalTo(frame, argTrees.get(i), params.get(i).asType()));
    if (method.isVarArgs()) {
      ArrayType varType = (ArrayType) params.get(params.size() - 1).asType();
      boolean passesArray = argTrees.size() == params.size()
          && typeOf(frame, argTrees.get(argTrees.size() - 1)).getKind() == TypeKind.ARRAY
          && types.isAssignable(typeOf(frame, argTrees.get(argTrees.size() - 1)), varType);
      if (passesArray) {
        args.add(eval(frame, argTrees.get(argTrees.size() - 1)));
      } else {
        List<Object> rest = new ArrayList<>();
        for (int i = fixed; i < argTrees.size(); i++) rest.add(evalTo(frame, argTrees.get(i), varType.getComponentType()));
        args.add(new ArrayValue(varType.getComponentType(), rest.toArray()));
      }
    }
    return args;
  }

  // ================================================================================================
  // Method calls
  // ================================================================================================

  private Object invocation(Frame frame, MethodInvocationTree inv) {
    ExpressionTree select = inv.getMethodSelect();
    Element el = element(frame, select);
    if (!(el instanceof ExecutableElement)) throw frame.error("cannot resolve this call", inv);
    ExecutableElement m = (ExecutableElement) el;
    String name = m.getSimpleName().toString();
    TypeElement owner = (TypeElement) m.getEnclosingElement();
    boolean isStatic = m.getModifiers().contains(Modifier.STATIC);

    if (isStatic) {
      List<Object> args = evalArguments(frame, m, inv.getArguments());
      if (bridge.isRuntimeClass(owner) || RuntimeBridge.isJavaMath(m)) {
        return runRuntime(frame, m, null, args, inv);
      }
      if (frame.self != null && owner.equals(frame.self.type) || frame.self == null && trees.getTree(m) != null) {
        return invokeUserMethod(frame.self, m, args, frame.mode, inv, frame);
      }
      throw notSupportedCall(frame, inv, owner, name);
    }

    // Instance method of a class Kiln cannot run (PrintStream.println, say): reject before reading the receiver.
    if (!bridge.isRuntimeClass(owner) && trees.getPath(owner) == null && !isArrayOrEnumMethod(name)) {
      throw notSupportedCall(frame, inv, owner, name);
    }

    // Instance method: find the receiver.
    Object receiver;
    String receiverText;
    if (select instanceof MemberSelectTree) {
      receiver = eval(frame, ((MemberSelectTree) select).getExpression());
      receiverText = ((MemberSelectTree) select).getExpression().toString();
    } else {
      if (frame.self == null) throw frame.error(name + "() needs an object", inv);
      receiver = frame.self;
      receiverText = "this";
    }

    if (name.equals("apply") && owner.getQualifiedName().contentEquals(AbstractLayer.class.getCanonicalName())) {
      if (frame.mode != Mode.CALL) {
        throw frame.error("layers can be applied only in @Call methods, not in " + frame.where(), inv);
      }
      List<Object> args = evalArguments(frame, m, inv.getArguments());
      String what = receiver instanceof UserObject && ((UserObject) receiver).path != null
          ? "'" + ((UserObject) receiver).path + "'" : "'" + receiverText + "'";
      return applyLayer(frame, receiver, m, args, inv, what);
    }

    if (receiver == Special.NULL) {
      throw frame.error(receiverText + " is null here, so " + name + "() cannot be called", inv);
    }

    if (receiver instanceof UserObject) {
      UserObject obj = (UserObject) receiver;
      if (name.equals("addWeight") && owner.getQualifiedName().contentEquals(AbstractLayer.class.getCanonicalName())) {
        if (frame.mode != Mode.BUILD) {
          throw frame.error("addWeight can be called only in build(TensorShape), not in " + frame.where(), inv);
        }
        List<Object> args = evalArguments(frame, m, inv.getArguments());
        return addWeight(frame, args, inv);
      }
      if (owner.equals(obj.type) && obj == frame.self) {
        List<Object> args = evalArguments(frame, m, inv.getArguments());
        return invokeUserMethod(obj, m, args, frame.mode, inv, frame);
      }
      throw notSupportedCall(frame, inv, owner, name);
    }

    if (receiver instanceof Tensor) {
      if (!TENSOR_ACCESSORS.contains(name)) {
        throw frame.error("Tensor." + name + "() is not supported in " + frame.where()
            + ": at compile time tensors have shapes but no values (use shape(), rank(), dim(i) or size())", inv);
      }
      return runRuntime(frame, m, receiver, evalArguments(frame, m, inv.getArguments()), inv);
    }
    if (receiver instanceof TensorShape || receiver instanceof Initializer) {
      return runRuntime(frame, m, receiver, evalArguments(frame, m, inv.getArguments()), inv);
    }
    if (receiver instanceof AbstractLayer) {
      if (frame.mode == Mode.CALL) {
        throw frame.error(owner.getSimpleName() + "." + name + "() is not supported in @Call: configure layers where they"
            + " are declared and only apply them in @Call", inv);
      }
      return runRuntime(frame, m, receiver, evalArguments(frame, m, inv.getArguments()), inv);
    }
    if (receiver instanceof ArrayValue && name.equals("clone")) {
      return new ArrayValue(((ArrayValue) receiver).componentType, ((ArrayValue) receiver).elements.clone());
    }
    if (receiver instanceof Enum<?> && (name.equals("ordinal") || name.equals("name"))) {
      return name.equals("ordinal") ? ((Enum<?>) receiver).ordinal() : ((Enum<?>) receiver).name();
    }
    throw notSupportedCall(frame, inv, owner, name);
  }

  private static boolean isArrayOrEnumMethod(String name) {
    return name.equals("clone") || name.equals("ordinal") || name.equals("name");
  }

  private static final java.util.Set<String> TENSOR_ACCESSORS = java.util.Set.of("shape", "rank", "dim", "size", "dtype", "tensorShape");

  private KilnDiagnostic notSupportedCall(Frame frame, MethodInvocationTree inv, TypeElement owner, String name) {
    String allowed = frame.mode == Mode.CALL
        ? " (a @Call body may call apply on @Layer fields, Ops, Tensor shape accessors and methods of its own class)"
        : " (its value would not be known at compile time)";
    return frame.error("the call " + owner.getSimpleName() + "." + name + "() is not supported in " + frame.where() + allowed, inv);
  }

  private Object runRuntime(Frame frame, ExecutableElement m, Object receiver, List<Object> args, Tree site) {
    for (Object a : args) {
      if (a instanceof UserObject || a instanceof UserEnum) {
        throw frame.error(m.getSimpleName() + "() of the Kiln runtime cannot take " + a, site);
      }
    }
    try {
      return bridge.invoke(m, receiver, args);
    } catch (RuntimeBridge.RuntimeFailure f) {
      String scope = Tracer.active() == null ? "" : Tracer.active().scope();
      // the receiver's class, not the declaring one: Conv2D.strides, not ConvLayer2D.strides
      String owner = receiver != null && receiver.getClass().getName().startsWith("dev.kiln.")
          ? receiver.getClass().getSimpleName() : m.getEnclosingElement().getSimpleName().toString();
      String prefix = scope.isEmpty() ? "" : scope + ": ";
      throw frame.error(prefix + owner + "." + m.getSimpleName() + ": " + f.getMessage(), site);
    }
  }

  private Object addWeight(Frame frame, List<Object> args, Tree site) {
    Object name = args.get(0);
    Object init = args.get(1);
    Object shape = args.get(2);
    if (!(name instanceof String)) throw frame.error("the weight name must be a compile-time String", site);
    if (!(init instanceof Initializer)) throw frame.error("the initializer must come from Initializers", site);
    int[] dims = (int[]) bridge.toJava(shape, int[].class);
    try {
      return Tracer.require().variable((String) name, DType.FLOAT32, dims, (Initializer) init);
    } catch (IllegalArgumentException e) {
      throw frame.error(frame.self.simpleName() + ": " + e.getMessage(), site);
    }
  }
}

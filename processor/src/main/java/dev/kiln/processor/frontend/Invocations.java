package dev.kiln.processor.frontend;

import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.Tree;
import dev.kiln.AbstractLayer;
import dev.kiln.Initializer;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;
import dev.kiln.graph.Tracer;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;

/**
 * Method calls: decides what a call means at compile time and runs it. Calls into the Kiln runtime
 * ({@code Ops}, shape accessors, layer setters) and pure {@code Math} run through {@link RuntimeBridge};
 * {@code apply} and {@code addWeight} go to {@link LayerApplication}; methods of the user's own class are
 * inlined by {@link MethodInliner}. Anything else is an error that says what a body may call.
 */
final class Invocations {
  private static final Set<String> TENSOR_ACCESSORS =
      Set.of("shape", "rank", "dim", "size", "dtype", "tensorShape", "mask", "withMask");

  private final Interpreter in;

  Invocations(Interpreter in) {
    this.in = in;
  }

  Object invoke(Frame frame, MethodInvocationTree inv) {
    ExpressionTree select = inv.getMethodSelect();
    Element el = in.javac.element(frame.unit, select);
    if (!(el instanceof ExecutableElement)) throw in.javac.unresolved(frame, inv, "the method called in `" + inv + "`");
    ExecutableElement m = (ExecutableElement) el;
    String name = m.getSimpleName().toString();
    TypeElement owner = (TypeElement) m.getEnclosingElement();

    if (m.getModifiers().contains(Modifier.STATIC)) return invokeStatic(frame, inv, m, owner, name);

    ExpressionTree receiverTree = select instanceof MemberSelectTree ? ((MemberSelectTree) select).getExpression() : null;
    if (receiverTree != null && in.variables.failedEarlier(frame, receiverTree)) throw new AlreadyReported();
    // Instance method of a class Kiln cannot run (PrintStream.println, say): reject before reading the receiver.
    if (!in.bridge.isRuntimeClass(owner) && in.javac.declaration(owner) == null && !isArrayOrEnumMethod(name)) {
      throw notSupportedCall(frame, inv, owner, name);
    }

    Object receiver;
    String receiverText;
    if (receiverTree != null) {
      receiver = in.expressions.eval(frame, receiverTree);
      receiverText = receiverTree.toString();
    } else {
      if (frame.self == null) throw frame.error(name + "() needs an object", inv);
      receiver = frame.self;
      receiverText = "this";
    }

    if ((name.equals("apply") || name.equals("applyAll")) && isAbstractLayer(owner)) {
      if (frame.mode != Frame.Mode.CALL) {
        throw frame.error("layers can be applied only in @Call methods, not in " + frame.where(), inv);
      }
      List<Object> args = evalArguments(frame, m, inv.getArguments());
      String what = receiver instanceof UserObject && ((UserObject) receiver).path != null
          ? "'" + ((UserObject) receiver).path + "'" : "'" + receiverText + "'";
      return in.layers.apply(frame, receiver, receiverTree, m, args, inv, what);
    }

    if (receiver == Special.NULL) {
      throw frame.error(receiverText + " is null here, so " + name + "() cannot be called", inv);
    }
    return invokeOn(frame, inv, m, owner, name, receiver, receiverText);
  }

  private Object invokeStatic(Frame frame, MethodInvocationTree inv, ExecutableElement m, TypeElement owner, String name) {
    List<Object> args = evalArguments(frame, m, inv.getArguments());
    if (in.bridge.isRuntimeClass(owner) || RuntimeBridge.isJavaMath(m)) {
      return runRuntime(frame, m, null, args, inv);
    }
    if (frame.self != null && owner.equals(frame.self.type) || frame.self == null && in.javac.declaration(m) != null) {
      return in.inliner.invoke(frame.self, m, args, frame.mode, inv, frame);
    }
    throw notSupportedCall(frame, inv, owner, name);
  }

  /** An instance method other than {@code apply}, on a receiver that is not null. */
  private Object invokeOn(Frame frame, MethodInvocationTree inv, ExecutableElement m, TypeElement owner, String name,
      Object receiver, String receiverText) {
    if (receiver instanceof UserObject) {
      UserObject obj = (UserObject) receiver;
      if (name.equals("addWeight") && isAbstractLayer(owner)) {
        if (frame.mode != Frame.Mode.BUILD) {
          throw frame.error("addWeight can be called only in build(TensorShape), not in " + frame.where(), inv);
        }
        return in.layers.addWeight(frame, evalArguments(frame, m, inv.getArguments()), inv);
      }
      if (owner.equals(obj.type) && obj == frame.self) {
        return in.inliner.invoke(obj, m, evalArguments(frame, m, inv.getArguments()), frame.mode, inv, frame);
      }
      if (name.equals("call")) {
        throw frame.error("apply a layer with apply(...), not call(...): apply builds " + receiverText + " on first use"
            + " and names its weights, as Keras' __call__ does", inv);
      }
      throw notSupportedCall(frame, inv, owner, name);
    }
    if (receiver instanceof Tensor) {
      if (!TENSOR_ACCESSORS.contains(name)) {
        String instead = in.javac.isOp(name)
            ? "use Ops." + name + "(...), which records the op in the graph"
            : "at compile time tensors have shapes but no values (use shape(), rank(), dim(i) or size())";
        throw frame.error("Tensor." + name + "() is not supported in " + frame.where() + ": " + instead, inv);
      }
      return runShapeAccessor(frame, inv, m, receiver, receiverText);
    }
    if (receiver instanceof TensorShape) {
      return runShapeAccessor(frame, inv, m, receiver, receiverText);
    }
    if (receiver instanceof Initializer) {
      return runRuntime(frame, m, receiver, evalArguments(frame, m, inv.getArguments()), inv);
    }
    if (receiver instanceof AbstractLayer) {
      if (frame.mode == Frame.Mode.CALL) {
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

  /** A shape accessor of a tensor or {@code TensorShape}; unknown dimensions come back named, not as -1. */
  private Object runShapeAccessor(Frame frame, MethodInvocationTree inv, ExecutableElement m, Object receiver,
      String receiverText) {
    List<Object> args = evalArguments(frame, m, inv.getArguments());
    Object result = runRuntime(frame, m, receiver, args, inv);
    return ShapeAccessors.withRunTimeDimensions(m.getSimpleName().toString(), receiver, receiverText, args, result);
  }

  /** Arguments the runtime cannot take, or would read other than eager code does; varargs are packed, one per parameter. */
  private void checkRuntimeArguments(Frame frame, ExecutableElement m, List<Object> args, Tree site) {
    String method = m.getEnclosingElement().getSimpleName() + "." + m.getSimpleName() + "()";
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      VariableElement param = m.getParameters().get(i);
      if (a instanceof UserObject || a instanceof UserEnum) {
        throw frame.error(m.getSimpleName() + "() of the Kiln runtime cannot take " + a, site);
      }
      if (a == Special.NULL && isOp(m) && in.javac.isTensor(param.asType())) {
        throw frame.error(method + " gets null for its parameter '" + param.getSimpleName() + "' (a field never"
            + " assigned, or a weight that build() did not create?)", site);
      }
      RunTimeDimension d = RunTimeDimension.find(a);
      if (d != null && !ShapeAccessors.takesRunTimeDimension(m, i)) {
        throw frame.error(d.onlyKnownAtRunTime() + ", but " + method + " needs a compile-time value for its parameter '"
            + param.getSimpleName() + "'", site);
      }
    }
  }

  private static boolean isOp(ExecutableElement m) {
    return ((TypeElement) m.getEnclosingElement()).getQualifiedName().contentEquals("dev.kiln.Ops");
  }

  private static boolean isAbstractLayer(TypeElement owner) {
    return owner.getQualifiedName().contentEquals(AbstractLayer.class.getCanonicalName());
  }

  private static boolean isArrayOrEnumMethod(String name) {
    return name.equals("clone") || name.equals("ordinal") || name.equals("name");
  }

  private static KilnDiagnostic notSupportedCall(Frame frame, MethodInvocationTree inv, TypeElement owner, String name) {
    String allowed = frame.mode == Frame.Mode.CALL
        ? " (a @Call body may call apply on @Layer fields, Ops, Tensor shape accessors and methods of its own class)"
        : " (its value would not be known at compile time)";
    return frame.error("the call " + owner.getSimpleName() + "." + name + "() is not supported in " + frame.where() + allowed, inv);
  }

  /** Evaluates call arguments and packs varargs into an array, as javac's method invocation conversion does. */
  List<Object> evalArguments(Frame frame, ExecutableElement method, List<? extends ExpressionTree> argTrees) {
    List<? extends VariableElement> params = method.getParameters();
    List<Object> args = new ArrayList<>();
    int fixed = method.isVarArgs() ? params.size() - 1 : params.size();
    for (int i = 0; i < fixed && i < argTrees.size(); i++) {
      args.add(in.expressions.evalTo(frame, argTrees.get(i), params.get(i).asType()));
    }
    if (method.isVarArgs()) {
      ArrayType varType = (ArrayType) params.get(params.size() - 1).asType();
      ExpressionTree last = argTrees.isEmpty() ? null : argTrees.get(argTrees.size() - 1);
      boolean passesArray = argTrees.size() == params.size()
          && in.javac.typeOf(frame.unit, last).getKind() == TypeKind.ARRAY
          && in.javac.types.isAssignable(in.javac.typeOf(frame.unit, last), varType);
      if (passesArray) {
        args.add(in.expressions.eval(frame, last));
      } else {
        List<Object> rest = new ArrayList<>();
        for (int i = fixed; i < argTrees.size(); i++) rest.add(in.expressions.evalTo(frame, argTrees.get(i), varType.getComponentType()));
        args.add(new ArrayValue(varType.getComponentType(), rest.toArray()));
      }
    }
    return args;
  }

  /** Runs runtime code; its exceptions become errors at {@code site}, prefixed with the layer being applied. */
  Object runRuntime(Frame frame, ExecutableElement m, Object receiver, List<Object> args, Tree site) {
    checkRuntimeArguments(frame, m, args, site);
    try {
      return in.bridge.invoke(m, receiver, args);
    } catch (RuntimeBridge.RuntimeFailure f) {
      String scope = Tracer.active() == null ? "" : Tracer.active().scope();
      // the receiver's class, not the declaring one: Conv2D.strides, not ConvLayer2D.strides
      String owner = receiver != null && receiver.getClass().getName().startsWith("dev.kiln.")
          ? receiver.getClass().getSimpleName() : m.getEnclosingElement().getSimpleName().toString();
      String prefix = scope.isEmpty() ? "" : scope + ": ";
      String method = owner + "." + m.getSimpleName();
      String message = f.getMessage().startsWith(method + ":") ? f.getMessage() : method + ": " + f.getMessage();
      throw frame.error(prefix + message, site);
    }
  }
}

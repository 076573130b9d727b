package dev.kiln.processor.frontend;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Initializer;
import dev.kiln.Tensor;
import dev.kiln.TensorShape;
import dev.kiln.graph.Tracer;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.util.ElementFilter;

/**
 * Keras' {@code __call__} at compile time: {@code apply} on a layer value builds it on first use and runs its
 * call in the layer's name scope. Built-in layers run for real on symbolic tensors; user layers have their
 * {@code build} (with {@code addWeight}) and {@code @Call} bodies interpreted.
 */
final class LayerApplication {
  private final Interpreter in;
  /** Built-in layer objects to their absolute paths ({@code blocks/3/conv}), which scope their graph nodes. */
  private final Map<Object, String> paths = new IdentityHashMap<>();
  private final Set<TypeElement> checkedCallMethods = new HashSet<>();
  private final Set<TypeElement> malformedCallMethods = new HashSet<>();

  LayerApplication(Interpreter in) {
    this.in = in;
  }

  void registerPath(Object layer, String path) {
    paths.putIfAbsent(layer, path);
  }

  /**
   * Applies a layer value to inputs. {@code overload} is the {@code apply} the user called, which selects
   * the {@code call} overload as {@link AbstractLayer} does at run time.
   */
  Object apply(Frame frame, Object layer, ExpressionTree receiver, ExecutableElement overload, List<Object> args, Tree site,
      String what) {
    if (layer == Special.NULL) {
      throw frame.error("layer " + what + " is null here and cannot be applied: a null @Layer has no weights and must"
          + " not be applied on any path that the compile-time conditions leave", site);
    }
    if (layer instanceof AbstractLayer && !paths.containsKey(layer) || layer instanceof UserObject && ((UserObject) layer).path == null) {
      throw notALayerField(frame, receiver, site);
    }
    Tracer tracer = Tracer.require();
    String savedOrigin = tracer.origin();
    if (layer instanceof AbstractLayer) {
      String path = paths.get(layer);
      tracer.pushScope(path);
      try {
        return in.bridge.invoke(overload, layer, args);
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
    tracer.pushScope(((UserObject) layer).path);
    try {
      return applyUserLayer(frame, (UserObject) layer, args, site, overload.getSimpleName().contentEquals("applyAll"));
    } finally {
      tracer.popScope();
      tracer.setOrigin(savedOrigin);
    }
  }

  /**
   * A layer that no {@code @Layer} field holds has no name in the model: its weights would be traced under a made-up
   * scope that neither {@code loadInto} nor a saved model knows, so the session and the eager model would differ.
   */
  private KilnDiagnostic notALayerField(Frame frame, ExpressionTree receiver, Tree site) {
    String field = fieldOf(frame, receiver);
    String why = ": Kiln names, loads and saves the weights of @Layer fields only, so the compiled session and the"
        + " eager model would use different weights";
    if (field == null) {
      return frame.error("this layer is applied in " + frame.where() + " but no @Layer field holds it" + why, site);
    }
    return frame.error("field '" + field + "' is applied in " + frame.where() + " but has no @Layer annotation" + why
        + " (annotate it: @Layer final ... " + field + ")", site);
  }

  /** The field a receiver expression reads ({@code out}, {@code this.out}, {@code blocks[i]}), or null. */
  private String fieldOf(Frame frame, ExpressionTree receiver) {
    ExpressionTree t = receiver;
    while (t instanceof ParenthesizedTree || t instanceof ArrayAccessTree) {
      t = t instanceof ParenthesizedTree ? ((ParenthesizedTree) t).getExpression() : ((ArrayAccessTree) t).getExpression();
    }
    if (!(t instanceof IdentifierTree) && !(t instanceof MemberSelectTree)) return null;
    Element e = in.javac.element(frame.unit, t);
    return e != null && e.getKind() == ElementKind.FIELD ? e.getSimpleName().toString() : null;
  }

  private Object applyUserLayer(Frame frame, UserObject obj, List<Object> args, Tree site, boolean all) {
    List<Object> inputs = flattenInputs(args);
    boolean training = false;
    Object explicitMask = null;
    if (args.size() >= 2 && args.get(1) instanceof Boolean) {
      training = (Boolean) args.get(1);
      if (args.size() == 3) explicitMask = args.get(2);
      inputs = List.of(args.get(0));
    }
    if (!obj.built) {
      obj.built = true;
      ExecutableElement build = in.javac.buildMethod(obj.type);
      if (build != null) {
        Tensor first = (Tensor) inputs.get(0);
        in.inliner.invoke(obj, build, List.of(TensorShape.of(first.shape())), Frame.Mode.BUILD, site, frame);
      }
    }
    // Keras 3's __call__: the mask given to apply, else the input's, goes to call and to compute_mask
    Object previous = inputs.size() == 1 ? maskOf(explicitMask != null && explicitMask != Special.NULL
        ? explicitMask : ((Tensor) inputs.get(0)).mask()) : Special.NULL;
    ExecutableElement call = selectCall(obj, inputs.size(), frame, site);
    List<Object> callArgs = new ArrayList<>();
    List<? extends VariableElement> params = call.getParameters();
    if (call.isVarArgs() && params.size() == 1) {
      callArgs.add(new ArrayValue(in.javac.tensorType(), inputs.toArray()));
    } else if (isMaskSignature(call)) {
      callArgs.add(inputs.get(0));
      callArgs.add(training);
      callArgs.add(previous);
    } else {
      int t = 0;
      for (VariableElement p : params) {
        callArgs.add(p.asType().getKind() == TypeKind.BOOLEAN ? (Object) training : inputs.get(t++));
      }
    }
    Object result = in.inliner.invoke(obj, call, callArgs, Frame.Mode.CALL, site, frame);
    if (result == Special.ERROR) throw new AlreadyReported();
    if (result instanceof ArrayValue && all) return result;
    if (!(result instanceof Tensor)) {
      throw frame.error(obj.simpleName() + "'s @Call method must return one Tensor to be applied as a layer", site);
    }
    Tensor out = (Tensor) result;
    if (out.mask() == null) {
      Object mask = inputs.size() == 1 ? outputMask(frame, obj, inputs.get(0), previous, site)
          : outputMask(frame, obj, inputs, site);
      if (mask instanceof Tensor) out = out.withMask((Tensor) mask);
    }
    return all ? new ArrayValue(in.javac.tensorType(), new Object[] {out}) : out;
  }

  private static Object maskOf(Tensor mask) {
    return mask == null ? Special.NULL : mask;
  }

  private static Object maskOf(Object mask) {
    return mask instanceof Tensor ? mask : Special.NULL;
  }

  /**
   * The output mask of a user layer applied to one input, as {@code AbstractLayer.computeMask}: the layer's own
   * {@code computeMask(Tensor, Tensor)}, else the input's mask when its {@code supportsMasking()} says so, else none.
   */
  private Object outputMask(Frame frame, UserObject obj, Object input, Object previous, Tree site) {
    ExecutableElement compute = in.javac.declaredMethod(obj.type, "computeMask", TENSOR, TENSOR);
    if (compute != null) return in.inliner.invoke(obj, compute, List.of(input, previous), Frame.Mode.CALL, site, frame);
    return supportsMasking(frame, obj, site) ? previous : Special.NULL;
  }

  /** The same for several inputs: {@code computeMask(Tensor[], Tensor[])}, else the first input's mask. */
  private Object outputMask(Frame frame, UserObject obj, List<Object> inputs, Tree site) {
    Object[] masks = new Object[inputs.size()];
    for (int i = 0; i < masks.length; i++) masks[i] = maskOf(((Tensor) inputs.get(i)).mask());
    ExecutableElement compute = in.javac.declaredMethod(obj.type, "computeMask", TENSOR + "[]", TENSOR + "[]");
    if (compute != null) {
      List<Object> args = List.of(new ArrayValue(in.javac.tensorType(), inputs.toArray()),
          new ArrayValue(in.javac.tensorType(), masks));
      return in.inliner.invoke(obj, compute, args, Frame.Mode.CALL, site, frame);
    }
    return supportsMasking(frame, obj, site) ? masks[0] : Special.NULL;
  }

  private boolean supportsMasking(Frame frame, UserObject obj, Tree site) {
    ExecutableElement supports = in.javac.declaredMethod(obj.type, "supportsMasking");
    if (supports == null) return false;
    Object v = in.inliner.invoke(obj, supports, List.of(), Frame.Mode.CALL, site, frame);
    if (!(v instanceof Boolean)) {
      throw frame.error(obj.simpleName() + ".supportsMasking() must return a boolean known at compile time", site);
    }
    return (Boolean) v;
  }

  private static final String TENSOR = "dev.kiln.Tensor";

  /** {@code call(Tensor inputs, boolean training, Tensor mask)}: Keras' signature with the mask. */
  private boolean isMaskSignature(ExecutableElement m) {
    List<? extends VariableElement> ps = m.getParameters();
    return ps.size() == 3 && in.javac.isTensor(ps.get(0).asType()) && ps.get(1).asType().getKind() == TypeKind.BOOLEAN
        && in.javac.isTensor(ps.get(2).asType());
  }

  private static List<Object> flattenInputs(List<Object> args) {
    if (args.size() == 1 && args.get(0) instanceof ArrayValue) return List.of(((ArrayValue) args.get(0)).elements);
    return args;
  }

  /**
   * The {@code @Call} method of a user class that takes {@code n} tensors (plus an optional training flag, and for one
   * tensor the optional mask of Keras' {@code call(inputs, training, mask)}).
   */
  private ExecutableElement selectCall(UserObject obj, int n, Frame frame, Tree site) {
    refuseMalformedCallMethods(obj.type);
    ExecutableElement varargs = null;
    for (ExecutableElement m : ElementFilter.methodsIn(obj.type.getEnclosedElements())) {
      if (!Attribution.isCallMethod(m)) continue;
      int tensors = 0;
      boolean ok = true;
      for (VariableElement p : m.getParameters()) {
        if (in.javac.isTensor(p.asType())) tensors++;
        else if (p.asType().getKind() != TypeKind.BOOLEAN) ok = false;
      }
      if (m.isVarArgs() && m.getParameters().size() == 1) {
        varargs = m;
        continue;
      }
      if (isMaskSignature(m)) tensors = 1;
      if (ok && tensors == n) return m;
    }
    if (varargs != null) return varargs;
    for (ExecutableElement m : ElementFilter.methodsIn(obj.type.getEnclosedElements())) {
      TreePath path = in.javac.declaration(m);
      if (m.getSimpleName().contentEquals("call") && !Attribution.isCallMethod(m) && path != null) {
        throw new KilnDiagnostic(obj.simpleName() + ".call(...) is not marked @Call: Kiln reads only the method marked"
            + " @Call (add @Call above it)", path.getLeaf(), path.getCompilationUnit());
      }
    }
    throw frame.error(obj.simpleName() + " has no @Call method that takes " + n + " tensor(s): apply(...) with "
        + n + " input(s) needs a matching @Call call(...) overload", site);
  }

  /** A layer whose {@code @Call} declarations are wrong is not applied; the mistakes are reported where they are. */
  private void refuseMalformedCallMethods(TypeElement type) {
    if (!checkedCallMethods.add(type)) {
      if (malformedCallMethods.contains(type)) throw new AlreadyReported();
      return;
    }
    boolean malformed = false;
    for (ExecutableElement m : ElementFilter.methodsIn(type.getEnclosedElements())) {
      if (!Attribution.isCallMethod(m)) continue;
      for (CallMethodCheck.Problem p : in.callCheck.check(m)) {
        TreePath path = in.javac.declaration(p.element);
        if (path == null) continue;
        in.sink.accept(new KilnDiagnostic(p.message, path.getLeaf(), path.getCompilationUnit()));
        malformed = true;
      }
    }
    if (malformed) {
      malformedCallMethods.add(type);
      throw new AlreadyReported();
    }
  }

  /** {@code addWeight(name, initializer, shape...)} in a user layer's {@code build}: a graph variable. */
  Object addWeight(Frame frame, List<Object> args, Tree site) {
    Object name = args.get(0);
    Object init = args.get(1);
    Object shape = args.get(2);
    if (!(name instanceof String)) throw frame.error("the weight name must be a compile-time String", site);
    if (!(init instanceof Initializer)) throw frame.error("the initializer must come from Initializers", site);
    int[] dims = (int[]) in.bridge.toJava(shape, int[].class);
    try {
      return Tracer.require().variable((String) name, DType.FLOAT32, dims, (Initializer) init);
    } catch (IllegalArgumentException e) {
      RunTimeDimension unknown = RunTimeDimension.find(shape);
      throw frame.error(frame.self.simpleName() + ": " + e.getMessage()
          + (unknown == null ? "" : " (" + unknown.onlyKnownAtRunTime() + ")"), site);
    }
  }
}

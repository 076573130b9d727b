package dev.kiln.importer;

import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.graph.NodeDef;
import dev.kiln.graph.Tracer;
import dev.kiln.importer.LayerSpec.Arg;
import dev.kiln.importer.ModelDef.CallNode;
import dev.kiln.importer.ModelDef.Field;
import dev.kiln.ops.Sources;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the imported model once, eagerly, with Kiln's own layers built from the same constructor and setter calls
 * as the generated source, on zeros: every layer builds with the file's weights, so a weight whose shape disagrees
 * with the config, or a layer option Kiln rejects, is found before anything is written. A traced run on symbolic
 * tensors comes first: every tensor and weight the model would create must have at most
 * {@link ImportLimits#MAX_ACTIVATION_ELEMENTS} elements at batch 1, so options such as {@code UpSampling2D(65536)}
 * are refused before any memory is spent on them.
 */
final class EagerCheck {
  /** The file's weights, or {@code null} for the traced run. */
  private final Weights weights;
  private final Tracer tracer;

  private EagerCheck(Weights weights, Tracer tracer) {
    this.weights = weights;
    this.tracer = tracer;
  }

  static void run(ModelDef root, Weights weights) throws ImportException {
    Set<String> modelWeights = traceShapes(root);
    EagerCheck c = new EagerCheck(weights, null);
    Tensor[] inputs = new Tensor[root.inputs.size()];
    for (int i = 0; i < inputs.length; i++) {
      int[] s = batchOne(root.inputs.get(i).shape);
      inputs[i] = Tensor.zeros(root.inputs.get(i).dtype, s);
    }
    c.model(root, "", inputs, new HashMap<>());
    Set<String> unused = new HashSet<>(weights.names());
    unused.removeAll(modelWeights);
    if (!unused.isEmpty()) throw new ImportException("weights that no layer uses: " + WeightStore.preview(unused));
  }

  /**
   * The model on symbolic tensors at batch 1, fresh layers without weights: every node's size checked. Returns the
   * names of the weights the model creates, its sublayers' included ({@code bigru/forward_layer/kernel}).
   */
  private static Set<String> traceShapes(ModelDef root) throws ImportException {
    Tracer t = Tracer.begin();
    try {
      Tensor[] inputs = new Tensor[root.inputs.size()];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = t.placeholder(root.inputs.get(i).name, i, root.inputs.get(i).dtype, batchOne(root.inputs.get(i).shape));
      }
      new EagerCheck(null, t).model(root, "", inputs, new HashMap<>());
      Set<String> variables = new HashSet<>();
      for (NodeDef n : t.nodes()) if (n.op() instanceof Sources.Variable) variables.add(n.name());
      return variables;
    } finally {
      t.end();
    }
  }

  /** Every tensor and weight a layer creates has at most {@link ImportLimits#MAX_ACTIVATION_ELEMENTS} elements. */
  private static void checkSizes(List<NodeDef> nodes, String scope, Field f) throws ImportException {
    for (NodeDef n : nodes) {
      for (int i = 0; i < n.numOutputs(); i++) {
        int[] shape = n.outputShape(i);
        long count = 1;
        for (int d : shape) count = Math.min(1L << 62, count * Math.max(d, 0));
        if (count > ImportLimits.MAX_ACTIVATION_ELEMENTS) {
          throw new ImportException("layer '" + describe(scope, f) + "' (" + f.kerasClass + "): its " + n.opType() + " would have shape "
              + Shapes.toString(shape) + " at batch 1, more than " + ImportLimits.MAX_ACTIVATION_ELEMENTS
              + " elements (a limit of kiln-import)");
        }
      }
    }
  }

  private static int[] batchOne(int[] shape) {
    int[] s = shape.clone();
    for (int k = 0; k < s.length; k++) if (s[k] < 0) s[k] = 1;
    return s;
  }

  private Tensor[] model(ModelDef m, String scope, Tensor[] inputs, Map<Field, AbstractLayer> instances) throws ImportException {
    Map<String, Tensor[]> values = new HashMap<>();
    for (int i = 0; i < inputs.length; i++) values.put(m.inputs.get(i).name, new Tensor[] {inputs[i]});
    for (CallNode c : m.calls) {
      Field f = c.field;
      String path = scope.isEmpty() ? f.name : scope + "/" + f.name;
      Tensor[] ins = new Tensor[c.inputs.size()];
      for (int i = 0; i < ins.length; i++) ins[i] = value(values, c.inputs.get(i));
      Tensor[] out;
      if (f.nested != null) {
        out = new Tensor[] {model(f.nested, path, ins, new HashMap<>())[0]};
      } else {
        AbstractLayer layer = instances.get(f);
        if (layer == null) {
          layer = instantiate(f);
          if (weights != null) layer.loadWeights(path, weights);
          instances.put(f, layer);
        }
        int nodesBefore = tracer != null ? tracer.size() : 0;
        if (tracer != null) tracer.pushScope(path);
        try {
          out = c.outputs > 1 ? layer.applyAll(ins[0])
              : new Tensor[] {ins.length == 1 ? (f.spec.takesTraining ? layer.apply(ins[0], false) : layer.apply(ins[0]))
                  : ins.length == 2 ? layer.apply(ins[0], ins[1]) : layer.apply(ins)};
        } catch (RuntimeException e) {
          throw new ImportException("layer '" + describe(scope, f) + "' (" + f.kerasClass + "): " + e.getMessage()
              + (e.getMessage() != null && e.getMessage().startsWith("weight ") ? " (the weights in the file do not fit the model config)" : ""), e);
        } finally {
          if (tracer != null) tracer.popScope();
        }
        if (out.length != c.outputs) {
          throw new ImportException("layer '" + describe(scope, f) + "' (" + f.kerasClass + ") returned " + out.length
              + " tensors, the config reads " + c.outputs);
        }
        if (tracer != null) checkSizes(tracer.nodesFrom(nodesBefore), scope, f);
      }
      values.put(c.output, out);
    }
    Tensor[] outs = new Tensor[m.outputs.size()];
    for (int i = 0; i < outs.length; i++) outs[i] = value(values, m.outputs.get(i));
    return outs;
  }

  private static Tensor value(Map<String, Tensor[]> values, ModelDef.Value v) {
    return values.get(v.var)[Math.max(v.index, 0)];
  }

  private static String describe(String scope, Field f) {
    return f.kerasName + (scope.isEmpty() ? "" : " in " + scope);
  }

  private static AbstractLayer instantiate(Field f) throws ImportException {
    return instantiate(f.spec, f);
  }

  /** The layer {@code s} describes, built with the constructor and setters the source calls; wrapped layers first. */
  private static AbstractLayer instantiate(LayerSpec s, Field f) throws ImportException {
    try {
      Class<?> cls = Class.forName("dev.kiln.layers." + s.className);
      Object[] ctorArgs = s.varargsCtor ? new Object[] {intArray(s.ctor)} : values(s.ctor, f);
      Object obj = null;
      for (Constructor<?> k : cls.getConstructors()) {
        if (fits(k.getParameterTypes(), ctorArgs)) {
          obj = k.newInstance(ctorArgs);
          break;
        }
      }
      if (obj == null) throw new ImportException("internal: no constructor of " + s.className + " for " + s.code());
      for (LayerSpec.Setter st : s.setters) {
        Object[] args = st.name.equals(s.varargsSetter) ? new Object[] {intArray(st.args)} : values(st.args, f);
        Method m = null;
        for (Method x : cls.getMethods()) if (x.getName().equals(st.name) && fits(x.getParameterTypes(), args)) m = x;
        if (m == null) throw new ImportException("internal: no setter " + st.name + " on " + s.className);
        obj = m.invoke(obj, args);
      }
      return (AbstractLayer) obj;
    } catch (InvocationTargetException e) {
      throw new ImportException("layer '" + f.kerasName + "' (" + f.kerasClass + "): " + e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new ImportException("internal: cannot build " + s.code() + ": " + e, e);
    }
  }

  private static Object[] values(Arg[] args, Field f) throws ImportException {
    Object[] v = new Object[args.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = args[i].value instanceof LayerSpec ? instantiate((LayerSpec) args[i].value, f) : args[i].value;
    }
    return v;
  }

  private static int[] intArray(Arg[] args) {
    int[] v = new int[args.length];
    for (int i = 0; i < v.length; i++) v[i] = (Integer) args[i].value;
    return v;
  }

  private static boolean fits(Class<?>[] params, Object[] args) {
    if (params.length != args.length) return false;
    for (int i = 0; i < params.length; i++) {
      Class<?> p = params[i];
      Object a = args[i];
      if (p == int.class) p = Integer.class;
      else if (p == float.class) p = Float.class;
      else if (p == boolean.class) p = Boolean.class;
      if (!p.isInstance(a)) return false;
    }
    return true;
  }
}

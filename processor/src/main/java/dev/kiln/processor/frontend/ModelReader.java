package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import dev.kiln.AbstractLayer;
import dev.kiln.DType;
import dev.kiln.Tensor;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.Tracer;
import dev.kiln.processor.check.ErrorReporter;
import dev.kiln.processor.check.KilnDiagnostic;
import dev.kiln.processor.ir.ModelIr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * The front end for one compilation root: constructs the model at compile time, names its layers after their
 * fields, traces its {@code @Call} method into a static graph and returns the {@link ModelIr}. The only stage
 * that sees {@code com.sun.source}; everything after it works on plain values.
 */
public final class ModelReader {
  private final Trees trees;
  private final Types types;
  private final Elements elements;
  private final ErrorReporter reporter;

  public ModelReader(Trees trees, Types types, Elements elements, ErrorReporter reporter) {
    this.trees = trees;
    this.types = types;
    this.elements = elements;
    this.reporter = reporter;
  }

  /** Reads a root model; returns null when an error was reported. */
  public ModelIr read(TypeElement root, ExecutableElement call) {
    int errorsBefore = reporter.errorCount();
    Interpreter interpreter = new Interpreter(trees, types, elements, reporter::report);
    TreePath classPath = trees.getPath(root);
    CompilationUnitTree unit = classPath.getCompilationUnit();
    MethodTree callTree = trees.getTree(call);

    UserObject model;
    try {
      model = interpreter.instantiate(root, null, List.of(), trees.getTree(root), unit);
    } catch (KilnDiagnostic d) {
      reporter.report(d);
      return null;
    } catch (AlreadyReported s) {
      return null;
    }
    model.path = "";
    List<ModelIr.LayerRef> layers = new ArrayList<>();
    String rootPackage = packageOf(root);
    walkLayers(model, "", "model", interpreter, layers, rootPackage);
    if (reporter.errorCount() > errorsBefore) return null;

    Tracer tracer = Tracer.begin();
    List<ModelIr.Input> inputs = new ArrayList<>();
    Object result;
    try {
      List<Object> args = new ArrayList<>();
      int index = 0;
      long line = unit.getLineMap().getLineNumber(trees.getSourcePositions().getStartPosition(unit, callTree));
      tracer.setOrigin(SourceOrigins.fileName(unit) + ":" + line);
      for (VariableElement p : call.getParameters()) {
        if (p.asType().getKind() == TypeKind.BOOLEAN) {
          args.add(false); // generated sessions run inference
          continue;
        }
        int[] shape = shapeOf(p);
        DType dtype = dtypeOf(p);
        inputs.add(new ModelIr.Input(p.getSimpleName().toString(), dtype, shape));
        args.add(tracer.placeholder(p.getSimpleName().toString(), index++, dtype, shape));
      }
      Frame rootFrame = new Frame(model, unit, Frame.Mode.CALL);
      try {
        result = interpreter.invokeUserMethod(model, call, args, Frame.Mode.CALL, callTree, rootFrame);
      } catch (KilnDiagnostic d) {
        if (reporter.errorCount() == errorsBefore) reporter.report(d);
        return null;
      } catch (AlreadyReported s) {
        return null;
      }
      if (reporter.errorCount() > errorsBefore) return null;
      List<Tensor> outputs = new ArrayList<>();
      boolean returnsArray = result instanceof ArrayValue;
      Object[] values = returnsArray ? ((ArrayValue) result).elements : new Object[] {result};
      for (Object v : values) {
        if (!(v instanceof Tensor) || !((Tensor) v).isSymbolic()) {
          reporter.error("Kiln: the @Call method must return tensors computed from its inputs", callTree, unit);
          return null;
        }
        outputs.add((Tensor) v);
      }
      GraphDef graph = tracer.toGraph(outputs);
      String modelName = nestedName(root);
      return new ModelIr(rootPackage, modelName, SourceOrigins.fileName(unit), call.getSimpleName().toString(), inputs,
          returnsArray, graph, interpreter.sourceText(), layers);
    } finally {
      tracer.end();
    }
  }

  /** Names every layer after its field path and registers how generated code reaches it. */
  private void walkLayers(UserObject obj, String path, String access, Interpreter interpreter, List<ModelIr.LayerRef> out,
      String rootPackage) {
    for (VariableElement field : ElementFilter.fieldsIn(obj.type.getEnclosedElements())) {
      if (!hasAnnotation(field, "dev.kiln.Layer")) continue;
      String name = field.getSimpleName().toString();
      if (field.getModifiers().contains(Modifier.PRIVATE)) {
        reporter.error("Kiln: @Layer field '" + name + "' must not be private: the generated session reaches it to load"
            + " weights into an eager model", field);
        continue;
      }
      if (field.getModifiers().contains(Modifier.STATIC)) {
        reporter.error("Kiln: @Layer field '" + name + "' must not be static", field);
        continue;
      }
      if (!packageOf(obj.type).equals(rootPackage) && !field.getModifiers().contains(Modifier.PUBLIC)) {
        reporter.error("Kiln: @Layer field '" + name + "' must be public: the model that uses "
            + obj.type.getSimpleName() + " is in another package", field);
        continue;
      }
      Object value = obj.fields.get(name);
      String childPath = path.isEmpty() ? name : path + "/" + name;
      walkValue(value, childPath, access + "." + name, field, interpreter, out, rootPackage);
    }
  }

  private void walkValue(Object value, String path, String access, VariableElement field, Interpreter interpreter,
      List<ModelIr.LayerRef> out, String rootPackage) {
    if (value == Special.NULL || value == Special.ERROR || value == null) return;
    if (value instanceof AbstractLayer) {
      interpreter.registerLayerPath(value, path);
      out.add(new ModelIr.LayerRef(path, access));
    } else if (value instanceof UserObject) {
      UserObject child = (UserObject) value;
      if (child.path == null) {
        child.path = path;
        out.add(new ModelIr.LayerRef(path, access));
        walkLayers(child, path, access, interpreter, out, rootPackage);
      }
    } else if (value instanceof ArrayValue) {
      Object[] elems = ((ArrayValue) value).elements;
      for (int i = 0; i < elems.length; i++) {
        walkValue(elems[i], path + "/" + i, access + "[" + i + "]", field, interpreter, out, rootPackage);
      }
    } else {
      reporter.error("Kiln: @Layer field '" + field.getSimpleName() + "' does not hold a layer", field);
    }
  }

  private static String packageOf(TypeElement type) {
    javax.lang.model.element.Element e = type;
    while (!(e instanceof PackageElement)) e = e.getEnclosingElement();
    return ((PackageElement) e).getQualifiedName().toString();
  }

  private static String nestedName(TypeElement type) {
    String name = type.getSimpleName().toString();
    javax.lang.model.element.Element e = type.getEnclosingElement();
    while (e instanceof TypeElement) {
      name = e.getSimpleName() + "." + name;
      e = e.getEnclosingElement();
    }
    return name;
  }

  static boolean hasAnnotation(javax.lang.model.element.Element e, String qualifiedName) {
    return annotation(e, qualifiedName) != null;
  }

  static AnnotationMirror annotation(javax.lang.model.element.Element e, String qualifiedName) {
    for (AnnotationMirror a : e.getAnnotationMirrors()) {
      if (((TypeElement) a.getAnnotationType().asElement()).getQualifiedName().contentEquals(qualifiedName)) return a;
    }
    return null;
  }

  /** The {@code @Shape} value of a parameter. */
  public static int[] shapeOf(VariableElement p) {
    AnnotationMirror a = annotation(p, "dev.kiln.Shape");
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : a.getElementValues().entrySet()) {
      if (e.getKey().getSimpleName().contentEquals("value")) {
        @SuppressWarnings("unchecked")
        List<? extends AnnotationValue> vals = (List<? extends AnnotationValue>) e.getValue().getValue();
        int[] shape = new int[vals.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = ((Number) vals.get(i).getValue()).intValue();
        return shape;
      }
    }
    return new int[0];
  }

  /** The {@code @Shape} dtype of a parameter. */
  public static DType dtypeOf(VariableElement p) {
    AnnotationMirror a = annotation(p, "dev.kiln.Shape");
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e : a.getElementValues().entrySet()) {
      if (e.getKey().getSimpleName().contentEquals("dtype")) {
        return DType.valueOf(((VariableElement) e.getValue().getValue()).getSimpleName().toString());
      }
    }
    return DType.FLOAT32;
  }
}

package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.util.Trees;
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
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
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

  /** Reads a root model; returns null when an error was reported (or javac will report one). */
  public ModelIr read(TypeElement root, ExecutableElement call) {
    Interpreter interpreter = new Interpreter(trees, types, elements, reporter::report);
    try {
      return readModel(root, call, interpreter);
    } catch (AbortRead abort) {
      if (abort.diagnostic != null) reporter.report(abort.diagnostic);
      return null;
    } catch (StackOverflowError e) {
      reportAtLastStatement(interpreter, root, "reading this nests deeper than javac's stack allows (layers inside layers,"
          + " or calls inside calls); simplify the nesting");
      return null;
    } catch (RuntimeException e) {
      // A processor bug, not a user mistake: still point at the statement Kiln was reading.
      reportAtLastStatement(interpreter, root, "internal error while reading this (please report it): " + e);
      return null;
    }
  }

  private void reportAtLastStatement(Interpreter interpreter, TypeElement root, String message) {
    if (interpreter.lastFrame != null) {
      reporter.error(message, interpreter.lastStatement, interpreter.lastFrame.unit);
    } else {
      reporter.error("Kiln: " + message, root);
    }
  }

  private ModelIr readModel(TypeElement root, ExecutableElement call, Interpreter interpreter) {
    int errorsBefore = reporter.errorCount();
    CompilationUnitTree unit = trees.getPath(root).getCompilationUnit();
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
    new LayerNaming(reporter, interpreter, root).name(model, "", "model", layers);
    if (reporter.errorCount() > errorsBefore) return null;

    Tracer tracer = Tracer.begin();
    try {
      List<ModelIr.Input> inputs = new ArrayList<>();
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
      Frame rootFrame = new Frame(model, unit, Frame.Mode.CALL, null);
      Object result;
      try {
        result = interpreter.invokeUserMethod(model, call, args, Frame.Mode.CALL, callTree, rootFrame);
      } catch (KilnDiagnostic d) {
        if (reporter.errorCount() == errorsBefore) reporter.report(d);
        return null;
      } catch (AlreadyReported s) {
        return null;
      }
      if (reporter.errorCount() > errorsBefore) return null;
      boolean returnsArray = result instanceof ArrayValue;
      List<Tensor> outputs = new ArrayList<>();
      for (Object v : returnsArray ? ((ArrayValue) result).elements : new Object[] {result}) {
        // Return statements are checked where they are; this catches what reached the end another way.
        if (!(v instanceof Tensor) || !((Tensor) v).isSymbolic()) {
          reporter.error("Kiln: the @Call method must return tensors computed from its inputs", callTree, unit);
          return null;
        }
        outputs.add((Tensor) v);
      }
      GraphDef graph = tracer.toGraph(outputs);
      return new ModelIr(LayerNaming.packageOf(root), nestedName(root), SourceOrigins.fileName(unit),
          call.getSimpleName().toString(), inputs, returnsArray, graph, interpreter.sourceText(), layers);
    } finally {
      tracer.end();
    }
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

package dev.kiln.processor;

import com.google.auto.service.AutoService;
import com.palantir.javapoet.JavaFile;
import com.sun.source.util.Trees;
import dev.kiln.processor.check.ErrorReporter;
import dev.kiln.processor.codegen.SessionEmitter;
import dev.kiln.processor.frontend.CallMethodCheck;
import dev.kiln.processor.frontend.ModelReader;
import dev.kiln.processor.ir.ModelIr;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.tools.Diagnostic;

/**
 * The Kiln annotation processor. For every class whose {@code @Call} tensor parameters all carry {@code @Shape}
 * (a compilation root) it reads the model's source through the javac Trees API, traces the static graph with the
 * runtime's own layers and shape rules, and writes {@code Kiln<Model>}. Each class is handled on its own: an
 * error in one is reported at its source line and never stops code generation for the others.
 */
@AutoService(Processor.class)
public final class KilnProcessor extends AbstractProcessor {
  private static final String CALL = "dev.kiln.Call";
  private static final String SHAPE = "dev.kiln.Shape";

  private Trees trees;
  private ErrorReporter reporter;
  private boolean treesMissingReported;

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of(CALL, "dev.kiln.Layer", SHAPE);
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public synchronized void init(ProcessingEnvironment env) {
    super.init(env);
    trees = TreesAccess.trees(env);
    reporter = new ErrorReporter(env.getMessager(), trees);
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    TypeElement callAnnotation = processingEnv.getElementUtils().getTypeElement(CALL);
    if (callAnnotation == null) return false;
    Map<TypeElement, ExecutableElement> roots = new LinkedHashMap<>();
    CallMethodCheck callCheck = new CallMethodCheck(trees, processingEnv.getTypeUtils(), processingEnv.getElementUtils());
    for (Element e : round.getElementsAnnotatedWith(callAnnotation)) {
      if (e.getKind() != ElementKind.METHOD) continue;
      ExecutableElement method = (ExecutableElement) e;
      TypeElement owner = (TypeElement) method.getEnclosingElement();
      List<CallMethodCheck.Problem> problems = callCheck.check(method);
      for (CallMethodCheck.Problem p : problems) reporter.error(p.message, p.element);
      if (problems.isEmpty() && isRoot(method)) {
        if (roots.containsKey(owner)) {
          reporter.error("Kiln: " + owner.getSimpleName() + " has more than one @Call method with @Shape parameters", method);
          continue;
        }
        roots.put(owner, method);
      }
    }
    if (roots.isEmpty()) return false;
    if (trees == null) {
      if (!treesMissingReported) {
        treesMissingReported = true;
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
            "Kiln: this compiler does not offer the javac Trees API (Eclipse compiler or kapt?), so Kiln cannot read"
                + " @Call bodies; compile Kiln models with javac");
      }
      return false;
    }
    for (Map.Entry<TypeElement, ExecutableElement> root : roots.entrySet()) {
      compileRoot(root.getKey(), root.getValue());
    }
    return false;
  }

  /**
   * True when the method's tensor parameters all have {@code @Shape}; reports the parameters that lack it when
   * only some have it.
   */
  private boolean isRoot(ExecutableElement method) {
    List<VariableElement> withShape = new ArrayList<>();
    List<VariableElement> without = new ArrayList<>();
    for (VariableElement p : method.getParameters()) {
      boolean shaped = hasAnnotation(p, SHAPE);
      if (p.asType().getKind() == TypeKind.BOOLEAN) {
        if (shaped) reporter.error("Kiln: @Shape belongs on Tensor parameters, not on the boolean '" + p.getSimpleName() + "'", p);
        continue;
      }
      if (shaped) withShape.add(p);
      else without.add(p);
    }
    if (withShape.isEmpty()) return false;
    if (!without.isEmpty()) {
      for (VariableElement p : without) {
        reporter.error("Kiln: parameter '" + p.getSimpleName() + "' of @Call method " + method.getSimpleName()
            + " needs @Shape: the other tensor parameters have one, which makes "
            + method.getEnclosingElement().getSimpleName() + " a compilation root", p);
      }
      return false;
    }
    for (VariableElement p : method.getParameters()) {
      if (p.asType().getKind() == TypeKind.BOOLEAN) continue;
      if (!p.asType().toString().equals("dev.kiln.Tensor")) {
        reporter.error("Kiln: @Call parameter '" + p.getSimpleName() + "' must be a Tensor or the boolean training flag", p);
        return false;
      }
      int[] shape = ModelReader.shapeOf(p);
      for (int axis = 0; axis < shape.length; axis++) {
        int d = shape[axis];
        if (d == -1 && axis > 1) {
          reporter.error("Kiln: @Shape of '" + p.getSimpleName() + "' has -1 at axis " + axis
              + ": only the batch (axis 0) and the time (axis 1) may be known only at run time", p);
          return false;
        }
        if (d < -1 || d == 0) {
          reporter.error("Kiln: @Shape of '" + p.getSimpleName() + "' has dimension " + d
              + ": use positive sizes, or -1 for one known only at run time", p);
          return false;
        }
      }
    }
    return true;
  }

  private static boolean hasAnnotation(Element e, String name) {
    for (var a : e.getAnnotationMirrors()) {
      if (((TypeElement) a.getAnnotationType().asElement()).getQualifiedName().contentEquals(name)) return true;
    }
    return false;
  }

  private void compileRoot(TypeElement root, ExecutableElement call) {
    try {
      ModelReader reader = new ModelReader(trees, processingEnv.getTypeUtils(), processingEnv.getElementUtils(), reporter);
      ModelIr ir = reader.read(root, call);
      if (ir == null) return;
      JavaFile file;
      try {
        file = SessionEmitter.emit(ir);
      } catch (SessionEmitter.Unsupported u) {
        reporter.error("Kiln: " + u.getMessage(), call);
        return;
      }
      file.writeTo(processingEnv.getFiler());
    } catch (IOException e) {
      reporter.error("Kiln: could not write the session of " + root.getSimpleName() + ": " + e.getMessage(), root);
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      // Never let a processor bug surface as a javac crash: report it on the class and go on with the others.
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      reporter.error("Kiln: internal error while compiling " + root.getSimpleName() + " (please report it): " + e
          + "\n" + firstLines(trace.toString(), 8), root);
    }
  }

  private static String firstLines(String s, int n) {
    String[] lines = s.split("\n");
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < Math.min(n, lines.length); i++) sb.append(lines[i]).append('\n');
    return sb.toString();
  }
}

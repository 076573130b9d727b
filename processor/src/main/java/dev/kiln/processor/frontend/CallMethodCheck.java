package dev.kiln.processor.frontend;

import com.sun.source.util.Trees;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Declaration mistakes of {@code @Call} methods, which the processor checks on every {@code @Call} method of a
 * round (models and layers alike) and the interpreter again on the layers it applies. Both report the same message
 * at the same element, which the error reporter prints once.
 */
public final class CallMethodCheck {
  /** A mistake and the element to report it at. */
  public static final class Problem {
    public final String message;
    public final Element element;

    Problem(String message, Element element) {
      this.message = message;
      this.element = element;
    }
  }

  private final Types types;
  private final KilnNameClash nameClash;
  private final TypeMirror tensor;
  private final TypeMirror abstractLayer;

  /** {@code trees} may be null where javac's Trees API is missing; name clashes are then not checked. */
  public CallMethodCheck(Trees trees, Types types, Elements elements) {
    this.types = types;
    this.nameClash = new KilnNameClash(trees, elements);
    this.tensor = types.erasure(elements.getTypeElement("dev.kiln.Tensor").asType());
    this.abstractLayer = types.erasure(elements.getTypeElement("dev.kiln.AbstractLayer").asType());
  }

  /** Every mistake in the declaration of {@code method} and of the class that declares it. */
  public List<Problem> check(ExecutableElement method) {
    List<Problem> problems = new ArrayList<>();
    TypeElement owner = (TypeElement) method.getEnclosingElement();
    String name = method.getSimpleName().toString();
    String clash = nameClash.problem(owner);
    if (clash != null) {
      // Every other check would be about the user's class where the author meant Kiln's type.
      problems.add(new Problem(clash, owner));
      return problems;
    }
    if (owner.getKind() == ElementKind.INTERFACE) {
      problems.add(new Problem(owner.getSimpleName() + " is an interface, but a Kiln model is a class that extends Model"
          + " (public final class " + owner.getSimpleName() + " extends Model) and a layer one that extends AbstractLayer",
          owner));
      return problems;
    }
    if (!types.isSubtype(types.erasure(owner.asType()), abstractLayer)) {
      problems.add(new Problem(owner.getSimpleName() + " has a @Call method but extends neither Model nor AbstractLayer:"
          + " a model is a class that extends Model, a layer one that extends AbstractLayer", owner));
      return problems;
    }
    if (method.getModifiers().contains(Modifier.STATIC)) {
      problems.add(new Problem("@Call method " + name + " must not be static: apply(...) runs a layer's @Call method on"
          + " the layer, so a static one fails when " + owner.getSimpleName() + " runs eagerly inside another model",
          method));
    }
    if (method.getModifiers().contains(Modifier.ABSTRACT)) {
      problems.add(new Problem("@Call method " + name + " has no body: Kiln reads the body of a @Call method at compile"
          + " time", method));
    }
    TypeMirror result = method.getReturnType();
    if (!isTensor(result) && !(result.getKind() == TypeKind.ARRAY && isTensor(((ArrayType) result).getComponentType()))) {
      problems.add(new Problem("@Call method " + name + " returns " + result + ", but a @Call method returns a Tensor"
          + " (or a Tensor[] for several outputs)", method));
    }
    for (VariableElement p : method.getParameters()) {
      TypeMirror t = p.asType();
      boolean tensors = isTensor(t) || t.getKind() == TypeKind.ARRAY && isTensor(((ArrayType) t).getComponentType());
      if (!tensors && t.getKind() != TypeKind.BOOLEAN) {
        problems.add(new Problem("@Call parameter '" + p.getSimpleName() + "' must be a Tensor or the boolean training"
            + " flag, not " + t, p));
      }
    }
    return problems;
  }

  private boolean isTensor(TypeMirror t) {
    return types.isSameType(types.erasure(t), tensor);
  }
}

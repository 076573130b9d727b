package dev.kiln.processor.frontend;

import dev.kiln.AbstractLayer;
import dev.kiln.processor.check.ErrorReporter;
import dev.kiln.processor.ir.ModelIr;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.ElementFilter;

/**
 * Names every layer of a constructed model after its {@code @Layer} field path ({@code blocks/3/conv}), as Keras
 * names weights, and records the Java expression that reaches it from the model, for {@code loadInto}. Only layers
 * named here may be applied in {@code @Call}.
 */
final class LayerNaming {
  private final ErrorReporter reporter;
  private final Interpreter interpreter;
  private final String rootPackage;

  LayerNaming(ErrorReporter reporter, Interpreter interpreter, TypeElement root) {
    this.reporter = reporter;
    this.interpreter = interpreter;
    this.rootPackage = packageOf(root);
  }

  /** Names the layers of {@code obj}, whose own path is {@code path}, into {@code out}. */
  void name(UserObject obj, String path, String access, List<ModelIr.LayerRef> out) {
    for (VariableElement field : ElementFilter.fieldsIn(obj.type.getEnclosedElements())) {
      if (!ModelReader.hasAnnotation(field, "dev.kiln.Layer")) continue;
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
      nameValue(value, childPath, access + "." + name, field, out);
    }
  }

  private void nameValue(Object value, String path, String access, VariableElement field, List<ModelIr.LayerRef> out) {
    if (value == Special.NULL || value == Special.ERROR || value == null) return;
    if (value instanceof AbstractLayer) {
      interpreter.registerLayerPath(value, path);
      out.add(new ModelIr.LayerRef(path, access));
    } else if (value instanceof UserObject) {
      UserObject child = (UserObject) value;
      if (child.path == null) {
        child.path = path;
        out.add(new ModelIr.LayerRef(path, access));
        name(child, path, access, out);
      }
    } else if (value instanceof ArrayValue) {
      Object[] elems = ((ArrayValue) value).elements;
      for (int i = 0; i < elems.length; i++) {
        nameValue(elems[i], path + "/" + i, access + "[" + i + "]", field, out);
      }
    } else {
      reporter.error("Kiln: @Layer field '" + field.getSimpleName() + "' does not hold a layer", field);
    }
  }

  static String packageOf(TypeElement type) {
    Element e = type;
    while (!(e instanceof PackageElement)) e = e.getEnclosingElement();
    return ((PackageElement) e).getQualifiedName().toString();
  }
}

package dev.kiln.processor.frontend;

import java.util.LinkedHashMap;
import java.util.Map;
import javax.lang.model.element.TypeElement;

/**
 * An instance of a user-written layer or model class, evaluated at compile time: its class and the values of
 * its fields (layers, constants, weights as symbolic tensors).
 */
final class UserObject {
  final TypeElement type;
  final Map<String, Object> fields = new LinkedHashMap<>();
  /** Absolute layer path ({@code blocks/3}); empty for the root. Set after construction. */
  String path;
  boolean built;

  UserObject(TypeElement type) {
    this.type = type;
  }

  String simpleName() {
    return type.getSimpleName().toString();
  }

  @Override
  public String toString() {
    return simpleName() + (path == null ? "" : " '" + path + "'");
  }
}

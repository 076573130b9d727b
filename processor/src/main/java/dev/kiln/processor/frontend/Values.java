package dev.kiln.processor.frontend;

import javax.lang.model.type.TypeMirror;

/** Java's rules for interpreter values: the default value of a type and numeric conversion to a declared type. */
final class Values {
  private Values() {}

  static Object defaultValue(TypeMirror t) {
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

  /** Converts numbers to {@code target} (an int literal into a float, say); other values pass unchanged. */
  static Object coerce(Object v, TypeMirror target) {
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
}

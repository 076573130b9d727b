package dev.kiln.processor.frontend;

import javax.lang.model.type.TypeMirror;

/** A Java array evaluated at compile time (elements are interpreter values). */
final class ArrayValue {
  final TypeMirror componentType;
  final Object[] elements;

  ArrayValue(TypeMirror componentType, Object[] elements) {
    this.componentType = componentType;
    this.elements = elements;
  }
}

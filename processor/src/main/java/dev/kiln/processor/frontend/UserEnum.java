package dev.kiln.processor.frontend;

import javax.lang.model.element.TypeElement;

/** A constant of an enum declared in user source. */
final class UserEnum {
  final TypeElement type;
  final String name;

  UserEnum(TypeElement type, String name) {
    this.type = type;
    this.name = name;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UserEnum && ((UserEnum) o).type.equals(type) && ((UserEnum) o).name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return type.getSimpleName() + "." + name;
  }
}

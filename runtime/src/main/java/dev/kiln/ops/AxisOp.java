package dev.kiln.ops;

import dev.kiln.graph.Attrs;

/** An op whose one attribute is a normalized (non-negative) axis: {@code GatherV2}, {@code Range}, {@code ReverseV2}, ... */
abstract class AxisOp extends Op {
  protected final int axis;

  AxisOp(int axis) {
    if (axis < 0) throw new IllegalArgumentException(type() + ": axis must be normalized, got " + axis);
    this.axis = axis;
  }

  public final int axis() {
    return axis;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("axis", axis);
  }
}

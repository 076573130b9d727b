package dev.kiln.processor.frontend;

/**
 * A dimension that is only known at run time ({@code -1} in a static shape), as returned by {@code x.dim(0)},
 * {@code x.shape()[0]} or {@code x.size()} while tracing. Eager code sees the real batch size there, so using it
 * as a number at compile time would compute something else than the eager model: the interpreter carries this
 * value instead of {@code -1}, lets it flow into locals and into the few runtime arguments where {@code -1}
 * means "the run-time size" ({@link #toRuntimeValue()}), and reports every other use, naming the dimension.
 */
final class RunTimeDimension {
  private final String tensor;
  private final int axis;
  private final boolean elementCount;

  private RunTimeDimension(String tensor, int axis, boolean elementCount) {
    this.tensor = tensor;
    this.axis = axis;
    this.elementCount = elementCount;
  }

  /** Axis {@code axis} of the tensor or shape written {@code tensor} in the source. */
  static RunTimeDimension axis(String tensor, int axis) {
    return new RunTimeDimension(tensor, axis, false);
  }

  /** The element count of {@code tensor}, whose axis {@code axis} is unknown. */
  static RunTimeDimension elementCount(String tensor, int axis) {
    return new RunTimeDimension(tensor, axis, true);
  }

  /** Symbolic dimensions by position: the batch leads every input, a sequence's time follows it. */
  String dimension() {
    switch (axis) {
      case 0: return "the batch dimension (axis 0 of " + tensor + ")";
      case 1: return "the time dimension (axis 1 of " + tensor + ")";
      default: return "dimension " + axis + " of " + tensor;
    }
  }

  /** "the batch dimension (axis 0 of x) is only known at run time", or the same for an element count. */
  String onlyKnownAtRunTime() {
    return elementCount
        ? "the element count of " + tensor + " depends on " + dimension() + ", which is only known at run time"
        : dimension() + " is only known at run time";
  }

  /** What the runtime's shape functions take for a dimension known only at run time. */
  int toRuntimeValue() {
    return -1;
  }

  /** The first run-time dimension in a value or an array of values, or null. */
  static RunTimeDimension find(Object value) {
    if (value instanceof RunTimeDimension) return (RunTimeDimension) value;
    if (value instanceof ArrayValue) {
      for (Object e : ((ArrayValue) value).elements) {
        RunTimeDimension d = find(e);
        if (d != null) return d;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return dimension();
  }
}

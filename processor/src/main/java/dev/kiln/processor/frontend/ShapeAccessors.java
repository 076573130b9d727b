package dev.kiln.processor.frontend;

import dev.kiln.Tensor;
import dev.kiln.TensorShape;
import java.util.List;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;

/**
 * Where run-time dimensions enter and leave the interpreter. The runtime's shape accessors say {@code -1} for a
 * dimension known only at run time; the interpreter turns that into a {@link RunTimeDimension} that remembers
 * which tensor and axis it was, and passes it back to the runtime as {@code -1} only where {@code -1} means
 * "this dimension's run-time size" to the op as well.
 */
final class ShapeAccessors {
  private ShapeAccessors() {}

  /** The result of {@code receiver.method(...)}, with each unknown dimension named after {@code receiverText}. */
  static Object withRunTimeDimensions(String method, Object receiver, String receiverText, List<Object> args,
      Object result) {
    int[] shape = receiver instanceof Tensor ? ((Tensor) receiver).shape() : ((TensorShape) receiver).dims();
    switch (method) {
      case "dim": {
        if (!isUnknown(result)) return result;
        int axis = (Integer) args.get(0);
        return RunTimeDimension.axis(receiverText, axis < 0 ? axis + shape.length : axis);
      }
      case "size":
        return isUnknown(result) ? RunTimeDimension.elementCount(receiverText, firstUnknown(shape)) : result;
      case "shape":
      case "dims": {
        Object[] elements = ((ArrayValue) result).elements.clone();
        for (int i = 0; i < elements.length; i++) {
          if (isUnknown(elements[i])) elements[i] = RunTimeDimension.axis(receiverText, i);
        }
        return new ArrayValue(((ArrayValue) result).componentType, elements);
      }
      default:
        return result;
    }
  }

  /**
   * True where the runtime reads {@code -1} as the run-time size, exactly what eager code passes there: the target
   * shape of {@code Ops.reshape} and the sizes of {@code Ops.slice} ({@code tf.slice}: -1 takes the rest).
   */
  static boolean takesRunTimeDimension(ExecutableElement method, int parameter) {
    if (!((TypeElement) method.getEnclosingElement()).getQualifiedName().contentEquals("dev.kiln.Ops")) return false;
    String name = method.getSimpleName().toString();
    return name.equals("reshape") && parameter == 1 || name.equals("slice") && parameter == 2;
  }

  private static boolean isUnknown(Object value) {
    return value instanceof Integer && (Integer) value == -1;
  }

  private static int firstUnknown(int[] shape) {
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == -1) return i;
    }
    return 0;
  }
}

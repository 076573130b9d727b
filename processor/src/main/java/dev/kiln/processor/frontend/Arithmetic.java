package dev.kiln.processor.frontend;

import com.sun.source.tree.Tree;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/** Java arithmetic on compile-time values, following the language's numeric promotion. */
final class Arithmetic {
  private Arithmetic() {}

  static Tree.Kind forCompound(Tree.Kind k) {
    switch (k) {
      case PLUS_ASSIGNMENT: return Tree.Kind.PLUS;
      case MINUS_ASSIGNMENT: return Tree.Kind.MINUS;
      case MULTIPLY_ASSIGNMENT: return Tree.Kind.MULTIPLY;
      case DIVIDE_ASSIGNMENT: return Tree.Kind.DIVIDE;
      case REMAINDER_ASSIGNMENT: return Tree.Kind.REMAINDER;
      default: throw new IllegalArgumentException(k.toString());
    }
  }

  static Object unary(Tree.Kind kind, Object v, TypeMirror type, Frame frame, Tree site) {
    requireCompileTime(v, frame, site);
    switch (kind) {
      case LOGICAL_COMPLEMENT:
        if (v instanceof Boolean) return !(Boolean) v;
        break;
      case UNARY_PLUS:
        if (v instanceof Number) return v;
        break;
      case UNARY_MINUS:
        if (v instanceof Integer) return -(Integer) v;
        if (v instanceof Long) return -(Long) v;
        if (v instanceof Float) return -(Float) v;
        if (v instanceof Double) return -(Double) v;
        break;
      case BITWISE_COMPLEMENT:
        if (v instanceof Integer) return ~(Integer) v;
        if (v instanceof Long) return ~(Long) v;
        break;
      default:
        break;
    }
    throw frame.error("the operand of this expression is not a compile-time " + (kind == Tree.Kind.LOGICAL_COMPLEMENT ? "boolean" : "number")
        + (v instanceof dev.kiln.Tensor ? ": use Ops for tensor arithmetic" : ""), site);
  }

  static Object binary(Tree.Kind kind, Object l, Object r, TypeMirror resultType, Frame frame, Tree site) {
    requireCompileTime(l, frame, site);
    requireCompileTime(r, frame, site);
    if (kind == Tree.Kind.PLUS && (l instanceof String || r instanceof String)) return String.valueOf(l) + r;
    if (l instanceof Boolean && r instanceof Boolean) {
      boolean a = (Boolean) l;
      boolean b = (Boolean) r;
      switch (kind) {
        case EQUAL_TO: return a == b;
        case NOT_EQUAL_TO: return a != b;
        case AND: return a & b;
        case OR: return a | b;
        case XOR: return a ^ b;
        default: break;
      }
    }
    if (kind == Tree.Kind.EQUAL_TO || kind == Tree.Kind.NOT_EQUAL_TO) {
      if (!(l instanceof Number || l instanceof Character) || !(r instanceof Number || r instanceof Character)) {
        boolean same = l == r || (l != null && l.equals(r) && !(l instanceof dev.kiln.Tensor));
        return kind == Tree.Kind.EQUAL_TO ? same : !same;
      }
    }
    if ((l instanceof Number || l instanceof Character) && (r instanceof Number || r instanceof Character)) {
      Number a = l instanceof Character ? (int) (Character) l : (Number) l;
      Number b = r instanceof Character ? (int) (Character) r : (Number) r;
      TypeKind k = promoted(a, b);
      switch (kind) {
        case LESS_THAN: return compare(a, b, k) < 0;
        case LESS_THAN_EQUAL: return compare(a, b, k) <= 0;
        case GREATER_THAN: return compare(a, b, k) > 0;
        case GREATER_THAN_EQUAL: return compare(a, b, k) >= 0;
        case EQUAL_TO: return compare(a, b, k) == 0;
        case NOT_EQUAL_TO: return compare(a, b, k) != 0;
        default: break;
      }
      switch (k) {
        case INT: {
          int x = a.intValue();
          int y = b.intValue();
          switch (kind) {
            case PLUS: return x + y;
            case MINUS: return x - y;
            case MULTIPLY: return x * y;
            case DIVIDE:
              if (y == 0) throw frame.error("division by zero at compile time", site);
              return x / y;
            case REMAINDER:
              if (y == 0) throw frame.error("division by zero at compile time", site);
              return x % y;
            case LEFT_SHIFT: return x << y;
            case RIGHT_SHIFT: return x >> y;
            case UNSIGNED_RIGHT_SHIFT: return x >>> y;
            case AND: return x & y;
            case OR: return x | y;
            case XOR: return x ^ y;
            default: break;
          }
          break;
        }
        case LONG: {
          long x = a.longValue();
          long y = b.longValue();
          switch (kind) {
            case PLUS: return x + y;
            case MINUS: return x - y;
            case MULTIPLY: return x * y;
            case DIVIDE:
              if (y == 0) throw frame.error("division by zero at compile time", site);
              return x / y;
            case REMAINDER:
              if (y == 0) throw frame.error("division by zero at compile time", site);
              return x % y;
            case AND: return x & y;
            case OR: return x | y;
            case XOR: return x ^ y;
            default: break;
          }
          break;
        }
        case FLOAT: {
          float x = a.floatValue();
          float y = b.floatValue();
          switch (kind) {
            case PLUS: return x + y;
            case MINUS: return x - y;
            case MULTIPLY: return x * y;
            case DIVIDE: return x / y;
            case REMAINDER: return x % y;
            default: break;
          }
          break;
        }
        default: {
          double x = a.doubleValue();
          double y = b.doubleValue();
          switch (kind) {
            case PLUS: return x + y;
            case MINUS: return x - y;
            case MULTIPLY: return x * y;
            case DIVIDE: return x / y;
            case REMAINDER: return x % y;
            default: break;
          }
        }
      }
    }
    String hint = l instanceof dev.kiln.Tensor || r instanceof dev.kiln.Tensor ? ": use Ops.add, Ops.multiply, ... for tensors" : "";
    throw frame.error("the operator " + operator(kind) + " cannot be applied to these values at compile time" + hint, site);
  }

  /** Arithmetic, comparison or concatenation on a run-time dimension would use -1 where eager code has the size. */
  private static void requireCompileTime(Object v, Frame frame, Tree site) {
    if (v instanceof RunTimeDimension) throw new RunTimeDimensionUse((RunTimeDimension) v, frame, site);
  }

  private static TypeKind promoted(Number a, Number b) {
    if (a instanceof Double || b instanceof Double) return TypeKind.DOUBLE;
    if (a instanceof Float || b instanceof Float) return TypeKind.FLOAT;
    if (a instanceof Long || b instanceof Long) return TypeKind.LONG;
    return TypeKind.INT;
  }

  private static int compare(Number a, Number b, TypeKind k) {
    switch (k) {
      case INT: return Integer.compare(a.intValue(), b.intValue());
      case LONG: return Long.compare(a.longValue(), b.longValue());
      case FLOAT: return Float.compare(a.floatValue(), b.floatValue()) == 0 ? 0 : (a.floatValue() < b.floatValue() ? -1 : 1);
      default: return a.doubleValue() == b.doubleValue() ? 0 : (a.doubleValue() < b.doubleValue() ? -1 : 1);
    }
  }

  private static String operator(Tree.Kind kind) {
    switch (kind) {
      case PLUS: return "+";
      case MINUS: return "-";
      case MULTIPLY: return "*";
      case DIVIDE: return "/";
      case REMAINDER: return "%";
      case LESS_THAN: return "<";
      case GREATER_THAN: return ">";
      case LESS_THAN_EQUAL: return "<=";
      case GREATER_THAN_EQUAL: return ">=";
      case EQUAL_TO: return "==";
      case NOT_EQUAL_TO: return "!=";
      default: return kind.toString().toLowerCase();
    }
  }
}

package dev.kiln.processor.frontend;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import javax.lang.model.type.TypeMirror;

/**
 * Evaluates expressions to interpreter values: literals, names, array elements, {@code ?:}, assignments,
 * casts and Java arithmetic ({@link Arithmetic}); method calls go to {@link Invocations} and {@code new} to
 * {@link Construction}.
 */
final class Expressions {
  private final Interpreter in;

  Expressions(Interpreter in) {
    this.in = in;
  }

  /** Evaluates an expression; a value that already failed abandons the caller's statement silently. */
  Object eval(Frame frame, ExpressionTree tree) {
    Object v = evalRaw(frame, tree);
    if (v == Special.ERROR) throw new AlreadyReported();
    return v;
  }

  /** Evaluates an expression and converts numbers to the declared type (int literal into a float, say). */
  Object evalTo(Frame frame, ExpressionTree tree, TypeMirror target) {
    Object v = eval(frame, tree);
    return target == null ? v : Values.coerce(v, target);
  }

  /** A condition of {@code construct} ({@code if}, {@code for}, ...), which must be known at compile time. */
  boolean condition(Frame frame, ExpressionTree cond, String construct) {
    Object v;
    try {
      v = eval(frame, cond);
    } catch (RunTimeDimensionUse use) {
      throw frame.error(use.dimension.onlyKnownAtRunTime() + ", so " + undecidable(construct), cond);
    }
    if (v instanceof Boolean) return (Boolean) v;
    throw frame.error("the condition of this " + construct + " must be known at compile time (fields, constructor"
        + " arguments, training, shapes), but it is not", cond);
  }

  private static String undecidable(String construct) {
    switch (construct) {
      case "for":
        return "this for loop cannot be unrolled at compile time: Kiln unrolls loops, so a bound must be known at compile"
            + " time (a constant, a constructor argument, a @Layer array's length, a static dimension)";
      case "if":
        return "this if cannot be decided at compile time: Kiln keeps one branch, so the condition must be known at"
            + " compile time";
      default:
        return "this " + construct + " cannot be decided at compile time";
    }
  }

  /** Array indices and sizes must be compile-time ints; a run-time dimension is reported by name. */
  static void requireIndex(Object idx, Frame frame, Tree site) {
    if (idx instanceof RunTimeDimension) throw new RunTimeDimensionUse((RunTimeDimension) idx, frame, site);
  }

  private TypeMirror typeOf(Frame frame, Tree tree) {
    return in.javac.typeOf(frame.unit, tree);
  }

  private Object evalRaw(Frame frame, ExpressionTree tree) {
    switch (tree.getKind()) {
      case INT_LITERAL: case LONG_LITERAL: case FLOAT_LITERAL: case DOUBLE_LITERAL: case BOOLEAN_LITERAL:
      case CHAR_LITERAL: case STRING_LITERAL:
        return ((LiteralTree) tree).getValue();
      case NULL_LITERAL:
        return Special.NULL;
      case PARENTHESIZED:
        return eval(frame, ((ParenthesizedTree) tree).getExpression());
      case IDENTIFIER:
        return in.variables.identifier(frame, (IdentifierTree) tree);
      case MEMBER_SELECT:
        return in.variables.memberSelect(frame, (MemberSelectTree) tree);
      case ARRAY_ACCESS:
        return arrayElement(frame, (ArrayAccessTree) tree);
      case CONDITIONAL_EXPRESSION: {
        ConditionalExpressionTree c = (ConditionalExpressionTree) tree;
        boolean cond = condition(frame, c.getCondition(), "?: expression");
        return evalTo(frame, cond ? c.getTrueExpression() : c.getFalseExpression(), typeOf(frame, c));
      }
      case METHOD_INVOCATION:
        return in.invocations.invoke(frame, (MethodInvocationTree) tree);
      case NEW_CLASS:
        return in.construction.newClass(frame, (NewClassTree) tree);
      case NEW_ARRAY:
        return in.construction.newArray(frame, (NewArrayTree) tree);
      case ASSIGNMENT: {
        AssignmentTree a = (AssignmentTree) tree;
        Object v = evalTo(frame, a.getExpression(), typeOf(frame, a.getVariable()));
        in.variables.assign(frame, a.getVariable(), v);
        return v;
      }
      case TYPE_CAST: {
        TypeCastTree c = (TypeCastTree) tree;
        Object v = eval(frame, c.getExpression());
        TypeMirror t = typeOf(frame, c.getType());
        if (t.getKind().isPrimitive()) return Values.coerce(v, t);
        return v;
      }
      case PREFIX_INCREMENT: case PREFIX_DECREMENT: case POSTFIX_INCREMENT: case POSTFIX_DECREMENT: {
        UnaryTree u = (UnaryTree) tree;
        Object old = eval(frame, u.getExpression());
        int delta = tree.getKind() == Tree.Kind.PREFIX_INCREMENT || tree.getKind() == Tree.Kind.POSTFIX_INCREMENT ? 1 : -1;
        Object updated = Values.coerce(Arithmetic.binary(Tree.Kind.PLUS, old, delta, typeOf(frame, u), frame, u), typeOf(frame, u));
        in.variables.assign(frame, u.getExpression(), updated);
        return tree.getKind() == Tree.Kind.PREFIX_INCREMENT || tree.getKind() == Tree.Kind.PREFIX_DECREMENT ? updated : old;
      }
      case UNARY_MINUS: case UNARY_PLUS: case LOGICAL_COMPLEMENT: case BITWISE_COMPLEMENT: {
        UnaryTree u = (UnaryTree) tree;
        return Arithmetic.unary(tree.getKind(), eval(frame, u.getExpression()), typeOf(frame, u), frame, u);
      }
      case PLUS_ASSIGNMENT: case MINUS_ASSIGNMENT: case MULTIPLY_ASSIGNMENT: case DIVIDE_ASSIGNMENT:
      case REMAINDER_ASSIGNMENT: {
        CompoundAssignmentTree c = (CompoundAssignmentTree) tree;
        Object old = eval(frame, c.getVariable());
        Object rhs = eval(frame, c.getExpression());
        TypeMirror type = typeOf(frame, c.getVariable());
        Object v = Values.coerce(Arithmetic.binary(Arithmetic.forCompound(tree.getKind()), old, rhs, type, frame, c), type);
        in.variables.assign(frame, c.getVariable(), v);
        return v;
      }
      case CONDITIONAL_AND: {
        BinaryTree b = (BinaryTree) tree;
        return condition(frame, b.getLeftOperand(), "&&") && condition(frame, b.getRightOperand(), "&&");
      }
      case CONDITIONAL_OR: {
        BinaryTree b = (BinaryTree) tree;
        return condition(frame, b.getLeftOperand(), "||") || condition(frame, b.getRightOperand(), "||");
      }
      case LAMBDA_EXPRESSION:
        throw Statements.unsupported(frame, tree, "a lambda expression");
      case MEMBER_REFERENCE:
        throw Statements.unsupported(frame, tree, "a method reference");
      case INSTANCE_OF:
        throw Statements.unsupported(frame, tree, "instanceof");
      default:
        if (tree instanceof BinaryTree) {
          BinaryTree b = (BinaryTree) tree;
          Object l = eval(frame, b.getLeftOperand());
          Object r = eval(frame, b.getRightOperand());
          return Arithmetic.binary(tree.getKind(), l, r, typeOf(frame, tree), frame, tree);
        }
        throw Statements.unsupported(frame, tree, "this expression (" + tree.getKind().toString().toLowerCase().replace('_', ' ') + ")");
    }
  }

  private Object arrayElement(Frame frame, ArrayAccessTree a) {
    Object arr = eval(frame, a.getExpression());
    Object idx = eval(frame, a.getIndex());
    if (!(arr instanceof ArrayValue)) throw frame.error("this array is not known at compile time", a.getExpression());
    requireIndex(idx, frame, a);
    if (!(idx instanceof Integer)) throw frame.error("the array index must be known at compile time", a.getIndex());
    Object[] elems = ((ArrayValue) arr).elements;
    int i = (Integer) idx;
    if (i < 0 || i >= elems.length) {
      throw frame.error("index " + i + " is out of bounds for an array of length " + elems.length, a);
    }
    return elems[i];
  }
}

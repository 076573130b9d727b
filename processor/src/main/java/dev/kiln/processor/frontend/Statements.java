package dev.kiln.processor.frontend;

import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.BreakTree;
import com.sun.source.tree.ContinueTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IfTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import dev.kiln.Tensor;
import dev.kiln.graph.Tracer;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;

/**
 * Executes statements at compile time: locals, expression statements, blocks, {@code if} on compile-time
 * conditions, counted and enhanced {@code for} loops (unrolled), {@code break}, {@code continue} and
 * {@code return}. Every other statement is an error at its own line.
 */
final class Statements {
  /** How a statement ended, as in the JLS: normally or by a jump out of it. */
  enum Completion { NORMAL, BREAK, CONTINUE, RETURN }

  private final Interpreter in;

  Statements(Interpreter in) {
    this.in = in;
  }

  /**
   * Executes statements; with {@code recover}, a statement that fails is reported and skipped so the following
   * ones are still checked.
   */
  Completion execAll(Frame frame, List<? extends StatementTree> statements, boolean recover) {
    for (StatementTree s : statements) {
      Completion c;
      if (recover) {
        try {
          c = exec(frame, s, true);
        } catch (KilnDiagnostic d) {
          in.sink.accept(d);
          c = poison(frame, s);
        } catch (AlreadyReported silent) {
          c = poison(frame, s);
        }
      } else {
        c = exec(frame, s, false);
      }
      if (c != Completion.NORMAL) return c;
    }
    return Completion.NORMAL;
  }

  /**
   * Marks what a failed statement would have assigned, so later uses stay silent. A failed {@code return} still
   * ends the method, with a failed result, so its caller neither runs on nor reports a missing result.
   */
  private Completion poison(Frame frame, StatementTree s) {
    if (s instanceof ReturnTree) {
      frame.returned = Special.ERROR;
      frame.hasReturned = true;
      return Completion.RETURN;
    }
    if (s instanceof VariableTree) {
      Element e = in.javac.element(frame.unit, s);
      if (e != null) frame.locals.put(e, Special.ERROR);
    } else if (s instanceof ExpressionStatementTree && ((ExpressionStatementTree) s).getExpression() instanceof AssignmentTree) {
      ExpressionTree target = ((AssignmentTree) ((ExpressionStatementTree) s).getExpression()).getVariable();
      Element e = in.javac.element(frame.unit, target);
      if (e != null && frame.locals.containsKey(e)) frame.locals.put(e, Special.ERROR);
      else if (e != null && e.getKind() == ElementKind.FIELD && frame.self != null) {
        frame.self.fields.put(e.getSimpleName().toString(), Special.ERROR);
      }
    }
    return Completion.NORMAL;
  }

  /** Executes one statement, then checks the graph nodes it traced (compound statements check their parts). */
  Completion exec(Frame frame, StatementTree s, boolean recover) {
    in.lastFrame = frame;
    in.lastStatement = s;
    in.budget.statement(frame, s);
    Tracer tracer = Tracer.active();
    int before = tracer == null ? 0 : tracer.size();
    Completion c = execUnchecked(frame, s, recover);
    if (tracer != null && !(s instanceof BlockTree) && !(s instanceof IfTree) && !(s instanceof ForLoopTree)
        && !(s instanceof EnhancedForLoopTree)) {
      in.nodeChecks.check(tracer, before, frame, s);
    }
    return c;
  }

  private Completion execUnchecked(Frame frame, StatementTree s, boolean recover) {
    switch (s.getKind()) {
      case VARIABLE: {
        in.origins.mark(frame, s);
        VariableTree v = (VariableTree) s;
        Element e = in.javac.element(frame.unit, v);
        Object value = v.getInitializer() == null ? Special.UNASSIGNED : in.expressions.evalTo(frame, v.getInitializer(), e.asType());
        checkLocalType(frame, e.asType(), v);
        frame.locals.put(e, value);
        return Completion.NORMAL;
      }
      case EXPRESSION_STATEMENT: {
        in.origins.mark(frame, s);
        in.expressions.eval(frame, ((ExpressionStatementTree) s).getExpression());
        return Completion.NORMAL;
      }
      case BLOCK:
        return execAll(frame, ((BlockTree) s).getStatements(), recover);
      case EMPTY_STATEMENT:
        return Completion.NORMAL;
      case IF: {
        IfTree t = (IfTree) s;
        in.origins.mark(frame, t.getCondition());
        boolean cond = in.expressions.condition(frame, t.getCondition(), "if");
        StatementTree branch = cond ? t.getThenStatement() : t.getElseStatement();
        return branch == null ? Completion.NORMAL : execNested(frame, branch, recover);
      }
      case FOR_LOOP:
        return execFor(frame, (ForLoopTree) s, recover);
      case ENHANCED_FOR_LOOP:
        return execForEach(frame, (EnhancedForLoopTree) s, recover);
      case RETURN: {
        in.origins.mark(frame, s);
        ReturnTree r = (ReturnTree) s;
        Object value = r.getExpression() == null ? Special.NULL : in.expressions.eval(frame, r.getExpression());
        if (frame.mode == Frame.Mode.CALL && frame.runsCallMethod()) checkCallResult(frame, value, r);
        frame.returned = value;
        frame.hasReturned = true;
        return Completion.RETURN;
      }
      case BREAK:
        if (((BreakTree) s).getLabel() != null) throw unsupported(frame, s, "a labelled break");
        return Completion.BREAK;
      case CONTINUE:
        if (((ContinueTree) s).getLabel() != null) throw unsupported(frame, s, "a labelled continue");
        return Completion.CONTINUE;
      case WHILE_LOOP:
        throw unsupported(frame, s, "a while loop (use a for loop with a compile-time bound)");
      case DO_WHILE_LOOP:
        throw unsupported(frame, s, "a do-while loop (use a for loop with a compile-time bound)");
      case SWITCH:
        throw unsupported(frame, s, "a switch statement (use if/else)");
      case TRY:
        throw unsupported(frame, s, "a try statement");
      case THROW:
        throw unsupported(frame, s, "a throw statement");
      case SYNCHRONIZED:
        throw unsupported(frame, s, "a synchronized block");
      case CLASS:
        throw unsupported(frame, s, "a local class");
      case ASSERT:
        throw unsupported(frame, s, "an assert statement");
      case LABELED_STATEMENT:
        throw unsupported(frame, s, "a labelled statement");
      default:
        throw unsupported(frame, s, "this statement (" + s.getKind().toString().toLowerCase().replace('_', ' ') + ")");
    }
  }

  /** What a {@code @Call} method returns becomes the graph's output: a traced tensor, or an array of them. */
  private static void checkCallResult(Frame frame, Object value, ReturnTree r) {
    Object[] values = value instanceof ArrayValue ? ((ArrayValue) value).elements : new Object[] {value};
    for (int i = 0; i < values.length; i++) {
      String what = value instanceof ArrayValue ? "element " + i + " of the array this @Call method returns" : "this @Call method's result";
      if (values[i] == Special.NULL) {
        throw frame.error(what + " is null: a @Call method returns the Tensor it computes from its inputs (or a"
            + " Tensor[] of them for several outputs)", r);
      }
      if (values[i] instanceof Tensor && !((Tensor) values[i]).isSymbolic()) {
        throw frame.error(what + " is a constant tensor, not one computed from the inputs: the generated session"
            + " returns graph outputs (use Ops on the inputs)", r);
      }
    }
  }

  private Completion execNested(Frame frame, StatementTree s, boolean recover) {
    if (s instanceof BlockTree) return execAll(frame, ((BlockTree) s).getStatements(), recover);
    return execAll(frame, List.of(s), recover);
  }

  private void checkLocalType(Frame frame, TypeMirror t, Tree site) {
    if (frame.mode == Frame.Mode.CONSTRUCT) return;
    switch (t.getKind()) {
      case INT: case FLOAT: case BOOLEAN: case LONG: case DOUBLE:
        return;
      case ARRAY:
        TypeMirror c = ((ArrayType) t).getComponentType();
        if (in.javac.isTensor(c) || c.getKind() == TypeKind.INT || c.getKind() == TypeKind.FLOAT) return;
        break;
      case DECLARED:
        if (in.javac.isTensor(t) || in.javac.types.isAssignable(t, in.javac.abstractLayerType())) return;
        String qn = ((javax.lang.model.element.TypeElement) in.javac.types.asElement(t)).getQualifiedName().toString();
        if (qn.equals("dev.kiln.TensorShape") || qn.equals("java.lang.String")) return;
        break;
      default:
        break;
    }
    throw unsupported(frame, site, "a local variable of type " + t);
  }

  private Completion execFor(Frame frame, ForLoopTree loop, boolean recover) {
    for (StatementTree init : loop.getInitializer()) exec(frame, init, false);
    in.budget.enterLoop(frame, loop);
    try {
      while (true) {
        if (loop.getCondition() != null) {
          in.origins.mark(frame, loop.getCondition());
          if (!in.expressions.condition(frame, loop.getCondition(), "for")) break;
        }
        in.budget.iteration();
        Completion c = execNested(frame, loop.getStatement(), recover);
        if (c == Completion.BREAK) break;
        if (c == Completion.RETURN) return c;
        for (ExpressionStatementTree u : loop.getUpdate()) in.expressions.eval(frame, u.getExpression());
      }
    } finally {
      in.budget.exitLoop();
    }
    return Completion.NORMAL;
  }

  private Completion execForEach(Frame frame, EnhancedForLoopTree loop, boolean recover) {
    in.origins.mark(frame, loop.getExpression());
    Object iterable = in.expressions.eval(frame, loop.getExpression());
    if (!(iterable instanceof ArrayValue)) {
      throw frame.error("an enhanced for loop in " + frame.where() + " must iterate over an array known at compile time"
          + " (a @Layer array, say)", loop.getExpression());
    }
    Element var = in.javac.element(frame.unit, loop.getVariable());
    in.budget.enterLoop(frame, loop);
    try {
      for (Object item : ((ArrayValue) iterable).elements) {
        in.budget.iteration();
        frame.locals.put(var, item);
        Completion c = execNested(frame, loop.getStatement(), recover);
        if (c == Completion.BREAK) break;
        if (c == Completion.RETURN) return c;
      }
    } finally {
      in.budget.exitLoop();
    }
    return Completion.NORMAL;
  }

  /** The error for a construct the interpreter does not read, worded for where it appears. */
  static KilnDiagnostic unsupported(Frame frame, Tree tree, String construct) {
    return frame.error(construct + " is not supported in " + frame.where()
        + (frame.mode == Frame.Mode.CALL ? " (Kiln reads the body at compile time)" : ""), tree);
  }
}

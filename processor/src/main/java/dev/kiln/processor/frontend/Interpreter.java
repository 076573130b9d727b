package dev.kiln.processor.frontend;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.Trees;
import dev.kiln.processor.check.KilnDiagnostic;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Evaluates the parts of a model's source that API.md allows at compile time: field initializers, constructors
 * (with their parameters, {@code if}/{@code else}, fluent layer setters), {@code build(TensorShape)} bodies with
 * {@code addWeight}, and {@code @Call} bodies (locals, compile-time conditions, unrolled loops, inlined private
 * helpers, nested layers). Built-in layers and {@code Ops} run for real through {@link RuntimeBridge} on
 * symbolic tensors, so the runtime's own shape rules and lowering build the graph.
 *
 * <p>This class wires the parts together and is what {@link ModelReader} sees; each part reads one kind of tree:
 * {@link Statements}, {@link Expressions}, {@link Variables}, {@link Invocations}, {@link Construction},
 * {@link LayerApplication}, {@link MethodInliner}. They reach each other through the fields here, because
 * statements contain expressions and expressions call methods whose bodies are statements. Checks that refuse what
 * the session would compute differently from the eager model sit beside them: {@link LayerClassCheck} and
 * {@link CallMethodCheck} on declarations, {@link TracedNodeChecks} on the graph each statement traces,
 * {@link RunTimeDimension} for sizes only known at run time, and {@link UnrollBudget} against runaway loops.
 *
 * <p>Every unsupported construct or impossible shape is a {@link KilnDiagnostic} at the tree that caused it.
 * Inside {@code @Call} and {@code build} bodies each statement fails on its own: its error is handed to the
 * sink, the variables it would have set become {@link Special#ERROR}, and reading goes on, so one compile shows
 * every mistake.
 */
final class Interpreter {
  final Attribution javac;
  final RuntimeBridge bridge;
  final Consumer<KilnDiagnostic> sink;
  final SourceOrigins origins;
  final Statements statements;
  final Expressions expressions;
  final Variables variables;
  final Invocations invocations;
  final Construction construction;
  final LayerApplication layers;
  final MethodInliner inliner;
  final TracedNodeChecks nodeChecks;
  final UnrollBudget budget = new UnrollBudget();
  final LayerClassCheck classCheck;
  final CallMethodCheck callCheck;
  /** The statement read last, and its frame: where an unexpected failure is reported. */
  Frame lastFrame;
  Tree lastStatement;

  Interpreter(Trees trees, Types types, Elements elements, Consumer<KilnDiagnostic> sink) {
    this.javac = new Attribution(trees, types, elements);
    this.bridge = new RuntimeBridge(types);
    this.sink = sink;
    this.origins = new SourceOrigins(trees);
    this.statements = new Statements(this);
    this.expressions = new Expressions(this);
    this.variables = new Variables(this);
    this.invocations = new Invocations(this);
    this.construction = new Construction(this);
    this.layers = new LayerApplication(this);
    this.inliner = new MethodInliner(this);
    this.nodeChecks = new TracedNodeChecks(budget);
    this.classCheck = new LayerClassCheck(javac, new KilnNameClash(trees, elements), sink);
    this.callCheck = new CallMethodCheck(trees, types, elements);
  }

  /** Constructs a user class with {@code ctor} (or its constructor without parameters when null). */
  UserObject instantiate(TypeElement type, ExecutableElement ctor, List<Object> args, Tree site, CompilationUnitTree siteUnit) {
    return construction.instantiate(type, ctor, args, site, siteUnit);
  }

  /** Runs the body of a method declared in user source with {@code self} as {@code this}. */
  Object invokeUserMethod(UserObject self, ExecutableElement method, List<Object> args, Frame.Mode mode, Tree site,
      Frame caller) {
    return inliner.invoke(self, method, args, mode, site, caller);
  }

  /** Remembers the absolute path of a built-in layer object ({@code blocks/3/conv}). */
  void registerLayerPath(Object layer, String path) {
    layers.registerPath(layer, path);
  }

  /** Origin ({@code Mlp.java:12}) to the statement's text, for comments in generated code. */
  Map<String, String> sourceText() {
    return origins.sourceText();
  }
}

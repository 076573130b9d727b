package dev.kiln.processor.codegen;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dims;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.processor.codegen.lower.LoweringContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * The static graph as a table of {@code b.node(name, type, inputs, attrs, shape, dtype, origin)} rows in
 * {@code buildGraph()}, split over methods of {@link #NODES_PER_METHOD} rows (the JVM limits a method to 64 KB). A
 * graph of more than {@link #MAX_TABLE_NODES} nodes is written as {@code GraphText} pieces instead: rows of code
 * spend several class-file constants per node, and a class holds at most 65,535.
 */
final class GraphTableEmitter {
  static final int NODES_PER_METHOD = 80;
  static final int MAX_TABLE_NODES = 1500;
  /** Characters per string constant: a constant's UTF-8 form must stay under 65,535 bytes. */
  private static final int TEXT_PIECE = 20_000;
  private static final ClassName GRAPH_TEXT = ClassName.get("dev.kiln.graph", "GraphText");
  private static final ClassName ATTRS = ClassName.get("dev.kiln.graph", "Attrs");

  private GraphTableEmitter() {}

  static List<MethodSpec> methods(GraphDef graph) {
    if (graph.nodes().size() > MAX_TABLE_NODES) return List.of(asText(graph));
    List<MethodSpec> methods = new ArrayList<>();
    List<NodeDef> nodes = graph.nodes();
    int parts = Math.max(1, (nodes.size() + NODES_PER_METHOD - 1) / NODES_PER_METHOD);
    ClassName builder = SessionEmitter.GRAPH_DEF.nestedClass("Builder");
    CodeBlock.Builder main = CodeBlock.builder().addStatement("$T b = $T.builder()", builder, SessionEmitter.GRAPH_DEF);
    for (int part = 0; part < parts; part++) {
      CodeBlock.Builder b = CodeBlock.builder();
      for (NodeDef n : nodes.subList(part * NODES_PER_METHOD, Math.min(nodes.size(), (part + 1) * NODES_PER_METHOD))) {
        b.add(row(n));
      }
      if (parts == 1) {
        main.add(b.build());
      } else {
        String name = "addNodes" + part;
        main.addStatement("$N(b)", name);
        methods.add(MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC)
            .addParameter(builder, "b").addCode(b.build()).build());
      }
    }
    for (String o : graph.outputs()) main.addStatement("b.output($S)", o);
    main.addStatement("return b.build()");
    methods.add(0, MethodSpec.methodBuilder("buildGraph").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(SessionEmitter.GRAPH_DEF).addCode(main.build()).build());
    return methods;
  }

  private static MethodSpec asText(GraphDef graph) {
    String text = dev.kiln.graph.GraphText.write(graph);
    CodeBlock.Builder pieces = CodeBlock.builder();
    for (int i = 0; i < text.length(); i += TEXT_PIECE) {
      pieces.add(i > 0 ? ",\n$S" : "$S", text.substring(i, Math.min(text.length(), i + TEXT_PIECE)));
    }
    return MethodSpec.methodBuilder("buildGraph").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(SessionEmitter.GRAPH_DEF)
        .addComment("$L nodes: as text, which takes a few class-file constants instead of several per node",
            graph.nodes().size())
        .addStatement("return $T.read(\n$L)", GRAPH_TEXT, pieces.build()).build();
  }

  private static CodeBlock row(NodeDef n) {
    CodeBlock.Builder inputs = CodeBlock.builder().add("new String[] {");
    for (int i = 0; i < n.numInputs(); i++) inputs.add(i > 0 ? ", $S" : "$S", n.input(i));
    inputs.add("}");
    if (n.numOutputs() == 1) {
      return CodeBlock.builder().addStatement("b.node($S, $S, $L, $L, $S, $T.$L, $S)", n.name(), n.opType(),
          inputs.build(), attrs(n.attrs()), Dims.toString(n.outputDims(0)), SessionEmitter.DTYPE,
          n.outputType(0).name(), n.origin()).build();
    }
    CodeBlock.Builder shapes = CodeBlock.builder().add("new String[] {");
    CodeBlock.Builder types = CodeBlock.builder().add("new $T[] {", SessionEmitter.DTYPE);
    for (int i = 0; i < n.numOutputs(); i++) {
      shapes.add(i > 0 ? ", $S" : "$S", Dims.toString(n.outputDims(i)));
      types.add(i > 0 ? ", $T.$L" : "$T.$L", SessionEmitter.DTYPE, n.outputType(i).name());
    }
    return CodeBlock.builder().addStatement("b.node($S, $S, $L, $L, $L, $L, $S)", n.name(), n.opType(), inputs.build(),
        attrs(n.attrs()), shapes.add("}").build(), types.add("}").build(), n.origin()).build();
  }

  private static CodeBlock attrs(Attrs attrs) {
    Map<String, Object> values = attrs.asMap();
    if (values.isEmpty()) return CodeBlock.of("$T.NONE", ATTRS);
    CodeBlock.Builder b = CodeBlock.builder().add("$T.NONE", ATTRS);
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object v = e.getValue();
      CodeBlock value;
      if (v instanceof Integer || v instanceof Boolean) {
        value = CodeBlock.of("$L", v);
      } else if (v instanceof Float) {
        value = CodeBlock.of("$L", LoweringContext.floatLiteral((Float) v));
      } else if (v instanceof String) {
        value = CodeBlock.of("$S", v);
      } else if (v instanceof int[]) {
        value = CodeBlock.of("new int[] $L", LoweringContext.intArray((int[]) v));
      } else {
        float[] f = (float[]) v;
        CodeBlock.Builder fb = CodeBlock.builder().add("new float[] {");
        for (int i = 0; i < f.length; i++) fb.add(i > 0 ? ", $L" : "$L", LoweringContext.floatLiteral(f[i]));
        value = fb.add("}").build();
      }
      b.add(".with($S, $L)", e.getKey(), value);
    }
    return b.build();
  }
}

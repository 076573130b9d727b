package dev.kiln.processor.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.kiln.Activation;
import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.processor.ir.ModelIr;
import dev.kiln.processor.opt.Fusion;
import dev.kiln.processor.opt.MemoryPlan;
import dev.kiln.processor.opt.Schedule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.lang.model.element.Modifier;

/**
 * Writes {@code Kiln<Model>.java}: the static graph, weight fields packed when the session opens, the typed
 * {@code call} as straight-line kernel calls over a {@link MemoryPlan}, and the glue of API.md §4. The output is
 * Java 8 source and reads like hand-written code: one block per fused step, each headed by the user's source line.
 */
public final class SessionEmitter {
  /** The model cannot be compiled to a fast path (an unsupported shape, say); the message is for the user. */
  public static final class Unsupported extends Exception {
    public Unsupported(String message) {
      super(message);
    }
  }

  private static final ClassName TENSOR = ClassName.get("dev.kiln", "Tensor");
  private static final ClassName WEIGHTS = ClassName.get("dev.kiln", "Weights");
  private static final ClassName GRAPH = ClassName.get("dev.kiln", "Graph");
  private static final ClassName DTYPE = ClassName.get("dev.kiln", "DType");
  private static final ClassName ACTIVATION = ClassName.get("dev.kiln", "Activation");
  private static final ClassName SESSION_OPTIONS = ClassName.get("dev.kiln", "SessionOptions");
  private static final ClassName GRAPH_DEF = ClassName.get("dev.kiln.graph", "GraphDef");
  private static final ClassName NODE_DEF = ClassName.get("dev.kiln.graph", "NodeDef");
  private static final ClassName ATTRS = ClassName.get("dev.kiln.graph", "Attrs");
  private static final ClassName OP_KERNELS = ClassName.get("dev.kiln.graph", "OpKernels");
  private static final ClassName COMPILED_SESSION = ClassName.get("dev.kiln.session", "CompiledSession");
  private static final ClassName GEMM = ClassName.get("dev.kiln.kernels", "Gemm");
  private static final ClassName ELEMENTWISE = ClassName.get("dev.kiln.kernels", "Elementwise");
  private static final ClassName ACTIVATIONS = ClassName.get("dev.kiln.kernels", "Activations");
  private static final ClassName SOFTMAX = ClassName.get("dev.kiln.kernels", "Softmax");
  private static final ClassName REDUCTIONS = ClassName.get("dev.kiln.kernels", "Reductions");
  private static final ClassName SHAPING = ClassName.get("dev.kiln.kernels", "Shaping");
  private static final ClassName CONV = ClassName.get("dev.kiln.kernels", "Conv");
  private static final ClassName NORMALIZATION = ClassName.get("dev.kiln.kernels", "Normalization");
  private static final ClassName RESIZE = ClassName.get("dev.kiln.kernels", "Resize");
  private static final ClassName ARRAYS = ClassName.get("java.util", "Arrays");
  private static final ClassName SHAPES = ClassName.get("dev.kiln", "Shapes");
  private static final Set<String> RESERVED = Set.of("batch", "ws", "i", "r", "c", "v", "n", "out", "model", "weights", "kernels",
      "options", "inputs", "base", "result");

  private final ModelIr ir;
  private final GraphDef graph;
  private final Schedule schedule;
  private final MemoryPlan plan;
  private final ClassName sessionName;
  private final ClassName modelName;
  private final Map<String, String> weightFields = new LinkedHashMap<>();
  private final Set<String> unpackedWeights = new HashSet<>();
  /** Weights prepared when the session opens (packed, folded): their fields and the code that computes them. */
  private final List<FieldSpec> preparedFields = new ArrayList<>();
  private final CodeBlock.Builder preparation = CodeBlock.builder();
  private final Map<String, String> preparedByKey = new LinkedHashMap<>();
  private final Set<String> fieldNames = new HashSet<>();
  private final Map<String, String> constFields = new LinkedHashMap<>();
  private final Map<String, String> staticArrays = new LinkedHashMap<>();
  private final List<FieldSpec> staticArrayFields = new ArrayList<>();
  private final List<FieldSpec> workspaceFields = new ArrayList<>();
  private final CodeBlock.Builder workspaceResize = CodeBlock.builder();
  private final Map<String, String> inputNames = new LinkedHashMap<>();
  private boolean hasBatch;
  private int counter;

  private SessionEmitter(ModelIr ir) {
    this.ir = ir;
    this.graph = ir.graph;
    this.schedule = Fusion.schedule(graph);
    this.plan = MemoryPlan.plan(schedule);
    this.sessionName = ClassName.get(ir.packageName, ir.sessionClassName());
    String[] parts = ir.modelName.split("\\.");
    this.modelName = parts.length == 1
        ? ClassName.get(ir.packageName, parts[0])
        : ClassName.get(ir.packageName, parts[0], Arrays.copyOfRange(parts, 1, parts.length));
  }

  public static JavaFile emit(ModelIr ir) throws Unsupported {
    return new SessionEmitter(ir).file();
  }

  private JavaFile file() throws Unsupported {
    checkShapes();
    for (ModelIr.Input in : ir.inputs) {
      String name = in.name;
      if (RESERVED.contains(name)) name = name + "Input";
      inputNames.put(in.name, name);
      if (in.shape.length > 0 && in.shape[0] == -1) hasBatch = true;
    }
    for (NodeDef n : graph.nodes()) {
      if (n.op().equals("Variable")) weightFields.put(n.name(), javaName(n.name()));
      if (n.op().equals("Const")) {
        String c = constantName(n.name());
        constFields.put(n.name(), c.startsWith("CONST") ? c : "CONST_" + c);
      }
    }
    CodeBlock compute = computeBody();

    TypeSpec.Builder type = TypeSpec.classBuilder(sessionName)
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .superclass(COMPILED_SESSION)
        .addJavadoc("The compiled session of {@link $T}, generated by Kiln from $L. Do not edit.\n\n", modelName, ir.sourceFile)
        .addJavadoc("<p>{@link #call} runs {@code $L.$L} for inference as straight-line code over a fixed memory plan; the\n",
            ir.modelName, ir.callMethod)
        .addJavadoc("general {@link #run} fetches and feeds any tensor of {@link #graph()}.\n");

    type.addField(FieldSpec.builder(GRAPH_DEF, "GRAPH", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer("buildGraph()").build());
    type.addField(FieldSpec.builder(GRAPH, "GRAPH_VIEW", Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer("$T.of(GRAPH)", GRAPH).build());
    for (FieldSpec f : staticArrayFields) type.addField(f);
    for (Map.Entry<String, String> c : constFields.entrySet()) {
      NodeDef n = graph.node(c.getKey());
      boolean isFloat = n.outputType(0) == DType.FLOAT32;
      type.addField(FieldSpec.builder(isFloat ? ArrayTypeName.of(float.class) : ArrayTypeName.of(int.class), c.getValue(),
              Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
          .addJavadoc("Constant $L $L.\n", n.name(), Shapes.toString(n.outputShape(0)))
          .initializer(isFloat ? "GRAPH.node($S).attrs().getFloats($S)" : "GRAPH.node($S).attrs().getInts($S)",
              n.name(), isFloat ? "value" : "ivalue")
          .build());
    }
    for (Map.Entry<String, String> w : weightFields.entrySet()) {
      NodeDef n = graph.node(w.getKey());
      if (unpackedWeights.contains(w.getKey())) {
        type.addField(FieldSpec.builder(float[].class, w.getValue(), Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("$L $L.\n", n.name(), Shapes.toString(n.outputShape(0))).build());
      }
    }
    for (FieldSpec f : preparedFields) type.addField(f);
    ClassName workspace = sessionName.nestedClass("Workspace");
    type.addField(FieldSpec.builder(ParameterizedTypeName.get(ClassName.get(ThreadLocal.class), workspace), "workspaces",
            Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("One arena per thread, so concurrent calls never share buffers and steady-state calls never allocate.\n")
        .initializer("$L", TypeSpec.anonymousClassBuilder("")
            .superclass(ParameterizedTypeName.get(ClassName.get(ThreadLocal.class), workspace))
            .addMethod(MethodSpec.methodBuilder("initialValue").addAnnotation(Override.class)
                .addModifiers(Modifier.PROTECTED).returns(workspace).addStatement("return new $T()", workspace).build())
            .build())
        .build());

    type.addMethod(constructor());
    type.addMethod(MethodSpec.methodBuilder("graph").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(GRAPH)
        .addJavadoc("The static graph: placeholders, weights and every Keras-level op, as traced from $L.\n", ir.sourceFile)
        .addStatement("return GRAPH_VIEW").build());
    type.addMethod(MethodSpec.methodBuilder("open").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(sessionName)
        .addParameter(WEIGHTS, "weights")
        .addJavadoc("Opens a session over {@code weights}; a missing, misshapen or unused weight is an error naming it.\n")
        .addStatement("return new $T(weights, $T.defaults())", sessionName, SESSION_OPTIONS).build());
    type.addMethod(MethodSpec.methodBuilder("open").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(sessionName)
        .addParameter(WEIGHTS, "weights").addParameter(SESSION_OPTIONS, "options")
        .addStatement("return new $T(weights, options)", sessionName).build());
    type.addMethod(MethodSpec.methodBuilder("initialized").addModifiers(Modifier.PUBLIC, Modifier.STATIC).returns(sessionName)
        .addParameter(long.class, "seed")
        .addJavadoc("Opens a session whose weights come from the layers' initializers, deterministically for {@code seed}.\n")
        .addStatement("return open(initialWeights(GRAPH, seed))").build());
    type.addMethod(loadInto());
    type.addMethods(callMethods());
    type.addMethod(MethodSpec.methodBuilder("runOutputs").addAnnotation(Override.class).addModifiers(Modifier.PROTECTED)
        .returns(ArrayTypeName.of(TENSOR)).addParameter(ArrayTypeName.of(TENSOR), "inputs")
        .addCode(ir.returnsArray
            ? CodeBlock.of("return call($L);\n", inputsArgs())
            : CodeBlock.of("return new $T[] {call($L)};\n", TENSOR, inputsArgs()))
        .build());
    type.addMethod(MethodSpec.methodBuilder("compute").addModifiers(Modifier.PRIVATE)
        .addParameters(computeParams()).addCode(compute).build());
    type.addMethod(outputMismatch());
    type.addMethods(buildGraph());
    type.addType(workspaceType(workspace));
    return JavaFile.builder(ir.packageName, type.build())
        .addFileComment("Generated by Kiln from $L ($L.$L). Do not edit.", ir.sourceFile, ir.modelName, ir.callMethod)
        .skipJavaLangImports(true)
        .indent("  ")
        .build();
  }

  private Object inputsArgs() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < ir.inputs.size(); i++) {
      if (i > 0) sb.append(", ");
      sb.append("inputs[").append(i).append(']');
    }
    return sb.toString();
  }

  /** Compiled sessions support an unknown first (batch) dimension only. */
  private void checkShapes() throws Unsupported {
    for (NodeDef n : graph.nodes()) {
      for (int i = 0; i < n.numOutputs(); i++) {
        int[] s = n.outputShape(i);
        for (int d = 1; d < s.length; d++) {
          if (s[d] < 0) {
            throw new Unsupported(n.name() + " has shape " + Shapes.toString(s) + " (" + n.origin()
                + "): compiled sessions support -1 only in the first (batch) dimension");
          }
        }
      }
    }
  }

  // ---- construction and glue ---------------------------------------------------------------------------

  private MethodSpec constructor() {
    MethodSpec.Builder m = MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE)
        .addParameter(WEIGHTS, "weights").addParameter(SESSION_OPTIONS, "options")
        .addStatement("super(GRAPH, weights, options)");
    for (Map.Entry<String, String> w : weightFields.entrySet()) {
      if (unpackedWeights.contains(w.getKey())) {
        m.addStatement("$N = weight($S).floatBuffer()", w.getValue(), w.getKey());
      }
    }
    m.addCode(preparation.build());
    return m.build();
  }

  private MethodSpec loadInto() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("loadInto").addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .addParameter(modelName, "model").addParameter(WEIGHTS, "weights")
        .addJavadoc("Gives an eager {@code $L} the weights a session would use, so both compute the same numbers.\n", ir.modelName)
        .addStatement("model.loadWeights($S, weights)", "");
    for (ModelIr.LayerRef l : ir.layers) m.addStatement("$L.loadWeights($S, weights)", l.access, l.path);
    return m.build();
  }

  private List<MethodSpec> callMethods() {
    List<MethodSpec> out = new ArrayList<>();
    MethodSpec.Builder call = MethodSpec.methodBuilder("call").addModifiers(Modifier.PUBLIC)
        .returns(ir.returnsArray ? ArrayTypeName.of(TENSOR) : TENSOR)
        .addJavadoc("Runs {@code $L.$L} for inference (training = false). Thread-safe; allocates only the result.\n",
            ir.modelName, ir.callMethod);
    MethodSpec.Builder into = MethodSpec.methodBuilder("callInto").addModifiers(Modifier.PUBLIC)
        .addJavadoc("Like {@link #call}, writing into tensors the caller owns: after the first call for a batch size\n")
        .addJavadoc("it allocates nothing.\n");
    for (ModelIr.Input in : ir.inputs) {
      call.addParameter(TENSOR, inputNames.get(in.name));
      into.addParameter(TENSOR, inputNames.get(in.name));
    }
    if (ir.returnsArray) into.addParameter(ArrayTypeName.of(TENSOR), "outputs");
    else into.addParameter(TENSOR, "output");
    CodeBlock prologue = prologue();
    call.addCode(prologue);
    into.addCode(prologue);
    List<String> outputs = graph.outputs();
    StringBuilder args = new StringBuilder();
    for (ModelIr.Input in : ir.inputs) {
      args.append(inputNames.get(in.name)).append(in.dtype == DType.FLOAT32 ? ".floatBuffer(), " : ".intBuffer(), ");
    }
    args.append("batch");
    for (int i = 0; i < outputs.size(); i++) {
      String t = outputs.get(i);
      int[] shape = schedule.shape(t);
      DType dt = schedule.dtype(t);
      call.addStatement("$T out$L = $T.zeros($T.$L, $L)", TENSOR, i, TENSOR, DTYPE, dt.name(), dimsExpr(shape));
      args.append(", out").append(i).append(dt == DType.FLOAT32 ? ".floatBuffer()" : ".intBuffer()");
      String target = ir.returnsArray ? "outputs[" + i + "]" : "output";
      into.addStatement("$T out$L = $L", TENSOR, i, target);
      CodeBlock.Builder cond = CodeBlock.builder().add("out$L == null || out$L.dtype() != $T.$L || out$L.rank() != $L", i, i, DTYPE,
          dt.name(), i, shape.length);
      for (int d = 0; d < shape.length; d++) cond.add(" || out$L.dim($L) != $L", i, d, dimExpr(shape, d));
      into.beginControlFlow("if ($L)", cond.build())
          .addStatement("throw outputMismatch($L, out$L, batch)", i, i)
          .endControlFlow();
    }
    if (ir.returnsArray && outputs.size() > 0) {
      into.beginControlFlow("if (outputs.length != $L)", outputs.size())
          .addStatement("throw new $T($S + outputs.length)", IllegalArgumentException.class,
              "expected " + outputs.size() + " output tensors, got ")
          .endControlFlow();
    }
    call.addStatement("compute($L)", args);
    into.addStatement("compute($L)", args);
    if (ir.returnsArray) {
      StringBuilder r = new StringBuilder();
      for (int i = 0; i < outputs.size(); i++) r.append(i > 0 ? ", " : "").append("out").append(i);
      call.addStatement("return new $T[] {$L}", TENSOR, r);
    } else {
      call.addStatement("return out0");
    }
    out.add(call.build());
    out.add(into.build());
    return out;
  }

  private CodeBlock prologue() {
    CodeBlock.Builder b = CodeBlock.builder().addStatement("ensureOpen()");
    for (int i = 0; i < ir.inputs.size(); i++) b.addStatement("checkInput($L, $N)", i, inputNames.get(ir.inputs.get(i).name));
    String batchSource = null;
    for (ModelIr.Input in : ir.inputs) {
      if (in.shape.length > 0 && in.shape[0] == -1) {
        if (batchSource == null) {
          batchSource = inputNames.get(in.name);
          b.addStatement("int batch = $N.dim(0)", batchSource);
        } else {
          b.beginControlFlow("if ($N.dim(0) != batch)", inputNames.get(in.name))
              .addStatement("throw new $T($S + $N.dim(0) + $S + batch)", IllegalArgumentException.class,
                  "placeholder " + in.name + " has batch size ", inputNames.get(in.name), " but " + batchSource + " has ")
              .endControlFlow();
        }
      }
    }
    if (batchSource == null) b.addStatement("int batch = 1");
    return b.build();
  }

  private MethodSpec outputMismatch() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("outputMismatch").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
        .returns(IllegalArgumentException.class)
        .addParameter(int.class, "index").addParameter(TENSOR, "given").addParameter(int.class, "batch");
    m.addStatement("String[] names = {$L}", String.join(", ", quoted(graph.outputs())));
    m.addStatement("$T expected = GRAPH.node($T.nodeOf(names[index])).outputShape(0)", int[].class, NODE_DEF);
    m.addStatement("if (expected.length > 0 && expected[0] == -1) expected[0] = batch");
    m.addStatement("String dtype = GRAPH.node($T.nodeOf(names[index])).outputType(0).kerasName()", NODE_DEF);
    m.addStatement("String got = given == null ? $S : given.dtype().kerasName() + $T.toString(given.shape())", "null", SHAPES);
    m.addStatement("return new $T($S + names[index] + $S + dtype + $T.toString(expected) + $S + got)",
        IllegalArgumentException.class, "output ", " expects ", SHAPES, ", got ");
    return m.build();
  }

  private static List<String> quoted(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : names) out.add("\"" + n.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    return out;
  }

  private List<com.palantir.javapoet.ParameterSpec> computeParams() {
    List<com.palantir.javapoet.ParameterSpec> ps = new ArrayList<>();
    for (ModelIr.Input in : ir.inputs) {
      ps.add(com.palantir.javapoet.ParameterSpec.builder(in.dtype == DType.FLOAT32 ? float[].class : int[].class,
          inputNames.get(in.name)).build());
    }
    ps.add(com.palantir.javapoet.ParameterSpec.builder(int.class, "batch").build());
    List<String> outputs = graph.outputs();
    for (int i = 0; i < outputs.size(); i++) {
      ps.add(com.palantir.javapoet.ParameterSpec.builder(schedule.dtype(outputs.get(i)) == DType.FLOAT32 ? float[].class : int[].class,
          "out" + i).build());
    }
    return ps;
  }

  // ---- the fast path ---------------------------------------------------------------------------------------

  private CodeBlock computeBody() throws Unsupported {
    CodeBlock.Builder b = CodeBlock.builder();
    b.addStatement("Workspace ws = workspaces.get()");
    b.addStatement("ws.ensure(batch)");
    String lastOrigin = null;
    for (Schedule.Step step : schedule.steps) {
      String origin = step.origin();
      if (origin != null && !origin.equals(lastOrigin)) {
        String text = ir.sourceText.get(origin);
        b.add("// $L$L\n", origin, text == null ? "" : "  " + text.replace("\n", " "));
        lastOrigin = origin;
      }
      if (step instanceof Schedule.Dense) emitDense(b, (Schedule.Dense) step);
      else if (step instanceof Schedule.Conv) emitConv(b, (Schedule.Conv) step);
      else if (step instanceof Schedule.Elementwise) emitElementwise(b, (Schedule.Elementwise) step);
      else if (step instanceof Schedule.Alias) b.add("// $L: $L reuses the buffer of its input (no copy)\n",
          step.nodes.get(0).name(), step.nodes.get(0).op());
      else emitKernel(b, ((Schedule.Kernel) step).node());
    }
    for (Map.Entry<Integer, String> copy : plan.outputCopies.entrySet()) {
      String t = copy.getValue();
      b.add("// output $L is $L\n", copy.getKey(), t);
      b.addStatement("$T.arraycopy($L, 0, out$L, 0, $L)", System.class, buf(t), copy.getKey(), sizeExpr(schedule.shape(t)));
    }
    return b.build();
  }

  private void emitDense(CodeBlock.Builder b, Schedule.Dense d) {
    int[] w = schedule.shape(d.kernel);
    int[] in = schedule.shape(d.input);
    String variable = Fusion.weightVariable(graph, d.kernel);
    String base = weightFields.get(variable);
    String key = "dense:" + variable + "|" + (d.epilogue.batchNorm == null ? "" : d.epilogue.batchNorm.name());
    String[] prepared = prepareKernel(base, d.kernel, w[1], d.epilogue);
    String packed = preparedByKey.get(key);
    if (packed == null) {
      // A layer applied twice shares its packed weights.
      packed = uniqueField(base + "Packed");
      preparedByKey.put(key, packed);
      preparedFields.add(FieldSpec.builder(ClassName.get("dev.kiln.kernels", "PackedWeights"), packed, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L $L$L, packed for {@code Gemm.dense} when the session opens.\n", variable,
              Shapes.toString(w), d.epilogue.batchNorm == null ? "" : " with " + d.epilogue.batchNorm.name() + " folded in")
          .build());
      preparation.addStatement("$N = kernels.packDenseWeights($L, $L, $L)", packed, prepared[0], w[0], w[1]);
    }
    b.add("// $L\n", nodeNames(d.nodes));
    b.addStatement("kernels.dense($L, $L, $L, $N, $L, $L, $L, $L)", buf(d.input), rowsExpr(in, w[0]), w[0], packed, w[1],
        prepared[1], activationRef(d.epilogue.activation), buf(d.output()));
  }

  /** {@code name}, or {@code name2}, {@code name3}... when a prepared field already has it. */
  private String uniqueField(String name) {
    String candidate = name;
    for (int i = 2; fieldNames.contains(candidate) || weightFields.containsValue(candidate); i++) candidate = name + i;
    fieldNames.add(candidate);
    return candidate;
  }

  private CodeBlock activationRef(Activation a) {
    return a == null ? CodeBlock.of("null") : CodeBlock.of("$T.$L", ACTIVATION, a.name());
  }

  /**
   * The kernel (a Java expression for the constructor) and the bias (a field name, or "null") a fused step uses.
   * A BatchNorm in the epilogue is folded into both when the session opens.
   */
  private String[] prepareKernel(String base, String kernel, int outChannels, Schedule.Epilogue e) {
    if (e.batchNorm == null) {
      return new String[] {weightCall(kernel), e.bias == null ? "null" : weightRef(e.bias)};
    }
    NodeDef bn = e.batchNorm;
    boolean scale = bn.attrs().getBoolean("scale", true);
    boolean center = bn.attrs().getBoolean("center", true);
    int next = 3;
    String gamma = scale ? weightCall(bn.input(next++)) : "null";
    String beta = center ? weightCall(bn.input(next)) : "null";
    int id = counter++;
    String scaleShift = "scaleShift" + id;
    String fold = "folded" + id;
    preparation.add("// $L folded into $L\n", bn.name(), NodeDef.nodeOf(kernel));
    preparation.addStatement("float[][] $L = $T.foldBatchNorm($L, $L,\n$L, $L, $L)", scaleShift, NORMALIZATION, gamma, beta,
        weightCall(bn.input(1)), weightCall(bn.input(2)), floatLiteral(bn.attrs().getFloat("epsilon")));
    preparation.addStatement("float[][] $L = $T.foldIntoKernel($L, $L, $L, $L[0], $L[1])",
        fold, NORMALIZATION, weightCall(kernel), outChannels, e.bias == null ? "null" : weightCall(e.bias), scaleShift, scaleShift);
    String biasField = uniqueField((base.endsWith("Kernel") ? base.substring(0, base.length() - "Kernel".length()) : base) + "BiasFolded");
    preparedFields.add(FieldSpec.builder(float[].class, biasField, Modifier.PRIVATE, Modifier.FINAL)
        .addJavadoc("Bias of $L with $L folded in.\n", NodeDef.nodeOf(kernel), bn.name()).build());
    preparation.addStatement("$N = $L[1]", biasField, fold);
    return new String[] {fold + "[0]", biasField};
  }

  private boolean allWeightInputs(NodeDef n) {
    for (int i = 1; i < n.numInputs(); i++) {
      if (!schedule.producer(n.input(i)).op().equals("Variable")) return false;
    }
    return true;
  }

  private String weightCall(String tensor) {
    return "weight(\"" + Fusion.weightVariable(graph, tensor) + "\").floatBuffer()";
  }

  /** TF's SAME padding: {before, after} for one spatial axis. */
  private static int[] samePadding(int in, int k, int stride, int dilation, int out) {
    int effective = (k - 1) * dilation + 1;
    int total = Math.max((out - 1) * stride + effective - in, 0);
    return new int[] {total / 2, total - total / 2};
  }

  private void emitConv(CodeBlock.Builder b, Schedule.Conv c) {
    NodeDef conv = c.conv;
    int[] in = schedule.shape(c.input);
    int[] k = schedule.shape(c.kernel);
    int[] out = conv.outputShape(0);
    int[] strides = conv.attrs().getInts("strides");
    int[] dil = conv.attrs().has("dilations") ? conv.attrs().getInts("dilations") : new int[] {1, 1};
    boolean same = "SAME".equals(conv.attrs().getString("padding", "VALID"));
    int padH = schedule.shape(conv.input(0))[1];
    int padW = schedule.shape(conv.input(0))[2];
    int padTop = c.extraPad[0];
    int padLeft = c.extraPad[2];
    if (same && !conv.op().equals("Conv2DTranspose")) {
      padTop += samePadding(padH, k[0], strides[0], dil[0], out[1])[0];
      padLeft += samePadding(padW, k[1], strides[1], dil[1], out[2])[0];
    }
    String base = weightFields.get(Fusion.weightVariable(graph, c.kernel));
    Schedule.Epilogue e = c.epilogue;
    b.add("// $L\n", nodeNames(c.nodes));
    String residual = e.residual == null ? "null" : buf(e.residual);
    switch (conv.op()) {
      case "Conv2D": {
        int groups = conv.attrs().getInt("groups", 1);
        String[] prepared = prepareKernel(base, c.kernel, k[3], e);
        String variable = Fusion.weightVariable(graph, c.kernel);
        String key = "conv:" + variable + "|" + Arrays.toString(k) + "|" + (e.batchNorm == null ? "" : e.batchNorm.name());
        String packed = preparedByKey.get(key);
        if (packed == null) {
          packed = uniqueField(base + "Packed");
          preparedByKey.put(key, packed);
          preparedFields.add(FieldSpec.builder(ClassName.get("dev.kiln.kernels", "PackedWeights"), packed, Modifier.PRIVATE, Modifier.FINAL)
              .addJavadoc("$L $L, packed for {@code Conv.conv2d} when the session opens.\n", variable, Shapes.toString(k))
              .build());
          preparation.addStatement("$N = kernels.packConvKernel($L, $L, $L, $L, $L, $L)", packed, prepared[0], k[0], k[1], k[2], k[3], groups);
        }
        CodeBlock convArgs = CodeBlock.of("$L, $L, $L, $L, $L, $N, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L",
            buf(c.input), dimExpr(in, 0), in[1], in[2], in[3], packed, k[0], k[1], k[3], strides[0], strides[1], dil[0], dil[1],
            padTop, padLeft, out[1], out[2], groups, prepared[1], residual, activationRef(e.activation), buf(c.convOutput()));
        if (c.pool == null) {
          b.addStatement("kernels.conv2d($L)", convArgs);
          return;
        }
        NodeDef pool = c.pool;
        String poolOrigin = pool.origin();
        if (poolOrigin != null && !poolOrigin.equals(c.origin())) {
          String text = ir.sourceText.get(poolOrigin);
          b.add("// and $L$L\n", poolOrigin, text == null ? "" : "  " + text.replace("\n", " "));
        }
        int[] pooled = pool.outputShape(0);
        int[] ks = pool.attrs().getInts("ksize");
        int[] st = pool.attrs().getInts("strides");
        int[] poolPad = {0, 0};
        if ("SAME".equals(pool.attrs().getString("padding", "VALID"))) {
          poolPad[0] = samePadding(out[1], ks[0], st[0], 1, pooled[1])[0];
          poolPad[1] = samePadding(out[2], ks[1], st[1], 1, pooled[2])[0];
        }
        // the convolution's result is the pooling's input only: kernel sets may pool it band by band, in cache
        b.addStatement("kernels.conv2dMaxPool($L,\n$L, $L, $L, $L, $L, $L, $L, $L, $L)", convArgs, ks[0], ks[1], st[0],
            st[1], poolPad[0], poolPad[1], pooled[1], pooled[2], buf(c.output()));
        return;
      }
      case "DepthwiseConv2dNative": {
        String[] prepared = prepareKernel(base, c.kernel, k[2] * k[3], e);
        String kernelField = prepared[0].startsWith("weight(") ? weightRef(c.kernel) : uniqueField(base + "Folded");
        if (!prepared[0].startsWith("weight(")) {
          preparedFields.add(FieldSpec.builder(float[].class, kernelField, Modifier.PRIVATE, Modifier.FINAL)
              .addJavadoc("$L with $L folded in.\n", NodeDef.nodeOf(c.kernel), e.batchNorm.name()).build());
          preparation.addStatement("$N = $L", kernelField, prepared[0]);
        }
        if (e.residual != null) {
          throw new IllegalStateException("residual fusion is not supported for depthwise convolutions");
        }
        b.addStatement("kernels.depthwise2d($L, $L, $L, $L, $L, $N, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)",
            buf(c.input), dimExpr(in, 0), in[1], in[2], in[3], kernelField, k[0], k[1], k[3], strides[0], strides[1], dil[0], dil[1],
            padTop, padLeft, out[1], out[2], prepared[1], activationRef(e.activation), buf(c.output()));
        return;
      }
      default: {
        // Conv2DTranspose: kernel [kh, kw, filters, in] as stored.
        int[] p = transposePadding(conv, in, k, strides, out);
        b.addStatement("$T.conv2dTranspose($L, $L, $L, $L, $L, $N, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)", CONV,
            buf(c.input), dimExpr(in, 0), in[1], in[2], in[3], weightRef(c.kernel), k[0], k[1], k[2], strides[0], strides[1],
            p[0], p[1], out[1], out[2], e.bias == null ? "null" : weightRef(e.bias), activationRef(e.activation), buf(c.output()));
      }
    }
  }

  /**
   * Top/left padding of a transposed convolution, as TF's conv2d_transpose derives it from the output size:
   * the full correlation is cropped by {@code ((in - 1) * stride + k - out)} split with the odd one at the end.
   */
  private static int[] transposePadding(NodeDef conv, int[] in, int[] k, int[] strides, int[] out) {
    int[] p = new int[2];
    for (int a = 0; a < 2; a++) {
      int total = Math.max((in[1 + a] - 1) * strides[a] + k[a] - out[1 + a], 0);
      p[a] = total / 2;
    }
    return p;
  }

  private void emitElementwise(CodeBlock.Builder b, Schedule.Elementwise e) {
    String out = e.output();
    int[] shape = schedule.shape(out);
    b.add("// $L\n", nodeNames(e.nodes));
    // Operands that broadcast along the last axes are read with the inner index c; scalars are hoisted.
    int inner = 1;
    for (Schedule.Link l : e.links) {
      if (l.node.op().equals("BiasAdd") || l.operand != null && !Arrays.equals(schedule.shape(l.operand), shape)) {
        int size = Shapes.size(schedule.shape(l.operand));
        if (size > 1) inner = Math.max(inner, size);
      }
    }
    Map<String, String> scalars = new LinkedHashMap<>();
    for (Schedule.Link l : e.links) {
      if (l.operand != null && Shapes.size(schedule.shape(l.operand)) == 1 && !scalars.containsKey(l.operand)) {
        NodeDef producer = schedule.producer(l.operand);
        if (producer.op().equals("Const") && producer.outputType(0) == DType.FLOAT32) {
          scalars.put(l.operand, floatLiteral(producer.attrs().getFloats("value")[0]));
          continue;
        }
        String name = "s" + (counter++);
        scalars.put(l.operand, name);
        b.addStatement("float $L = $L[0]", name, buf(l.operand));
      }
    }
    String n = sizeExpr(shape);
    if (inner > 1) {
      b.beginControlFlow("for (int r = 0, rows = $L; r < rows; r++)", rowsOf(shape, inner));
      b.addStatement("int base = r * $L", inner);
      b.beginControlFlow("for (int c = 0; c < $L; c++)", inner);
      b.addStatement("float v = $L[base + c]", buf(e.input));
    } else {
      b.beginControlFlow("for (int i = 0, n = $L; i < n; i++)", n);
      b.addStatement("float v = $L[i]", buf(e.input));
    }
    String index = inner > 1 ? "base + c" : "i";
    for (Schedule.Link l : e.links) {
      String operand = null;
      if (l.operand != null) {
        int size = Shapes.size(schedule.shape(l.operand));
        if (scalars.containsKey(l.operand)) operand = scalars.get(l.operand);
        else if (Arrays.equals(schedule.shape(l.operand), shape)) operand = buf(l.operand) + "[" + index + "]";
        else if (size == inner) operand = buf(l.operand) + "[c]";
        else operand = buf(l.operand) + "[(" + index + ") % " + size + "]";
      }
      b.addStatement("v = $L", scalarOp(l, operand));
    }
    b.addStatement("$L[$L] = v", buf(out), index);
    if (inner > 1) b.endControlFlow();
    b.endControlFlow();
  }

  private CodeBlock scalarOp(Schedule.Link l, String o) {
    NodeDef n = l.node;
    String a = l.chainIsSecond ? o : "v";
    String c = l.chainIsSecond ? "v" : o;
    switch (n.op()) {
      case "Add": case "BiasAdd": return CodeBlock.of("$L + $L", a, c);
      case "Sub": return CodeBlock.of("$L - $L", a, c);
      case "Mul": return CodeBlock.of("$L * $L", a, c);
      case "Div": return CodeBlock.of("$L / $L", a, c);
      case "Maximum": return CodeBlock.of("$T.max($L, $L)", Math.class, a, c);
      case "Minimum": return CodeBlock.of("$T.min($L, $L)", Math.class, a, c);
      case "Relu": return CodeBlock.of("$T.max(v, 0f)", Math.class);
      case "Relu6": return CodeBlock.of("$T.min($T.max(v, 0f), 6f)", Math.class, Math.class);
      case "Sigmoid": return CodeBlock.of("$T.sigmoid(v)", ACTIVATIONS);
      case "Tanh": return CodeBlock.of("$T.tanh(v)", ACTIVATIONS);
      case "Silu": return CodeBlock.of("$T.silu(v)", ACTIVATIONS);
      case "Softplus": return CodeBlock.of("$T.softplus(v)", ACTIVATIONS);
      case "HardSigmoid": return CodeBlock.of("$T.hardSigmoid(v)", ACTIVATIONS);
      case "HardSilu": return CodeBlock.of("$T.hardSilu(v)", ACTIVATIONS);
      case "Gelu":
        return n.attrs().getBoolean("approximate", false) ? CodeBlock.of("$T.geluTanh(v)", ACTIVATIONS) : CodeBlock.of("$T.gelu(v)", ACTIVATIONS);
      case "Elu": return CodeBlock.of("$T.elu(v, $Lf)", ACTIVATIONS, n.attrs().getFloat("alpha", 1f));
      case "LeakyRelu": return CodeBlock.of("$T.leakyRelu(v, $Lf)", ACTIVATIONS, n.attrs().getFloat("alpha", 0.2f));
      case "Exp": return CodeBlock.of("(float) $T.exp(v)", Math.class);
      case "Log": return CodeBlock.of("(float) $T.log(v)", Math.class);
      case "Sqrt": return CodeBlock.of("(float) $T.sqrt(v)", Math.class);
      case "Square": return CodeBlock.of("v * v");
      case "Softsign": return CodeBlock.of("v / (1f + $T.abs(v))", Math.class);
      case "Abs": return CodeBlock.of("$T.abs(v)", Math.class);
      case "Neg": return CodeBlock.of("-v");
      case "ClipByValue":
        return CodeBlock.of("$T.min($T.max(v, $L), $L)", Math.class, Math.class, floatLiteral(n.attrs().getFloat("min")),
            floatLiteral(n.attrs().getFloat("max")));
      default: throw new IllegalStateException("not elementwise: " + n.op());
    }
  }

  private void emitKernel(CodeBlock.Builder b, NodeDef n) {
    String out = n.name() + ":0";
    int[] outShape = n.outputShape(0);
    b.add("// $L ($L)\n", n.name(), n.op());
    switch (n.op()) {
      case "Add": case "Sub": case "Mul": case "Div": case "Maximum": case "Minimum": case "BiasAdd": {
        String op = binaryConstant(n.op());
        b.addStatement("$T.binary($T.$L, $L, $L, $L, $L, $L, $L)", ELEMENTWISE, ELEMENTWISE, op,
            buf(n.input(0)), shapeRef(n.input(0)), buf(n.input(1)), shapeRef(n.input(1)), buf(out), shapeRef(out));
        return;
      }
      case "Mean": case "Sum": case "Max": {
        int[] in = schedule.shape(n.input(0));
        int[] axes = n.attrs().getInts("axes");
        String op = n.op().equals("Mean") ? "MEAN" : n.op().equals("Sum") ? "SUM" : "MAX";
        if (axes.length == 0) {
          b.addStatement("$T.arraycopy($L, 0, $L, 0, $L)", System.class, buf(n.input(0)), buf(out), sizeExpr(in));
        } else if (axes[axes.length - 1] - axes[0] == axes.length - 1) {
          int first = axes[0];
          int last = axes[axes.length - 1];
          b.addStatement("$T.reduce($T.$L, $L, $L, $L, $L, $L)", REDUCTIONS, REDUCTIONS, op, buf(n.input(0)), buf(out),
              productExpr(in, 0, first), productExpr(in, first, last + 1), productExpr(in, last + 1, in.length));
        } else {
          b.addStatement("$T.reduceAxes($T.$L, $L, $L, $L, $L)", REDUCTIONS, REDUCTIONS, op, buf(n.input(0)),
              shapeRef(n.input(0)), staticInts(axes), buf(out));
        }
        return;
      }
      case "Softmax": case "ArgMax": {
        int[] in = schedule.shape(n.input(0));
        int axis;
        int axisEnd;
        if (n.attrs().has("axes")) {
          int[] axes = n.attrs().getInts("axes");
          boolean contiguous = axes.length > 0;
          for (int i = 1; i < axes.length; i++) contiguous &= axes[i] == axes[i - 1] + 1;
          if (!contiguous) break;
          axis = axes[0];
          axisEnd = axes[axes.length - 1] + 1;
        } else {
          axis = n.attrs().getInt("axis", in.length - 1);
          axisEnd = axis + 1;
        }
        String outer = productExpr(in, 0, axis);
        String inner = productExpr(in, axisEnd, in.length);
        String len = productExpr(in, axis, axisEnd);
        if (n.op().equals("Softmax")) {
          b.addStatement("$T.softmax($L, $L, $L, $L, $L)", SOFTMAX, buf(n.input(0)), buf(out), outer, len, inner);
        } else {
          b.addStatement("$T.argmax($L, $L, $L, $L, $L)", REDUCTIONS, buf(n.input(0)), buf(out), outer, len, inner);
        }
        return;
      }
      case "MaxPool": case "AvgPool": {
        int[] in = schedule.shape(n.input(0));
        int[] ks = n.attrs().getInts("ksize");
        int[] st = n.attrs().getInts("strides");
        int padTop = 0;
        int padLeft = 0;
        if ("SAME".equals(n.attrs().getString("padding", "VALID"))) {
          padTop = samePadding(in[1], ks[0], st[0], 1, outShape[1])[0];
          padLeft = samePadding(in[2], ks[1], st[1], 1, outShape[2])[0];
        }
        b.addStatement("kernels.$L($L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L, $L)",
            n.op().equals("MaxPool") ? "maxPool2d" : "avgPool2d", buf(n.input(0)), dimExpr(in, 0), in[1], in[2], in[3],
            ks[0], ks[1], st[0], st[1], padTop, padLeft, outShape[1], outShape[2], buf(out));
        return;
      }
      case "BatchNorm": {
        int[] in = schedule.shape(n.input(0));
        int axis = n.attrs().getInt("axis");
        if (!allWeightInputs(n)) break;
        boolean scale = n.attrs().getBoolean("scale", true);
        boolean center = n.attrs().getBoolean("center", true);
        int next = 3;
        String gamma = scale ? weightCall(n.input(next++)) : "null";
        String beta = center ? weightCall(n.input(next)) : "null";
        String field = javaName(n.name()) + "ScaleShift";
        preparedFields.add(FieldSpec.builder(float[][].class, field, Modifier.PRIVATE, Modifier.FINAL)
            .addJavadoc("$L as a per-channel scale and shift, computed when the session opens.\n", n.name()).build());
        preparation.addStatement("$N = $T.foldBatchNorm($L, $L, $L, $L, $L)", field, NORMALIZATION, gamma, beta,
            weightCall(n.input(1)), weightCall(n.input(2)), floatLiteral(n.attrs().getFloat("epsilon")));
        b.addStatement("$T.batchNorm($L, $L, $L, $L, $L, $N[0], $N[1])", NORMALIZATION, buf(n.input(0)), buf(out),
            productExpr(in, 0, axis), in[axis], productExpr(in, axis + 1, in.length), field, field);
        return;
      }
      case "LayerNorm": {
        int[] in = schedule.shape(n.input(0));
        int[] axes = n.attrs().getInts("axes");
        boolean trailing = axes[axes.length - 1] == in.length - 1;
        for (int i = 1; i < axes.length; i++) trailing &= axes[i] == axes[i - 1] + 1;
        if (!trailing || !allWeightInputs(n)) break;
        boolean scale = n.attrs().getBoolean("scale", true);
        boolean center = n.attrs().getBoolean("center", true);
        int next = 1;
        String gamma = scale ? weightRef(n.input(next++)) : "null";
        String beta = center ? weightRef(n.input(next)) : "null";
        b.addStatement("$T.layerNorm($L, $L, $L, $L, $L, $L, $L)", NORMALIZATION, buf(n.input(0)), buf(out),
            productExpr(in, 0, axes[0]), productExpr(in, axes[0], in.length), gamma, beta,
            floatLiteral(n.attrs().getFloat("epsilon")));
        return;
      }
      case "Resize": {
        int[] in = schedule.shape(n.input(0));
        int[] scale = n.attrs().getInts("scale");
        b.addStatement("$T.$L($L, $L, $L, $L, $L, $L, $L, $L)", RESIZE,
            "bilinear".equals(n.attrs().getString("method", "nearest")) ? "bilinear" : "nearest",
            buf(n.input(0)), dimExpr(in, 0), in[1], in[2], in[3], scale[0], scale[1], buf(out));
        return;
      }
      case "ConcatV2": {
        int axis = n.attrs().getInt("axis");
        String cat = "cat" + (counter++);
        workspaceFields.add(FieldSpec.builder(float[][].class, cat, Modifier.FINAL)
            .initializer("new float[$L][]", n.numInputs()).build());
        int[] sizes = new int[n.numInputs()];
        for (int i = 0; i < n.numInputs(); i++) {
          sizes[i] = schedule.shape(n.input(i))[axis];
          b.addStatement("ws.$L[$L] = $L", cat, i, buf(n.input(i)));
        }
        b.addStatement("$T.concat(ws.$L, $L, $L, $L, $L)", SHAPING, cat, staticInts(sizes), productExpr(outShape, 0, axis),
            productExpr(outShape, axis + 1, outShape.length), buf(out));
        return;
      }
      case "Transpose":
        b.addStatement("$T.transpose($L, $L, $L, $L)", SHAPING, buf(n.input(0)), shapeRef(n.input(0)),
            staticInts(n.attrs().getInts("perm")), buf(out));
        return;
      case "Pad":
        b.addStatement("$T.pad($L, $L, $L, $L, $L)", SHAPING, buf(n.input(0)), shapeRef(n.input(0)),
            staticInts(n.attrs().getInts("paddings")), floatLiteral(n.attrs().getFloat("value", 0f)), buf(out));
        return;
      case "Slice":
        b.addStatement("$T.slice($L, $L, $L, $L, $L)", SHAPING, buf(n.input(0)), shapeRef(n.input(0)),
            staticInts(n.attrs().getInts("begin")), shapeRef(out), buf(out));
        return;
      case "MatMul": {
        int[] a = schedule.shape(n.input(0));
        int[] w = schedule.shape(n.input(1));
        if (w.length == 2) {
          b.addStatement("$T.matmul($L, $L, $L, $L, $L, $L)", GEMM, buf(n.input(0)), buf(n.input(1)), buf(out),
              rowsExpr(a, w[0]), w[0], w[1]);
          return;
        }
        break;
      }
      default:
        break;
    }
    // No dedicated kernel call for this op: run the runtime's eager kernel (allocates; rare ops only).
    CodeBlock.Builder inputs = CodeBlock.builder();
    for (int i = 0; i < n.numInputs(); i++) {
      String in = n.input(i);
      int[] s = schedule.shape(in);
      boolean isFloat = schedule.dtype(in) == DType.FLOAT32;
      inputs.add(i > 0 ? ", " : "").add("$T.$L($T.copyOf($L, $L), $L)", TENSOR, isFloat ? "of" : "ofInts", ARRAYS, buf(in),
          sizeExpr(s), dimsExpr(s));
    }
    b.addStatement("$T result$L = $T.execute(GRAPH.node($S), new $T[] {$L})[0]", TENSOR, counter, OP_KERNELS, n.name(), TENSOR,
        inputs.build());
    b.addStatement("$T.arraycopy(result$L.$L(), 0, $L, 0, $L)", System.class, counter,
        schedule.dtype(out) == DType.FLOAT32 ? "floatBuffer" : "intBuffer", buf(out), sizeExpr(outShape));
    counter++;
  }

  private static String binaryConstant(String op) {
    switch (op) {
      case "Add": case "BiasAdd": return "ADD";
      case "Sub": return "SUB";
      case "Mul": return "MUL";
      case "Div": return "DIV";
      case "Maximum": return "MAX";
      default: return "MIN";
    }
  }

  // ---- buffers and sizes -------------------------------------------------------------------------------------

  /** The Java expression of the array that holds {@code tensor}. */
  private String buf(String tensor) {
    MemoryPlan.Buffer b = plan.buffers.get(tensor);
    switch (b.kind) {
      case INPUT: return inputNames.get(ir.inputs.get(b.index).name);
      case OUTPUT: return "out" + b.index;
      case WEIGHT: return weightRef(b.node + ":0");
      case CONST: return constFields.get(b.node);
      default: return "ws." + (b.dtype == DType.FLOAT32 ? "f" : "i") + b.index;
    }
  }

  private String weightRef(String tensor) {
    String node = Fusion.weightVariable(graph, tensor);
    unpackedWeights.add(node);
    return weightFields.get(node);
  }


  /** An int[] expression holding the run-time shape of {@code tensor}. */
  private String shapeRef(String tensor) {
    int[] s = schedule.shape(tensor);
    if (s.length == 0 || s[0] != -1) return staticInts(s);
    String key = "shape:" + Arrays.toString(s);
    String name = staticArrays.get(key);
    if (name == null) {
      name = "shape" + staticArrays.size();
      staticArrays.put(key, name);
      workspaceFields.add(FieldSpec.builder(int[].class, name, Modifier.FINAL)
          .initializer("$L", intArrayLiteral(s)).build());
      workspaceResize.addStatement("$L[0] = batch", name);
    }
    return "ws." + name;
  }

  private String staticInts(int[] values) {
    String key = "ints:" + Arrays.toString(values);
    String name = staticArrays.get(key);
    if (name == null) {
      name = "INTS_" + staticArrays.size();
      staticArrays.put(key, name);
      staticArrayFields.add(FieldSpec.builder(int[].class, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
          .initializer("$L", intArrayLiteral(values)).build());
    }
    return name;
  }

  private static String intArrayLiteral(int[] values) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < values.length; i++) sb.append(i > 0 ? ", " : "").append(values[i]);
    return sb.append('}').toString();
  }

  private static String dimExpr(int[] shape, int d) {
    return shape[d] == -1 ? "batch" : String.valueOf(shape[d]);
  }

  private static String dimsExpr(int[] shape) {
    StringBuilder sb = new StringBuilder();
    for (int d = 0; d < shape.length; d++) sb.append(d > 0 ? ", " : "").append(dimExpr(shape, d));
    return sb.toString();
  }

  /** The product of dims {@code [from, to)} as a Java expression. */
  private static String productExpr(int[] shape, int from, int to) {
    long fixed = 1;
    boolean batch = false;
    for (int d = from; d < to; d++) {
      if (shape[d] == -1) batch = true;
      else fixed *= shape[d];
    }
    if (!batch) return String.valueOf(fixed);
    return fixed == 1 ? "batch" : "batch * " + fixed;
  }

  private static String sizeExpr(int[] shape) {
    return productExpr(shape, 0, shape.length);
  }

  /** The number of {@code inner}-sized rows of a tensor, as a Java expression. */
  private static String rowsOf(int[] shape, int inner) {
    long fixed = 1;
    boolean batch = false;
    for (int d : shape) {
      if (d == -1) batch = true;
      else fixed *= d;
    }
    if (fixed % inner != 0) return sizeExpr(shape) + " / " + inner;
    long rows = fixed / inner;
    if (!batch) return String.valueOf(rows);
    return rows == 1 ? "batch" : "batch * " + rows;
  }

  /** Rows of a [..., k] tensor seen as a matrix. */
  private static String rowsExpr(int[] shape, int k) {
    return productExpr(shape, 0, shape.length - 1);
  }

  private static String nodeNames(List<NodeDef> nodes) {
    StringBuilder sb = new StringBuilder();
    for (NodeDef n : nodes) sb.append(sb.length() > 0 ? " + " : "").append(n.name());
    return sb.toString();
  }

  static String floatLiteral(float f) {
    if (Float.isNaN(f)) return "Float.NaN";
    if (f == Float.POSITIVE_INFINITY) return "Float.POSITIVE_INFINITY";
    if (f == Float.NEGATIVE_INFINITY) return "Float.NEGATIVE_INFINITY";
    return f + "f";
  }

  /** {@code blocks/3/conv/kernel} becomes {@code blocks3ConvKernel}. */
  static String javaName(String path) {
    StringBuilder sb = new StringBuilder();
    boolean upper = false;
    for (char ch : path.toCharArray()) {
      if (Character.isLetterOrDigit(ch)) {
        sb.append(upper ? Character.toUpperCase(ch) : ch);
        upper = false;
      } else {
        upper = sb.length() > 0;
      }
    }
    if (sb.length() == 0 || !Character.isJavaIdentifierStart(sb.charAt(0))) sb.insert(0, 'w');
    String s = sb.toString();
    return javax.lang.model.SourceVersion.isKeyword(s) || RESERVED.contains(s) ? s + "Weight" : s;
  }

  private static String constantName(String path) {
    return path.replaceAll("[^A-Za-z0-9]+", "_").toUpperCase();
  }

  // ---- the graph table ---------------------------------------------------------------------------------------

  /** Nodes per generated method, so a large model's graph table stays far below the JVM's 64 KB method limit. */
  private static final int NODES_PER_METHOD = 80;

  private List<MethodSpec> buildGraph() {
    List<MethodSpec> methods = new ArrayList<>();
    List<NodeDef> nodes = graph.nodes();
    int parts = Math.max(1, (nodes.size() + NODES_PER_METHOD - 1) / NODES_PER_METHOD);
    CodeBlock.Builder main = CodeBlock.builder().addStatement("$T.Builder b = $T.builder()", GRAPH_DEF, GRAPH_DEF);
    for (int part = 0; part < parts; part++) {
      String name = parts == 1 ? null : "addNodes" + part;
      CodeBlock.Builder b = CodeBlock.builder();
      for (NodeDef n : nodes.subList(part * NODES_PER_METHOD, Math.min(nodes.size(), (part + 1) * NODES_PER_METHOD))) {
        b.add(nodeStatement(n));
      }
      if (name == null) {
        main.add(b.build());
      } else {
        main.addStatement("$N(b)", name);
        methods.add(MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC)
            .addParameter(GRAPH_DEF.nestedClass("Builder"), "b").addCode(b.build()).build());
      }
    }
    for (String o : graph.outputs()) main.addStatement("b.output($S)", o);
    main.addStatement("return b.build()");
    methods.add(0, MethodSpec.methodBuilder("buildGraph").addModifiers(Modifier.PRIVATE, Modifier.STATIC).returns(GRAPH_DEF)
        .addCode(main.build()).build());
    return methods;
  }

  private CodeBlock nodeStatement(NodeDef n) {
    CodeBlock inputs = CodeBlock.of("new String[] {$L}", String.join(", ", quoted(List.of(n.inputs()))));
    CodeBlock attrs = attrs(n);
    if (n.numOutputs() == 1) {
      return CodeBlock.builder().addStatement("b.node($S, $S, $L, $L, new int[] $L, $T.$L, $S)", n.name(), n.op(), inputs, attrs,
          intArrayLiteral(n.outputShape(0)), DTYPE, n.outputType(0).name(), n.origin()).build();
    }
    List<String> shapes = new ArrayList<>();
    List<String> types = new ArrayList<>();
    for (int i = 0; i < n.numOutputs(); i++) {
      shapes.add(intArrayLiteral(n.outputShape(i)));
      types.add("DType." + n.outputType(i).name());
    }
    return CodeBlock.builder().addStatement("b.add(new $T($S, $S, $L, $L, new int[][] {$L}, new $T[] {$L}, $S))", NODE_DEF, n.name(),
        n.op(), inputs, attrs, String.join(", ", shapes), DTYPE, String.join(", ", types), n.origin()).build();
  }

  private CodeBlock attrs(NodeDef n) {
    Map<String, Object> values = n.attrs().asMap();
    if (values.isEmpty()) return CodeBlock.of("$T.NONE", ATTRS);
    CodeBlock.Builder b = CodeBlock.builder().add("$T.NONE", ATTRS);
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object v = e.getValue();
      CodeBlock value;
      if (v instanceof Integer || v instanceof Boolean) value = CodeBlock.of("$L", v);
      else if (v instanceof Float) value = CodeBlock.of("$L", floatLiteral((Float) v));
      else if (v instanceof String) value = CodeBlock.of("$S", v);
      else if (v instanceof int[]) value = CodeBlock.of("new int[] $L", intArrayLiteral((int[]) v));
      else {
        float[] f = (float[]) v;
        StringBuilder sb = new StringBuilder("new float[] {");
        for (int i = 0; i < f.length; i++) sb.append(i > 0 ? ", " : "").append(floatLiteral(f[i]));
        value = CodeBlock.of("$L", sb.append('}'));
      }
      b.add(".with($S, $L)", e.getKey(), value);
    }
    return b.build();
  }

  private TypeSpec workspaceType(ClassName name) {
    TypeSpec.Builder t = TypeSpec.classBuilder(name).addModifiers(Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("The arena of one thread: a buffer per memory-plan slot, sized for the largest batch seen.\n");
    t.addField(FieldSpec.builder(int.class, "batch", Modifier.PRIVATE).initializer("-1").build());
    MethodSpec.Builder ensure = MethodSpec.methodBuilder("ensure").addParameter(int.class, "batch")
        .beginControlFlow("if (batch == this.batch)").addStatement("return").endControlFlow();
    for (int i = 0; i < plan.slots.size(); i++) {
      MemoryPlan.Slot s = plan.slots.get(i);
      boolean isFloat = s.dtype == DType.FLOAT32;
      String field = (isFloat ? "f" : "i") + i;
      t.addField(FieldSpec.builder(isFloat ? float[].class : int[].class, field)
          .initializer("new $L[0]", isFloat ? "float" : "int").build());
      String need = s.perBatch == 0 ? String.valueOf(s.fixed)
          : s.fixed == 0 ? "batch * " + s.perBatch : "Math.max(batch * " + s.perBatch + ", " + s.fixed + ")";
      ensure.addStatement("if ($L.length < $L) $L = new $L[$L]", field, need, field, isFloat ? "float" : "int", need);
    }
    for (FieldSpec f : workspaceFields) t.addField(f);
    ensure.addCode(workspaceResize.build());
    ensure.addStatement("this.batch = batch");
    t.addMethod(ensure.build());
    return t.build();
  }
}

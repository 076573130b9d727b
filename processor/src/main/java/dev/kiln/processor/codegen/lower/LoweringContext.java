package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.TypeName;
import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.processor.opt.Fusion;
import dev.kiln.processor.opt.MemoryPlan;
import dev.kiln.processor.opt.Schedule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * What the lowerings of one session share: the schedule and memory plan, one name allocator for every identifier of
 * the class (so a user's parameter never shadows a field), the Java expressions of dimensions and buffers, and the
 * members lowerings add: fields prepared when the session opens (packed and folded weights), static constants
 * (convolution geometry), and members of the per-thread workspace.
 */
public final class LoweringContext {
  public static final ClassName TENSOR = ClassName.get("dev.kiln", "Tensor");
  public static final ClassName ACTIVATION = ClassName.get("dev.kiln", "Activation");
  public static final ClassName NODE_CALL = ClassName.get("dev.kiln.session", "NodeCall");

  public final GraphDef graph;
  public final Schedule schedule;
  public final MemoryPlan plan;
  private final NameAllocator names = new NameAllocator();
  private final Map<String, String> symbols = new LinkedHashMap<>();
  private final Map<String, String> locals = new LinkedHashMap<>();
  private final Map<String, String> members = new LinkedHashMap<>();
  private final List<String> outputs = new ArrayList<>();
  private final List<String> inputs;
  private final String kernels;
  private final String workspace;

  private final Map<String, String> weightFields = new LinkedHashMap<>();
  private final Map<String, String> constFields = new LinkedHashMap<>();
  private final Map<String, String> preparedByKey = new LinkedHashMap<>();
  private final List<FieldSpec> preparedFields = new ArrayList<>();
  private final CodeBlock.Builder preparation = CodeBlock.builder();
  private final List<FieldSpec> staticFields = new ArrayList<>();
  private final Map<String, String> staticByKey = new LinkedHashMap<>();
  private final List<FieldSpec> workspaceFields = new ArrayList<>();
  private final CodeBlock.Builder workspaceBinding = CodeBlock.builder();

  /**
   * {@code inputs}: the user's names of the {@code @Call} tensor parameters, which keep their names in the generated
   * methods; {@code symbolNames}: the run-time dimensions the session binds; {@code members}: the fields the class
   * always has ({@code GRAPH}, ...), allocated after the user's names so that no parameter shadows them.
   */
  public LoweringContext(GraphDef graph, Schedule schedule, MemoryPlan plan, List<String> inputs,
      List<String> symbolNames, List<String> members) {
    this.graph = graph;
    this.schedule = schedule;
    this.plan = plan;
    this.inputs = inputs;
    for (String in : inputs) {
      String got = names.newName(in);
      if (!got.equals(in)) throw new IllegalArgumentException("input name " + in + " is not a free Java identifier");
    }
    for (String m : members) this.members.put(m, names.newName(m));
    this.kernels = inputs.contains("kernels") ? "this.kernels" : "kernels";
    this.workspace = names.newName("ws");
    for (String s : symbolNames) symbols.put(s, names.newName(s));
    for (int i = 0; i < graph.outputs().size(); i++) outputs.add(names.newName("out" + i));
  }

  /** The name the class gives one of its fixed members ({@code GRAPH}, unless a user's parameter is called so). */
  public String member(String name) {
    return members.get(name);
  }

  /** The local or parameter holding graph output {@code i} in the generated methods. */
  public String output(int i) {
    return outputs.get(i);
  }

  // ---- names --------------------------------------------------------------------------------------------------

  /** A new identifier of the class, as close to {@code hint} as the names already taken allow. */
  public String newName(String hint) {
    return names.newName(javaName(hint));
  }

  /**
   * A local variable name of generated loops ({@code i}, {@code v}), the same for every loop of the class and never
   * one of the user's input names.
   */
  public String local(String hint) {
    return locals.computeIfAbsent(hint, names::newName);
  }

  /** The local holding run-time dimension {@code symbol} ({@code batch}). */
  public String symbol(String symbol) {
    String local = symbols.get(symbol);
    if (local == null) throw new IllegalStateException("symbol " + symbol + " is not bound in this session");
    return local;
  }

  public Map<String, String> symbolLocals() {
    return symbols;
  }

  /** The compute method's workspace local. */
  public String workspace() {
    return workspace;
  }

  /** How generated code reaches the session's kernel set. */
  public String kernels() {
    return kernels;
  }

  // ---- expressions --------------------------------------------------------------------------------------------

  /** A dimension as an int expression: {@code 784}, {@code batch}, {@code 4 * batch * time}. */
  public CodeBlock dim(Dim d) {
    if (d.isConstant()) return CodeBlock.of("$L", d.value());
    List<String> factors = new ArrayList<>();
    if (d.coefficient() != 1) factors.add(Long.toString(d.coefficient()));
    for (String s : d.symbols()) factors.add(symbol(s));
    return CodeBlock.of("$L", String.join(" * ", factors));
  }

  /** The product of {@code shape[from, to)}. */
  public CodeBlock product(Dim[] shape, int from, int to) {
    return dim(Dim.product(shape, from, to));
  }

  /** The element count of a shape. */
  public CodeBlock size(Dim[] shape) {
    return dim(Dim.size(shape));
  }

  /** The array that holds {@code tensor} during compute. */
  public CodeBlock buffer(String tensor) {
    MemoryPlan.Buffer b = plan.buffers.get(tensor);
    switch (b.kind) {
      case INPUT: return CodeBlock.of("$N", inputs.get(b.index));
      case OUTPUT: return CodeBlock.of("$N", outputs.get(b.index));
      case WEIGHT: return CodeBlock.of("$N", weightField(b.node + ":0"));
      case CONST: return CodeBlock.of("$N", constField(b.node));
      default: return CodeBlock.of("$N.$N", workspace, slotName(b.index));
    }
  }

  /** The workspace field of slot {@code index}: {@code f3} for floats, {@code i3} for ints. */
  public String slotName(int index) {
    return (plan.slots.get(index).dtype == DType.FLOAT32 ? "f" : "i") + index;
  }

  /** Where {@code tensor} goes, for comments: {@code ws.f0}, {@code out0}. */
  public String destination(String tensor) {
    return buffer(tensor).toString();
  }

  // ---- weights and constants -----------------------------------------------------------------------------------

  /** The field holding the values of the weight {@code tensor} reads (through aliases), created once. */
  public String weightField(String tensor) {
    String variable = Fusion.weightVariable(graph, tensor);
    String field = weightFields.get(variable);
    if (field == null) {
      field = newName(variable);
      weightFields.put(variable, field);
    }
    return field;
  }

  /** The weight's values at open time ({@code weight("conv/kernel").floatBuffer()}), for preparing them. */
  public CodeBlock weightValues(String tensor) {
    return CodeBlock.of("weight($S).floatBuffer()", Fusion.weightVariable(graph, tensor));
  }

  public Map<String, String> weightFields() {
    return weightFields;
  }

  /** The static field holding constant node {@code node}'s values. */
  public String constField(String node) {
    return constFields.computeIfAbsent(node, n -> names.newName(constantName(n)));
  }

  public Map<String, String> constFields() {
    return constFields;
  }

  /**
   * A final field computed when the session opens, shared by every step with the same {@code key} (a layer applied
   * twice shares its packed weights); {@code init} is the constructor's statement for it.
   */
  public String prepared(String key, TypeName type, String hint, CodeBlock javadoc, CodeBlock init) {
    String field = preparedByKey.get(key);
    if (field != null) return field;
    field = newName(hint);
    preparedByKey.put(key, field);
    preparedFields.add(FieldSpec.builder(type, field, Modifier.PRIVATE, Modifier.FINAL).addJavadoc(javadoc).build());
    preparation.addStatement("$N = $L", field, init);
    return field;
  }

  /** Open-time statements before the prepared fields that use them (folding a batch normalization, say). */
  public void prepare(CodeBlock code) {
    preparation.add(code);
  }

  public List<FieldSpec> preparedFields() {
    return preparedFields;
  }

  public CodeBlock preparation() {
    return preparation.build();
  }

  /** A {@code private static final} constant of the class, shared by equal keys. */
  public String staticConstant(String key, TypeName type, String hint, CodeBlock javadoc, CodeBlock init) {
    String field = staticByKey.get(key);
    if (field != null) return field;
    field = names.newName(constantName(hint));
    staticByKey.put(key, field);
    staticFields.add(FieldSpec.builder(type, field, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc(javadoc).initializer(init).build());
    return field;
  }

  public List<FieldSpec> staticFields() {
    return staticFields;
  }

  // ---- the workspace ----------------------------------------------------------------------------------------------

  /**
   * A {@link dev.kiln.session.NodeCall} for {@code node} in the workspace, bound to the run-time dimensions when the
   * workspace grows; returns the expression that reaches it ({@code ws.outSoftmax}).
   */
  public CodeBlock nodeCall(NodeDef node, String graphField) {
    String field = newName(node.name());
    workspaceFields.add(FieldSpec.builder(NODE_CALL, field, Modifier.FINAL)
        .initializer("new $T($N, $S)", NODE_CALL, graphField, node.name()).build());
    workspaceBinding.addStatement("$N.bind(SYMBOLS, symbolValues)", field);
    return CodeBlock.of("$N.$N", workspace, field);
  }

  public List<FieldSpec> workspaceFields() {
    return workspaceFields;
  }

  /**
   * Statements run when the workspace is sized for new run-time dimensions ({@code SYMBOLS} and {@code symbolValues}
   * in scope).
   */
  public CodeBlock workspaceBinding() {
    return workspaceBinding.build();
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  /** The layer scope of a node ({@code blocks/3/conv} for {@code blocks/3/conv/Conv2D}), or its name at top level. */
  public static String scope(NodeDef n) {
    int slash = n.name().lastIndexOf('/');
    return slash < 0 ? n.name() : n.name().substring(0, slash);
  }

  /** {@code blocks/3/conv/kernel} becomes {@code blocks3ConvKernel}. */
  public static String javaName(String path) {
    StringBuilder sb = new StringBuilder();
    boolean upper = false;
    for (char ch : path.toCharArray()) {
      if (Character.isLetterOrDigit(ch) && ch < 128) {
        sb.append(upper ? Character.toUpperCase(ch) : ch);
        upper = false;
      } else {
        upper = sb.length() > 0;
      }
    }
    if (sb.length() == 0 || !Character.isJavaIdentifierStart(sb.charAt(0))) sb.insert(0, 'v');
    return sb.toString();
  }

  /** {@code blocks/3/Const} becomes {@code BLOCKS_3_CONST}. */
  static String constantName(String path) {
    String s = path.replaceAll("[^A-Za-z0-9]+", "_").replaceAll("^_+|_+$", "").toUpperCase(java.util.Locale.ROOT);
    return s.isEmpty() || !Character.isJavaIdentifierStart(s.charAt(0)) ? "C_" + s : s;
  }

  /** A Java float literal. */
  public static String floatLiteral(float f) {
    if (Float.isNaN(f)) return "Float.NaN";
    if (f == Float.POSITIVE_INFINITY) return "Float.POSITIVE_INFINITY";
    if (f == Float.NEGATIVE_INFINITY) return "Float.NEGATIVE_INFINITY";
    return f + "f";
  }

  /** A Java int array initializer, {@code {1, 2, 3}}. */
  public static CodeBlock intArray(int[] values) {
    CodeBlock.Builder b = CodeBlock.builder().add("{");
    for (int i = 0; i < values.length; i++) b.add(i > 0 ? ", $L" : "$L", values[i]);
    return b.add("}").build();
  }
}

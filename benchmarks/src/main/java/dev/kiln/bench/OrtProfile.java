package dev.kiln.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.kiln.Weights;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where ONNX Runtime's time goes in the benchmark's MobileNetV2 (the model {@code RunAll} times, batch 1), by the same
 * kinds of layer as {@link MobileNetV2Probe}: ORT's own profiler ({@code SessionOptions.enableProfiling}) times every
 * node of every run; per node the median over the runs, summed per kind (told apart by the convolution's weight
 * shape: 3x3 of one input channel per group = depthwise, 3 input channels = the stem, 1x1 growing the channels =
 * expand, shrinking = project, the last 1x1 = head). ORT's graph optimizations fuse BatchNormalization and Clip into
 * the convolutions, as Kiln does.
 *
 * <pre>
 * java -cp benchmarks.jar dev.kiln.bench.OrtProfile [threads (0 = ORT's default)] [runs]
 * </pre>
 * {@code -Dnodes=true} also prints every node: its kind, op and input shapes, median µs.
 */
public final class OrtProfile {
  private OrtProfile() {}

  private static final Pattern NAME = Pattern.compile("\"name\" ?: ?\"([^\"]+)_kernel_time\"");
  private static final Pattern DUR = Pattern.compile("\"dur\" ?: ?(\\d+)");
  private static final Pattern OP = Pattern.compile("\"op_name\" ?: ?\"(\\w+)\"");
  private static final Pattern INPUTS = Pattern.compile("\"input_type_shape\" ?: ?\\[(.*?)\\],\"");
  private static final Pattern SHAPE = Pattern.compile("\\[([0-9,]*)\\]");

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    MobileNetV2Spec spec = new MobileNetV2Spec();
    Weights w = spec.weights();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    if (threads > 0) {
      opts.setIntraOpNumThreads(threads);
      opts.setInterOpNumThreads(1);
    }
    Path prefix = Files.createTempDirectory("ort-profile").resolve("mnv2");
    opts.enableProfiling(prefix.toString());
    float[] in = Data.input(spec.sampleSize());
    float[] out = new float[1000];
    long[] shape = {1, 224, 224, 3};
    String file;
    try (OrtSession s = env.createSession(Engines.onnxModel(spec, w), opts)) {
      for (int r = 0; r < runs; r++) {
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(in), shape);
            OrtSession.Result res = s.run(Collections.singletonMap("x", t))) {
          ((OnnxTensor) res.get(0)).getFloatBuffer().get(out);
        }
      }
      file = s.endProfiling();
    }
    String json = new String(Files.readAllBytes(Path.of(file)), StandardCharsets.UTF_8);
    Map<String, List<Double>> perNode = new LinkedHashMap<>();
    Map<String, String> kindOf = new LinkedHashMap<>();
    Map<String, String> shapesOf = new LinkedHashMap<>();
    for (String line : json.split("\n")) { // one event per line: {"cat" : "Node", ..., "dur" :N, ..., "name" :"..."}
      Matcher name = NAME.matcher(line), dur = DUR.matcher(line), op = OP.matcher(line), inputs = INPUTS.matcher(line);
      if (!name.find() || !dur.find() || !op.find() || !inputs.find()) continue;
      perNode.computeIfAbsent(name.group(1), x -> new ArrayList<>()).add(Double.parseDouble(dur.group(1)));
      kindOf.putIfAbsent(name.group(1), kind(op.group(1), inputs.group(1)));
      shapesOf.putIfAbsent(name.group(1), op.group(1) + " " + inputs.group(1).replaceAll("\\{\"float\":|\\}", ""));
    }
    Map<String, double[]> kinds = new LinkedHashMap<>(); // kind -> {µs, nodes}
    for (String k : List.of("stem", "depthwise", "expand", "project", "head", "pool", "classifier", "other")) {
      kinds.put(k, new double[2]);
    }
    String head = null; // the last 1x1 convolution
    for (Map.Entry<String, String> e : kindOf.entrySet()) if (e.getValue().startsWith("1x1")) head = e.getKey();
    double total = 0;
    for (Map.Entry<String, List<Double>> e : perNode.entrySet()) {
      double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      String k = kindOf.get(e.getKey());
      if (k.startsWith("1x1")) k = e.getKey().equals(head) ? "head" : k.equals("1x1+") ? "expand" : "project";
      double med = Stats.median(v);
      if (Boolean.getBoolean("nodes")) {
        System.out.printf(Locale.ROOT, "| %s | %s | %.1f |%n", k, shapesOf.get(e.getKey()), med);
      }
      kinds.get(k)[0] += med;
      kinds.get(k)[1]++;
      total += med;
    }
    System.out.printf(Locale.ROOT, "ONNX Runtime, %s threads, MobileNetV2 batch 1, %d runs; %s%n",
        threads > 0 ? String.valueOf(threads) : "default", runs, RunAll.machine());
    System.out.println("| kind | nodes | µs (sum of per-node medians) | share |");
    System.out.println("|---|---:|---:|---:|");
    for (Map.Entry<String, double[]> e : kinds.entrySet()) {
      if (e.getValue()[1] == 0) continue;
      System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.1f%% |%n", e.getKey(), e.getValue()[1], e.getValue()[0],
          100 * e.getValue()[0] / total);
    }
    System.out.printf(Locale.ROOT, "| all nodes | %d | %.0f | |%n", perNode.size(), total);
  }

  /**
   * A node's kind from its op and input shapes ({@code {"float":[1,32,112,112]},{"float":[16,32,1,1]},...}): for 1x1
   * convolutions "1x1+" (more output than input channels) or "1x1" (fewer; the last of them is the head).
   */
  private static String kind(String op, String inputs) {
    List<long[]> shapes = new ArrayList<>();
    Matcher m = SHAPE.matcher(inputs);
    while (m.find()) {
      String[] d = m.group(1).isEmpty() ? new String[0] : m.group(1).split(",");
      long[] s = new long[d.length];
      for (int i = 0; i < d.length; i++) s[i] = Long.parseLong(d[i].trim());
      shapes.add(s);
    }
    if (op.contains("Conv") && shapes.size() >= 2 && shapes.get(1).length == 4) {
      long[] x = shapes.get(0), k = shapes.get(1); // NCHW input, [f, c/groups, kh, kw] weight
      if (k[2] == 3 && k[1] == 1 && x[1] > 1) return "depthwise";
      if (x[1] == 3) return "stem";
      if (k[2] == 1) return k[0] > x[1] ? "1x1+" : "1x1";
    }
    if (op.equals("GlobalAveragePool")) return "pool";
    if (op.equals("MatMul") || op.equals("Gemm") || op.equals("Softmax")) return "classifier";
    return "other";
  }
}

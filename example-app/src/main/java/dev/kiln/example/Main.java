package dev.kiln.example;

import dev.kiln.Graph;
import dev.kiln.Operation;
import dev.kiln.Output;
import dev.kiln.RunMetadata;
import dev.kiln.RunOptions;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The Kiln example app.
 *
 * <pre>
 * Usage: Main [seed|mlp|digits|language WORD...|language --test|mobilenet [IMAGE]] [--seed N] [--weights FILE]
 *             [--repeat N] [--trace FILE] [--dot FILE]
 *   seed   (default) Dense(4) + ReLU on a [1, 2, 3] placeholder, weights from initialized(N), run TF1-style
 *   digits the digits CNN trained with TensorFlow.js (bundled digits.safetensors) on the held-back MNIST digits:
 *          accuracy, confusion matrix, agreement with TF.js's predictions, time per digit
 *   language WORD...  the language (english, german, french, spanish, italian) of each word, by a character-level
 *          bidirectional GRU trained with TensorFlow.js; --test: accuracy on the held-back words, agreement with
 *          TF.js's predictions, time per word at batch 1 and 64
 *   mlp    MLP 784-128-10 with weights from the bundled mlp.safetensors; classifies synthetic inputs and
 *          cross-checks the compiled session against the eager model
 *   mobilenet [IMAGE]  MobileNetV2 (224x224x3, 1000 classes) on IMAGE (a synthetic gradient when absent), with
 *          weights from --weights FILE (safetensors) or initialized from --seed; top-5 and time per image
 *   --trace FILE  run with RunOptions.trace() and write the Chrome trace JSON to FILE
 *   --dot FILE    write graph().toDot() to FILE
 *   --seed N      the seed for the seed command's weights and input (default 42)
 * </pre>
 */
public final class Main {
  /** The classpath resource holding the MLP's weights. */
  public static final String MLP_WEIGHTS = "/mlp.safetensors";

  private Main() {}

  public static void main(String[] args) throws IOException {
    int status = run(args, System.out, System.err);
    if (status != 0) System.exit(status);
  }

  /** Parsed command line. */
  public static final class Options {
    public String command = "seed";
    public long seed = 42;
    public File trace;
    public File dot;
    public File image;
    public File weights;
    public int repeat = 5;
    /** The words of the language command. */
    public final List<String> words = new ArrayList<>();
    /** language --test */
    public boolean test;
  }

  /** Runs the command line; 0 on success, 2 on a usage error (reported on {@code err}). */
  public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(usage());
      return 2;
    }
    switch (o.command) {
      case "seed":
        seed(o, out);
        return 0;
      case "mlp":
        mlp(o, out);
        return 0;
      case "digits":
        dev.kiln.example.digits.DigitsCommand.run(o.repeat, out);
        return 0;
      case "language":
        if (o.test) dev.kiln.example.language.LanguageCommand.test(o.repeat, out);
        else dev.kiln.example.language.LanguageCommand.words(o.words, out);
        return 0;
      case "mobilenet":
        dev.kiln.example.vision.MobileNetCommand.run(o.image, o.weights, o.seed, o.repeat, out);
        return 0;
      case "help":
        out.println(usage());
        return 0;
      default:
        throw new AssertionError(o.command);
    }
  }

  public static Options parse(String[] args) {
    Options o = new Options();
    boolean commandSeen = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (o.command.equals("language") && !a.startsWith("--")) {
        o.words.add(a); // after "language", even "seed" or "mlp" is a word
        continue;
      }
      switch (a) {
        case "--trace":
          o.trace = new File(value(args, ++i, a));
          break;
        case "--dot":
          o.dot = new File(value(args, ++i, a));
          break;
        case "--seed":
          try {
            o.seed = Long.parseLong(value(args, ++i, a));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seed needs a number, got " + args[i]);
          }
          break;
        case "--weights":
          o.weights = new File(value(args, ++i, a));
          break;
        case "--repeat":
          try {
            o.repeat = Integer.parseInt(value(args, ++i, a));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--repeat needs a number, got " + args[i]);
          }
          break;
        case "--test":
          if (!o.command.equals("language")) throw new IllegalArgumentException("--test belongs to the language command");
          o.test = true;
          break;
        case "seed":
        case "mlp":
        case "digits":
        case "language":
        case "mobilenet":
        case "help":
        case "--help":
        case "-h":
          if (commandSeen) throw new IllegalArgumentException("more than one command: " + o.command + " and " + a);
          o.command = a.startsWith("-") ? "help" : a;
          commandSeen = true;
          break;
        default:
          if (o.command.equals("mobilenet") && o.image == null && !a.startsWith("-")) {
            o.image = new File(a);
            break;
          }
          throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    if (o.command.equals("language") && !o.test && o.words.isEmpty()) {
      throw new IllegalArgumentException("language needs words (or --test)");
    }
    if (o.test && !o.words.isEmpty()) throw new IllegalArgumentException("language --test takes no words");
    return o;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
    return args[i];
  }

  public static String usage() {
    return "Usage: Main [seed|mlp|digits|language WORD...|language --test|mobilenet [IMAGE]] [--seed N] [--weights FILE]\n"
        + "            [--repeat N] [--trace FILE] [--dot FILE]\n"
        + "  seed   (default) Dense(4) + ReLU on a [1, 2, 3] placeholder, weights from initialized(N)\n"
        + "  mlp    MLP 784-128-10, bundled weights; classify synthetic inputs, compiled vs eager\n"
        + "  digits CNN trained with TensorFlow.js on MNIST: accuracy, confusion matrix, agreement with TF.js\n"
        + "  language WORD...  each word's language (english, german, french, spanish, italian): character-level\n"
        + "         bidirectional GRU trained with TensorFlow.js; --test: held-back accuracy, agreement with TF.js,\n"
        + "         time per word at batch 1 and 64\n"
        + "  mobilenet [IMAGE]  MobileNetV2 on IMAGE (synthetic when absent), --weights FILE or initialized weights\n"
        + "  --weights FILE  MobileNetV2 weights (safetensors)   --repeat N  timed runs (default 5)\n"
        + "  --trace FILE  write a Chrome trace (RunOptions.trace()) of the run to FILE\n"
        + "  --dot FILE    write the graph as Graphviz dot to FILE\n"
        + "  --seed N      seed of the seed command's weights and input (default 42)";
  }

  // ---- seed ------------------------------------------------------------------------------------------

  /** What the {@code seed} command computed. */
  public static final class SeedResult {
    public final Tensor input;
    public final Tensor output;
    public final RunMetadata metadata;

    SeedResult(Tensor input, Tensor output, RunMetadata metadata) {
      this.input = input;
      this.output = output;
      this.metadata = metadata;
    }
  }

  public static SeedResult seed(Options o, PrintStream out) throws IOException {
    Graph graph = KilnSeedModel.graph();
    Output x = graph.placeholder("inputs");
    Random r = new Random(o.seed);
    float[] data = new float[2 * 3];
    for (int i = 0; i < data.length; i++) data[i] = Math.round((r.nextFloat() * 2 - 1) * 100) / 100f;
    Tensor input = Tensor.of(data, 1, 2, 3);
    Map<Output, Tensor> feedDict = Collections.singletonMap(x, input);

    RunMetadata metadata = new RunMetadata();
    Tensor output;
    try (KilnSeedModel session = KilnSeedModel.initialized(o.seed)) {
      // TF1 style: fetch the graph's output, feeding the placeholder.
      output = session.run(graph.output(), feedDict, o.trace != null ? RunOptions.trace() : RunOptions.defaults(), metadata);
    }
    out.println("Kiln seed model: Dense(4) then ReLU, weights from initialized(" + o.seed + ")");
    out.println("input  " + x.name() + " " + Shapes.toString(input.shape()) + ":");
    printValues(out, input);
    out.println("output " + graph.output().name() + " " + Shapes.toString(output.shape()) + ":");
    printValues(out, output);
    printOperations(out, graph);
    writeExtras(o, out, graph, metadata);
    return new SeedResult(input, output, metadata);
  }

  // ---- mlp -------------------------------------------------------------------------------------------

  /** What the {@code mlp} command computed. */
  public static final class MlpResult {
    public final Tensor inputs;
    /** Compiled session output, [n, 10]. */
    public final Tensor probabilities;
    /** Eager model output for the same inputs and weights. */
    public final Tensor eager;
    public final int[] predicted;
    public final double maxAbsDiff;
    public final double maxRelDiff;
    public final RunMetadata metadata;

    MlpResult(Tensor inputs, Tensor probabilities, Tensor eager, int[] predicted, double maxAbsDiff,
        double maxRelDiff, RunMetadata metadata) {
      this.inputs = inputs;
      this.probabilities = probabilities;
      this.eager = eager;
      this.predicted = predicted;
      this.maxAbsDiff = maxAbsDiff;
      this.maxRelDiff = maxRelDiff;
      this.metadata = metadata;
    }
  }

  /** The bundled MLP weights. */
  public static Weights mlpWeights() throws IOException {
    InputStream in = Main.class.getResourceAsStream(MLP_WEIGHTS);
    if (in == null) throw new IOException("resource " + MLP_WEIGHTS + " is missing (see README: regenerate the MLP weights)");
    try {
      return Weights.load(in);
    } finally {
      in.close();
    }
  }

  /** Synthetic 28x28 "images", one per row: a blank, a vertical bar, a horizontal bar, a ring, seeded noise. */
  public static String[] syntheticNames() {
    return new String[] {"blank", "vertical bar", "horizontal bar", "ring", "noise"};
  }

  public static Tensor syntheticInputs() {
    String[] names = syntheticNames();
    float[] data = new float[names.length * 784];
    Random noise = new Random(7);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int p = y * 28 + x;
        data[784 + p] = x >= 12 && x <= 15 && y >= 4 && y <= 23 ? 1f : 0f;
        data[2 * 784 + p] = y >= 12 && y <= 15 && x >= 4 && x <= 23 ? 1f : 0f;
        double d = Math.hypot(x - 13.5, y - 13.5);
        data[3 * 784 + p] = d >= 7 && d <= 10 ? 1f : 0f;
        data[4 * 784 + p] = noise.nextFloat();
      }
    }
    return Tensor.of(data, names.length, 784);
  }

  public static MlpResult mlp(Options o, PrintStream out) throws IOException {
    Weights weights = mlpWeights();
    Tensor inputs = syntheticInputs();
    Graph graph = KilnMlp.graph();
    RunMetadata metadata = new RunMetadata();
    Tensor probs;
    try (KilnMlp session = KilnMlp.open(weights)) {
      if (o.trace != null) {
        probs = session.run(graph.output(), Collections.singletonMap(graph.placeholder("x"), inputs),
            RunOptions.trace(), metadata);
      } else {
        probs = session.call(inputs); // the typed fast path
      }
    }
    Mlp eagerModel = new Mlp();
    KilnMlp.loadInto(eagerModel, weights);
    Tensor eager = eagerModel.call(inputs, false);

    float[] p = probs.toFloatArray();
    float[] e = eager.toFloatArray();
    double maxAbs = 0;
    double maxRel = 0;
    for (int i = 0; i < p.length; i++) {
      double d = Math.abs(p[i] - e[i]);
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / Math.max(Math.abs(e[i]), 1e-30));
    }
    String[] names = syntheticNames();
    int[] predicted = new int[names.length];
    out.println("Kiln MLP 784-128-10 (relu, softmax), weights " + MLP_WEIGHTS.substring(1)
        + " (" + weights.names().size() + " tensors)");
    for (int n = 0; n < names.length; n++) {
      int best = 0;
      double sum = 0;
      StringBuilder sb = new StringBuilder();
      for (int c = 0; c < 10; c++) {
        float v = p[n * 10 + c];
        sum += v;
        if (v > p[n * 10 + best]) best = c;
        sb.append(c == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.4f", v));
      }
      predicted[n] = best;
      out.println(String.format(Locale.ROOT, "%-15s -> class %d (p=%.4f)  probabilities [%s]  sum=%.6f",
          names[n], best, p[n * 10 + best], sb, sum));
    }
    out.println(String.format(Locale.ROOT, "compiled vs eager: max abs diff %.3e, max rel diff %.3e", maxAbs, maxRel));
    writeExtras(o, out, graph, metadata);
    return new MlpResult(inputs, probs, eager, predicted, maxAbs, maxRel, metadata);
  }

  // ---- shared ----------------------------------------------------------------------------------------

  static void printOperations(PrintStream out, Graph graph) {
    out.println("graph operations (" + graph.operations().size() + "):");
    for (Operation op : graph.operations()) {
      List<String> shapes = new ArrayList<>();
      for (int i = 0; i < op.numOutputs(); i++) {
        Output t = op.output(i);
        shapes.add(t.dtype().kerasName() + Shapes.toString(t.shape()));
      }
      out.println(String.format(Locale.ROOT, "  %-16s %-12s %s", op.name(), op.type(), String.join(", ", shapes)));
    }
  }

  private static void printValues(PrintStream out, Tensor t) {
    int last = t.dim(-1);
    float[] v = t.toFloatArray();
    for (int row = 0; row < v.length / last; row++) {
      StringBuilder sb = new StringBuilder("  [");
      for (int c = 0; c < last; c++) {
        sb.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%8.4f", v[row * last + c]));
      }
      out.println(sb.append(']'));
    }
  }

  private static void writeExtras(Options o, PrintStream out, Graph graph, RunMetadata metadata) throws IOException {
    if (o.trace != null) {
      write(o.trace, metadata.toChromeTraceJson());
      out.println("wrote trace (" + metadata.steps().size() + " steps) to " + o.trace);
    }
    if (o.dot != null) {
      write(o.dot, graph.toDot());
      out.println("wrote graph (" + graph.operations().size() + " operations) to " + o.dot);
    }
  }

  private static void write(File f, String text) throws IOException {
    File dir = f.getAbsoluteFile().getParentFile();
    if (dir != null) Files.createDirectories(dir.toPath());
    Files.write(f.toPath(), text.getBytes(StandardCharsets.UTF_8));
  }
}

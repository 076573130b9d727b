package dev.kiln.importer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** {@code java -jar kiln-import.jar MODEL --package com.example --class MyNet --out DIR}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static final String USAGE = "usage: java -jar kiln-import.jar MODEL --package com.example --class MyNet --out DIR\n"
      + "  MODEL: a TensorFlow.js layers model.json (weight shards beside it), a Keras 3 .keras or a Keras 2 .h5";

  /** Runs the command line; returns the exit status (0 success, 1 import error, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    String model = null;
    String pkg = "";
    String cls = null;
    String dir = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if ((a.equals("--package") || a.equals("--class") || a.equals("--out")) && i + 1 < args.length) {
        String v = args[++i];
        if (a.equals("--package")) pkg = v;
        else if (a.equals("--class")) cls = v;
        else dir = v;
      } else if (a.equals("-h") || a.equals("--help")) {
        out.println(USAGE);
        return 0;
      } else if (!a.startsWith("--") && model == null) {
        model = a;
      } else {
        err.println("kiln-import: unexpected argument '" + a + "'\n" + USAGE);
        return 2;
      }
    }
    if (model == null || cls == null || dir == null) {
      err.println("kiln-import: MODEL, --class and --out are required\n" + USAGE);
      return 2;
    }
    try {
      ImportResult r = KerasImporter.importModel(Paths.get(model), pkg, cls);
      Path outDir = Paths.get(dir);
      r.write(outDir);
      out.println("wrote " + r.sourcePath(outDir) + " and " + r.weightsPath(outDir) + " (" + r.weights.names().size() + " weights)");
      for (String v : r.vocabularies.keySet()) {
        out.println("wrote " + outDir.resolve(v) + " (a text layer's vocabulary: see the class's Javadoc for its use)");
      }
      return 0;
    } catch (ImportException e) {
      err.println("kiln-import: " + printable(e.getMessage()));
      return 1;
    } catch (IOException e) {
      err.println("kiln-import: cannot write: " + printable(e.getMessage()));
      return 1;
    }
  }

  /**
   * {@code s} with control characters and bidirectional overrides written as backslash-u escapes: messages quote names
   * from the model file, which must not move the cursor, clear the terminal or reorder the text around them.
   */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
          || c == 0x200e || c == 0x200f || c == 0x061c;
      if (control) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    return sb.toString();
  }

  static boolean isEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) return true;
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return !s.findAny().isPresent();
    }
  }
}

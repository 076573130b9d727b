package dev.kiln.graph;

import dev.kiln.DType;
import dev.kiln.ops.OpRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A graph as text, one node per line, for generated sessions of large models: a class file holds at most 65,535
 * constants, and a graph table written as code spends several per node, so a model of ten thousand ops would not
 * compile. As text, the whole graph is a few string constants. Fields of a line are separated by tabs:
 * {@code name, type, inputs (comma-separated), attributes, output shapes (semicolon-separated), dtypes, origin}; an
 * attribute is {@code key=kind:value} with kinds {@code i} (int), {@code f} (float), {@code b}, {@code s} (string),
 * {@code I} (int array), {@code F} (float array). The last line lists the outputs.
 */
public final class GraphText {
  private GraphText() {}

  /** The graph as text. */
  public static String write(GraphDef graph) {
    StringBuilder sb = new StringBuilder();
    for (NodeDef n : graph.nodes()) {
      field(sb, n.name()).append('\t');
      field(sb, n.opType()).append('\t');
      for (int i = 0; i < n.numInputs(); i++) field(sb, n.input(i)).append(i + 1 < n.numInputs() ? "," : "");
      sb.append('\t');
      boolean first = true;
      for (Map.Entry<String, Object> a : n.attrs().asMap().entrySet()) {
        if (!first) sb.append(',');
        first = false;
        field(sb, a.getKey()).append('=');
        attr(sb, a.getValue());
      }
      sb.append('\t');
      for (int i = 0; i < n.numOutputs(); i++) sb.append(i > 0 ? ";" : "").append(Dims.toString(n.outputDims(i)));
      sb.append('\t');
      for (int i = 0; i < n.numOutputs(); i++) sb.append(i > 0 ? ";" : "").append(n.outputType(i).name());
      sb.append('\t');
      if (n.origin() != null) field(sb, n.origin());
      sb.append('\n');
    }
    for (int i = 0; i < graph.outputs().size(); i++) field(sb, graph.outputs().get(i)).append(i + 1 < graph.outputs().size() ? "," : "");
    return sb.append('\n').toString();
  }

  /** Reads {@link #write}'s text, given in any number of pieces. */
  public static GraphDef read(String... pieces) {
    StringBuilder all = new StringBuilder();
    for (String p : pieces) all.append(p);
    String[] lines = all.toString().split("\n", -1);
    GraphDef.Builder b = GraphDef.builder();
    int last = lines.length - 2; // the outputs line, then the empty string after the final newline
    for (int l = 0; l < last; l++) {
      String[] f = lines[l].split("\t", -1);
      if (f.length != 7) throw new IllegalArgumentException("graph text line " + (l + 1) + " has " + f.length + " fields");
      String[] inputs = f[2].isEmpty() ? new String[0] : unescapeAll(f[2].split(",", -1));
      Attrs attrs = Attrs.NONE;
      if (!f[3].isEmpty()) {
        for (String a : splitTop(f[3])) {
          int eq = a.indexOf('=');
          attrs = attrs.with(unescape(a.substring(0, eq)), value(a.substring(eq + 1)));
        }
      }
      String[] shapes = f[4].split(";", -1);
      String[] types = f[5].split(";", -1);
      Dim[][] dims = new Dim[shapes.length][];
      DType[] dtypes = new DType[types.length];
      for (int i = 0; i < dims.length; i++) dims[i] = Dims.parse(shapes[i]);
      for (int i = 0; i < dtypes.length; i++) dtypes[i] = DType.valueOf(types[i]);
      String type = unescape(f[1]);
      b.add(new NodeDef(unescape(f[0]), OpRegistry.decode(type, attrs), inputs, dims, dtypes,
          f[6].isEmpty() ? null : unescape(f[6])));
    }
    if (!lines[last].isEmpty()) {
      for (String o : unescapeAll(lines[last].split(",", -1))) b.output(o);
    }
    return b.build();
  }

  /** Splits attributes at commas outside brackets (array values contain commas). */
  private static List<String> splitTop(String s) {
    List<String> out = new ArrayList<String>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '[') depth++;
      else if (c == ']') depth--;
      else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  private static void attr(StringBuilder sb, Object v) {
    if (v instanceof Integer) {
      sb.append("i:").append(v);
    } else if (v instanceof Float) {
      sb.append("f:").append(Float.toString((Float) v));
    } else if (v instanceof Boolean) {
      sb.append("b:").append(v);
    } else if (v instanceof String) {
      field(sb.append("s:"), (String) v);
    } else if (v instanceof int[]) {
      int[] a = (int[]) v;
      sb.append("I:[");
      for (int i = 0; i < a.length; i++) sb.append(i > 0 ? "," : "").append(a[i]);
      sb.append(']');
    } else {
      float[] a = (float[]) v;
      sb.append("F:[");
      for (int i = 0; i < a.length; i++) sb.append(i > 0 ? "," : "").append(Float.toString(a[i]));
      sb.append(']');
    }
  }

  private static Object value(String s) {
    String v = s.substring(2);
    switch (s.charAt(0)) {
      case 'i': return Integer.valueOf(v);
      case 'f': return Float.valueOf(v);
      case 'b': return Boolean.valueOf(v);
      case 's': return unescape(v);
      case 'I': {
        String body = v.substring(1, v.length() - 1);
        if (body.isEmpty()) return new int[0];
        String[] p = body.split(",");
        int[] a = new int[p.length];
        for (int i = 0; i < a.length; i++) a[i] = Integer.parseInt(p[i]);
        return a;
      }
      case 'F': {
        String body = v.substring(1, v.length() - 1);
        if (body.isEmpty()) return new float[0];
        String[] p = body.split(",");
        float[] a = new float[p.length];
        for (int i = 0; i < a.length; i++) a[i] = Float.parseFloat(p[i]);
        return a;
      }
      default: throw new IllegalArgumentException("bad attribute value " + s);
    }
  }

  /** Appends {@code s} with the separators escaped as {@code %xx}. */
  private static StringBuilder field(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' || c == '\t' || c == '\n' || c == ',' || c == ';' || c == '=' || c == '[' || c == ']') {
        sb.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
      } else {
        sb.append(c);
      }
    }
    return sb;
  }

  private static String unescape(String s) {
    if (s.indexOf('%') < 0) return s;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static String[] unescapeAll(String[] parts) {
    for (int i = 0; i < parts.length; i++) parts[i] = unescape(parts[i]);
    return parts;
  }
}

package dev.kiln.example.digits;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts the weights of a TensorFlow.js layers model ({@code model.json} and its {@code .bin} shards) to
 * safetensors under Kiln's names: TF.js's {@code dense_hidden/kernel} becomes {@code denseHidden/kernel}, the
 * layer name in lowerCamelCase as the Kiln field is named (see {@link DigitsNet}).
 *
 * <p>Weights are matched by name, never by position: each manifest entry's name must start with the name of a
 * layer of {@code modelTopology}, and the manifest order only says where an entry's bytes are in its group's
 * shards (the TF.js format). Only unquantized {@code float32} weights are accepted.
 *
 * <pre>
 * mvn -q -pl example-app exec:java -Dexec.mainClass=dev.kiln.example.digits.ConvertTfjsWeights \
 *     -Dexec.args="digits/model/model.json src/main/resources/digits.safetensors"
 * </pre>
 *
 * (run from {@code example-app}; the second argument defaults to {@code digits.safetensors}). The result is
 * checked by opening a {@link KilnDigitsNet} session with it, which fails on a missing, unused or mis-shaped
 * weight.
 */
public final class ConvertTfjsWeights {
  private ConvertTfjsWeights() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: ConvertTfjsWeights MODEL_JSON [OUT.safetensors]");
      System.exit(2);
    }
    File out = new File(args.length > 1 ? args[1] : "digits.safetensors");
    Weights w = convert(new File(args[0]));
    KilnDigitsNet.open(w).close(); // every DigitsNet weight present, with its shape, and nothing else
    File dir = out.getAbsoluteFile().getParentFile();
    if (dir != null && !dir.isDirectory() && !dir.mkdirs()) throw new IOException("cannot create " + dir);
    w.save(out);
    System.out.println("wrote " + out + " (" + out.length() + " bytes): " + w.names());
  }

  /** Reads {@code modelJson} and the shards its manifest names (relative to its directory). */
  public static Weights convert(File modelJson) throws IOException {
    String text = new String(Files.readAllBytes(modelJson.toPath()), StandardCharsets.UTF_8);
    Map<String, Object> model = asObject(Json.parse(text), "model.json");
    File dir = modelJson.getAbsoluteFile().getParentFile();

    Set<String> layers = layerNames(model);
    Map<String, Tensor> out = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    for (Object g : asList(model.get("weightsManifest"), "weightsManifest")) {
      Map<String, Object> group = asObject(g, "weightsManifest group");
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (Object p : asList(group.get("paths"), "paths")) {
        bytes.write(Files.readAllBytes(new File(dir, (String) p).toPath()));
      }
      ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
      for (Object s : asList(group.get("weights"), "weights")) {
        Map<String, Object> spec = asObject(s, "weight spec");
        String name = (String) spec.get("name");
        if (spec.containsKey("quantization")) throw new IOException(name + ": quantized weights are not supported");
        Object dtype = spec.get("dtype");
        if (!"float32".equals(dtype)) throw new IOException(name + ": dtype " + dtype + " is not supported (float32 only)");
        List<Object> dims = asList(spec.get("shape"), name + " shape");
        int[] shape = new int[dims.size()];
        int size = 1;
        for (int i = 0; i < shape.length; i++) {
          shape[i] = ((Number) dims.get(i)).intValue();
          size *= shape[i];
        }
        if (buf.remaining() < 4L * size) throw new IOException(name + ": the shards end before its " + size + " floats");
        float[] v = new float[size];
        buf.asFloatBuffer().get(v);
        buf.position(buf.position() + 4 * size);
        String kilnName = kilnName(name, layers);
        if (out.containsKey(kilnName)) {
          throw new IOException("both " + sources.get(kilnName) + " and " + name + " map to " + kilnName);
        }
        out.put(kilnName, Tensor.of(v, shape));
        sources.put(kilnName, name);
      }
      if (buf.remaining() != 0) throw new IOException("the shards of " + group.get("paths") + " have "
          + buf.remaining() + " bytes more than their manifest describes");
    }
    return Weights.of(out);
  }

  /** {@code dense_hidden/kernel} to {@code denseHidden/kernel}; the prefix must name a layer of the model. */
  static String kilnName(String tfjsName, Set<String> layers) throws IOException {
    String best = null;
    for (String layer : layers) {
      if (tfjsName.startsWith(layer + "/") && (best == null || layer.length() > best.length())) best = layer;
    }
    if (best == null) throw new IOException("weight " + tfjsName + " belongs to no layer of the model " + layers);
    return lowerCamelCase(best) + tfjsName.substring(best.length());
  }

  /** {@code dense_hidden} to {@code denseHidden}, {@code conv1} to {@code conv1}. */
  public static String lowerCamelCase(String kerasName) {
    StringBuilder sb = new StringBuilder();
    boolean upper = false;
    for (int i = 0; i < kerasName.length(); i++) {
      char c = kerasName.charAt(i);
      if (!Character.isLetterOrDigit(c)) {
        upper = sb.length() > 0;
        continue;
      }
      sb.append(upper ? Character.toUpperCase(c) : sb.length() == 0 ? Character.toLowerCase(c) : c);
      upper = false;
    }
    return sb.toString();
  }

  private static Set<String> layerNames(Map<String, Object> model) throws IOException {
    Object topology = model.get("modelTopology");
    Map<String, Object> t = asObject(topology, "modelTopology");
    Map<String, Object> m = t.containsKey("model_config") ? asObject(t.get("model_config"), "model_config") : t;
    Map<String, Object> config = asObject(m.get("config"), "model config");
    Set<String> names = new LinkedHashSet<>();
    for (Object l : asList(config.get("layers"), "layers")) {
      Map<String, Object> layer = asObject(l, "layer");
      Object name = layer.get("name");
      if (name == null) name = asObject(layer.get("config"), "layer config").get("name");
      if (name == null) throw new IOException("a layer of modelTopology has no name");
      names.add((String) name);
    }
    return names;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asObject(Object o, String what) throws IOException {
    if (!(o instanceof Map)) throw new IOException(what + ": expected a JSON object, got " + o);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object o, String what) throws IOException {
    if (!(o instanceof List)) throw new IOException(what + ": expected a JSON array, got " + o);
    return (List<Object>) o;
  }

  /** A small strict JSON reader: objects (insertion-ordered maps), arrays, strings, numbers (Double), literals. */
  static final class Json {
    private final String s;
    private int i;

    private Json(String s) {
      this.s = s;
    }

    static Object parse(String text) throws IOException {
      Json p = new Json(text);
      p.ws();
      Object v = p.value();
      p.ws();
      if (p.i != text.length()) throw p.error("trailing characters");
      return v;
    }

    private Object value() throws IOException {
      if (i >= s.length()) throw error("unexpected end");
      char c = s.charAt(i);
      if (c == '{') {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        ws();
        if (peek('}')) return m;
        do {
          ws();
          if (i >= s.length() || s.charAt(i) != '"') throw error("expected a key");
          String k = string();
          ws();
          expect(':');
          ws();
          m.put(k, value());
          ws();
        } while (peek(','));
        expect('}');
        return m;
      }
      if (c == '[') {
        List<Object> l = new ArrayList<>();
        i++;
        ws();
        if (peek(']')) return l;
        do {
          ws();
          l.add(value());
          ws();
        } while (peek(','));
        expect(']');
        return l;
      }
      if (c == '"') return string();
      if (s.startsWith("true", i)) {
        i += 4;
        return Boolean.TRUE;
      }
      if (s.startsWith("false", i)) {
        i += 5;
        return Boolean.FALSE;
      }
      if (s.startsWith("null", i)) {
        i += 4;
        return null;
      }
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      if (start == i) throw error("unexpected '" + c + "'");
      try {
        return Double.valueOf(s.substring(start, i));
      } catch (NumberFormatException e) {
        throw error("bad number " + s.substring(start, i));
      }
    }

    private String string() throws IOException {
      StringBuilder sb = new StringBuilder();
      i++;
      while (true) {
        if (i >= s.length()) throw error("unterminated string");
        char c = s.charAt(i++);
        if (c == '"') return sb.toString();
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        if (i >= s.length()) throw error("unterminated escape");
        char e = s.charAt(i++);
        switch (e) {
          case 'n': sb.append('\n'); break;
          case 't': sb.append('\t'); break;
          case 'r': sb.append('\r'); break;
          case 'b': sb.append('\b'); break;
          case 'f': sb.append('\f'); break;
          case 'u':
            if (i + 4 > s.length()) throw error("bad \\u escape");
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
            break;
          default: sb.append(e);
        }
      }
    }

    private boolean peek(char c) {
      if (i < s.length() && s.charAt(i) == c) {
        i++;
        return true;
      }
      return false;
    }

    private void expect(char c) throws IOException {
      if (!peek(c)) throw error("expected '" + c + "'");
    }

    private void ws() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
    }

    private IOException error(String msg) {
      return new IOException("model.json: " + msg + " at offset " + i);
    }
  }
}

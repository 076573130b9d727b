package dev.kiln.importer;

import dev.kiln.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The weights a model file holds, found per layer: by name (TF.js, Keras 2 .h5) or by position (Keras 3 .keras). */
abstract class WeightStore {
  /** Where a layer sits: Keras layer names from the outermost model in, and the .keras save path segments. */
  static final class LayerRef {
    final List<String> names;
    final List<String> savePath;

    LayerRef(List<String> names, List<String> savePath) {
      this.names = names;
      this.savePath = savePath;
    }

    String name() {
      return names.get(names.size() - 1);
    }

    String describe() {
      return String.join("/", names);
    }
  }

  /** The weights of one layer, in the order of {@code refs} (Keras' order); an exception names what is missing. */
  abstract List<Tensor> get(LayerRef layer, List<LayerSpec.WeightRef> refs) throws ImportException;

  /** Weights in the file that no layer asked for. */
  abstract Set<String> unused();

  /** Weights stored under names such as {@code dense_1/kernel} (maybe with scopes before, and {@code :0} after). */
  static final class Named extends WeightStore {
    private final Map<String, Tensor> byName = new LinkedHashMap<>();
    /** Names by their last two segments ({@code dense_1/kernel}), for the lookup by suffix. */
    private final Map<String, List<String>> byTail = new HashMap<>();
    /** Names by their last segment ({@code kernel}), for the lookup by a pattern ({@code forward_*}{@code /kernel}). */
    private final Map<String, List<String>> byLast = new HashMap<>();
    private final Set<String> used = new LinkedHashSet<>();
    private final String what;

    Named(String what) {
      this.what = what;
    }

    void put(String name, Tensor t) throws ImportException {
      if (name.endsWith(":0")) name = name.substring(0, name.length() - 2);
      if (byName.size() >= ImportLimits.MAX_WEIGHTS && !byName.containsKey(name)) {
        throw new ImportException(what + " holds more than " + ImportLimits.MAX_WEIGHTS + " weights (a limit of kiln-import)");
      }
      if (byName.put(name, t) == null) {
        byTail.computeIfAbsent(tail(name), k -> new ArrayList<>()).add(name);
        byLast.computeIfAbsent(name.substring(name.lastIndexOf('/') + 1), k -> new ArrayList<>()).add(name);
      }
    }

    /** The last two '/'-separated segments of {@code name} (all of it if it has fewer). */
    private static String tail(String name) {
      int last = name.lastIndexOf('/');
      int before = last <= 0 ? -1 : name.lastIndexOf('/', last - 1);
      return name.substring(before + 1);
    }

    @Override
    List<Tensor> get(LayerRef layer, List<LayerSpec.WeightRef> refs) throws ImportException {
      List<Tensor> out = new ArrayList<>();
      for (LayerSpec.WeightRef ref : refs) {
        String key = null;
        for (int i = 0; key == null && i < ref.names.size(); i++) {
          String w = ref.names.get(i);
          key = w.contains("*") ? findPattern(layer, w) : find(layer, w);
        }
        if (key == null) {
          throw new ImportException("layer '" + layer.describe() + "': weight '" + String.join("' or '", ref.names)
              + "' is not in " + what + " (it has " + preview(byName.keySet()) + ")");
        }
        used.add(key);
        out.add(byName.get(key));
      }
      return out;
    }

    /**
     * A name ending in the layer's name and then {@code pattern}'s segments, {@code *} matching any characters within a
     * segment; one under the outermost model's name first. Only names not taken by another weight are candidates.
     */
    private String findPattern(LayerRef layer, String pattern) {
      String[] literal = layer.name().split("/", -1);
      String[] globs = pattern.split("/", -1);
      List<String> candidates = byLast.get(globs[globs.length - 1]);
      if (candidates == null) return null;
      String best = null;
      for (String k : candidates) {
        if (used.contains(k) || !endsWith(k.split("/", -1), literal, globs)) continue;
        if (best == null || (k.startsWith(layer.names.get(0) + "/") && !best.startsWith(layer.names.get(0) + "/"))) best = k;
      }
      return best;
    }

    /** Whether {@code name} ends with the {@code literal} segments followed by segments matching {@code globs}. */
    private static boolean endsWith(String[] name, String[] literal, String[] globs) {
      int start = name.length - literal.length - globs.length;
      if (start < 0) return false;
      for (int i = 0; i < literal.length; i++) if (!literal[i].equals(name[start + i])) return false;
      for (int i = 0; i < globs.length; i++) if (!globMatches(globs[i], name[start + literal.length + i])) return false;
      return true;
    }

    /** {@code *} as any run of characters, everything else literal; linear in the name's length (names are untrusted). */
    static boolean globMatches(String glob, String s) {
      String[] parts = glob.split("\\*", -1);
      if (parts.length == 1) return glob.equals(s);
      String first = parts[0];
      String last = parts[parts.length - 1];
      if (s.length() < first.length() + last.length() || !s.startsWith(first) || !s.endsWith(last)) return false;
      int pos = first.length();
      int end = s.length() - last.length();
      for (int i = 1; i < parts.length - 1; i++) {
        int at = s.indexOf(parts[i], pos);
        if (at < 0 || at + parts[i].length() > end) return false;
        pos = at + parts[i].length();
      }
      return true;
    }

    private String find(LayerRef layer, String w) {
      String local = layer.name() + "/" + w;
      String full = String.join("/", layer.names) + "/" + w;
      if (byName.containsKey(full)) return full;
      if (byName.containsKey(local)) return local;
      String best = null;
      List<String> candidates = byTail.get(tail("/" + local));
      if (candidates == null) return null;
      for (String k : candidates) {
        if (k.endsWith("/" + local)) {
          if (best == null || (k.startsWith(layer.names.get(0) + "/") && !best.startsWith(layer.names.get(0) + "/"))) best = k;
        }
      }
      return best;
    }

    @Override
    Set<String> unused() {
      Set<String> s = new LinkedHashSet<>(byName.keySet());
      s.removeAll(used);
      return s;
    }
  }

  /** At most 20 names, for a message. */
  static String preview(Set<String> names) {
    if (names.size() <= 20) return names.toString();
    List<String> first = new ArrayList<>(names).subList(0, 20);
    return first.toString().replaceFirst("]$", ", ... " + (names.size() - 20) + " more]");
  }

  /** Keras 3: {@code layers/dense/vars/0}, {@code layers/functional/layers/dense_1/vars/1}. */
  static final class Positional extends WeightStore {
    private final Map<String, List<Tensor>> byPath = new LinkedHashMap<>();
    private int count;
    private final Set<String> used = new LinkedHashSet<>();
    private final String what;

    Positional(String what) {
      this.what = what;
    }

    void put(String layerPath, List<Tensor> vars) throws ImportException {
      count += vars.size();
      if (count > ImportLimits.MAX_WEIGHTS) {
        throw new ImportException(what + " holds more than " + ImportLimits.MAX_WEIGHTS + " weights (a limit of kiln-import)");
      }
      byPath.put(layerPath, vars);
    }

    /**
     * The {@code vars} of each group the refs name (the layer's own, {@code cell}, {@code forward_layer/cell}, ...), in
     * Keras' order within each group.
     */
    @Override
    List<Tensor> get(LayerRef layer, List<LayerSpec.WeightRef> refs) throws ImportException {
      StringBuilder p = new StringBuilder();
      for (String s : layer.savePath) p.append(p.length() == 0 ? "" : "/").append("layers/").append(s);
      String layerPath = p.toString();
      Map<String, List<String>> byGroup = new LinkedHashMap<>();
      for (LayerSpec.WeightRef r : refs) {
        byGroup.computeIfAbsent(r.keras3Group.isEmpty() ? layerPath : layerPath + "/" + r.keras3Group,
            k -> new ArrayList<>()).add(r.kiln);
      }
      Map<String, Integer> next = new HashMap<>();
      List<Tensor> out = new ArrayList<>();
      for (LayerSpec.WeightRef r : refs) {
        String path = r.keras3Group.isEmpty() ? layerPath : layerPath + "/" + r.keras3Group;
        List<Tensor> vars = byPath.get(path);
        List<String> names = byGroup.get(path);
        if (vars == null) {
          throw new ImportException("layer '" + layer.describe() + "': no weights at '" + path + "/vars' in " + what
              + " (the config needs " + names + " there)");
        }
        if (vars.size() != names.size()) {
          throw new ImportException("layer '" + layer.describe() + "': " + what + " has " + vars.size() + " weights at '"
              + path + "/vars', the config needs " + names.size() + " " + names);
        }
        int i = next.merge(path, 1, Integer::sum) - 1;
        out.add(vars.get(i));
        used.add(path);
      }
      return out;
    }

    @Override
    Set<String> unused() {
      Set<String> s = new LinkedHashSet<>(byPath.keySet());
      s.removeAll(used);
      return s;
    }
  }
}

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

  /** The weights of one layer, in the order of {@code names} (Keras' order); an exception names what is missing. */
  abstract List<Tensor> get(LayerRef layer, List<String> names) throws ImportException;

  /** Weights in the file that no layer asked for. */
  abstract Set<String> unused();

  /** Weights stored under names such as {@code dense_1/kernel} (maybe with scopes before, and {@code :0} after). */
  static final class Named extends WeightStore {
    private final Map<String, Tensor> byName = new LinkedHashMap<>();
    /** Names by their last two segments ({@code dense_1/kernel}), for the lookup by suffix. */
    private final Map<String, List<String>> byTail = new HashMap<>();
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
      if (byName.put(name, t) == null) byTail.computeIfAbsent(tail(name), k -> new ArrayList<>()).add(name);
    }

    /** The last two '/'-separated segments of {@code name} (all of it if it has fewer). */
    private static String tail(String name) {
      int last = name.lastIndexOf('/');
      int before = last <= 0 ? -1 : name.lastIndexOf('/', last - 1);
      return name.substring(before + 1);
    }

    @Override
    List<Tensor> get(LayerRef layer, List<String> names) throws ImportException {
      List<Tensor> out = new ArrayList<>();
      for (String w : names) {
        String key = find(layer, w);
        if (key == null) {
          throw new ImportException("layer '" + layer.describe() + "': weight '" + w + "' is not in " + what
              + " (it has " + preview(byName.keySet()) + ")");
        }
        used.add(key);
        out.add(byName.get(key));
      }
      return out;
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

    @Override
    List<Tensor> get(LayerRef layer, List<String> names) throws ImportException {
      StringBuilder p = new StringBuilder();
      for (String s : layer.savePath) p.append(p.length() == 0 ? "" : "/").append("layers/").append(s);
      String path = p.toString();
      List<Tensor> vars = byPath.get(path);
      if (names.isEmpty()) return new ArrayList<>();
      if (vars == null) {
        throw new ImportException("layer '" + layer.describe() + "': no weights at '" + path + "/vars' in " + what);
      }
      if (vars.size() != names.size()) {
        throw new ImportException("layer '" + layer.describe() + "': " + what + " has " + vars.size() + " weights at '" + path
            + "/vars', the config needs " + names.size() + " " + names);
      }
      used.add(path);
      return new ArrayList<>(vars);
    }

    @Override
    Set<String> unused() {
      Set<String> s = new LinkedHashSet<>(byPath.keySet());
      s.removeAll(used);
      return s;
    }
  }
}

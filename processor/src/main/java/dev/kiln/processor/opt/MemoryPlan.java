package dev.kiln.processor.opt;

import dev.kiln.DType;
import dev.kiln.graph.Dim;
import dev.kiln.graph.GraphDef;
import dev.kiln.graph.NodeDef;
import dev.kiln.ops.Sources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides, ahead of time, which array holds each tensor of the typed fast path. Inputs are the caller's arrays,
 * weights and constants are fields, graph outputs are written straight into the returned tensors, and every other
 * value lives in a slot of a per-thread arena. Slots are reused once every value in them is dead (liveness over the
 * schedule), elementwise chains run in place over a dying input, and Reshape / Identity share their input's array.
 *
 * <p>A slot's capacity is the largest of the sizes of the values it holds, each a product of constants and run-time
 * symbols ({@code 128*batch}, {@code 64*batch*time}): the arena is sized on first use for the symbols' values and
 * grows when they do.
 */
public final class MemoryPlan {
  public enum Kind { INPUT, WEIGHT, CONST, SLOT, OUTPUT }

  /** Where a tensor lives. */
  public static final class Buffer {
    public final Kind kind;
    /** Input / output / slot index. */
    public final int index;
    /** Graph node name, for weights and constants. */
    public final String node;
    public final DType dtype;

    Buffer(Kind kind, int index, String node, DType dtype) {
      this.kind = kind;
      this.index = index;
      this.node = node;
      this.dtype = dtype;
    }
  }

  /** An arena slot: its element type and the sizes of the values it holds over a run. */
  public static final class Slot {
    public final DType dtype;
    private final Set<Dim> sizes = new LinkedHashSet<>();
    /** The tensors it holds, in the order the schedule writes them. */
    private final List<String> tensors = new ArrayList<>();

    Slot(DType dtype) {
      this.dtype = dtype;
    }

    /** The distinct sizes the slot must hold; its capacity is their maximum for the run's symbol values. */
    public List<Dim> sizes() {
      return new ArrayList<>(sizes);
    }

    public List<String> tensors() {
      return new ArrayList<>(tensors);
    }
  }

  public final Map<String, Buffer> buffers = new LinkedHashMap<>();
  public final List<Slot> slots = new ArrayList<>();
  /** Graph outputs (by index) whose value must be copied into the output array at the end. */
  public final Map<Integer, String> outputCopies = new LinkedHashMap<>();

  private MemoryPlan() {}

  public static MemoryPlan plan(Schedule schedule) {
    MemoryPlan plan = new MemoryPlan();
    GraphDef graph = schedule.graph;
    for (NodeDef n : graph.nodes()) {
      String t = n.name() + ":0";
      if (n.op() instanceof Sources.Placeholder) {
        plan.buffers.put(t, new Buffer(Kind.INPUT, graph.placeholders().indexOf(n.name()), n.name(), n.outputType(0)));
      } else if (n.op() instanceof Sources.Variable) {
        plan.buffers.put(t, new Buffer(Kind.WEIGHT, -1, n.name(), n.outputType(0)));
      } else if (n.op() instanceof Sources.Const) {
        plan.buffers.put(t, new Buffer(Kind.CONST, -1, n.name(), n.outputType(0)));
      }
    }
    // Graph outputs computed by a step are written directly into the caller's output arrays.
    Map<String, Integer> outputIndex = new HashMap<>();
    List<String> outputs = graph.outputs();
    for (int i = 0; i < outputs.size(); i++) outputIndex.putIfAbsent(outputs.get(i), i);
    Map<String, Integer> lastUse = new HashMap<>();
    List<Schedule.Step> steps = schedule.steps;
    for (int s = 0; s < steps.size(); s++) {
      for (String r : steps.get(s).reads()) lastUse.put(r, s);
    }
    for (String o : outputs) lastUse.put(o, Integer.MAX_VALUE);

    Map<Integer, Set<String>> slotValues = new HashMap<>();
    List<Integer> free = new ArrayList<>();
    for (int s = 0; s < steps.size(); s++) {
      Schedule.Step step = steps.get(s);
      for (String out : step.outputs()) {
        Buffer buffer;
        if (step instanceof Schedule.Alias) {
          buffer = plan.buffers.get(((Schedule.Alias) step).input());
        } else if (outputIndex.containsKey(out)) {
          buffer = new Buffer(Kind.OUTPUT, outputIndex.get(out), null, schedule.dtype(out));
        } else {
          buffer = null;
          if (step instanceof Schedule.Elementwise) {
            String input = ((Schedule.Elementwise) step).input;
            Buffer in = plan.buffers.get(input);
            if (in.kind == Kind.SLOT && in.dtype == schedule.dtype(out) && lastUse.getOrDefault(input, -1) == s
                && allDeadAfter(slotValues.get(in.index), lastUse, s, input)) {
              buffer = in; // in place: the chain's input dies here
            }
          }
          if (buffer == null) buffer = new Buffer(Kind.SLOT, takeFree(plan, free, schedule.dtype(out)), null, schedule.dtype(out));
        }
        plan.buffers.put(out, buffer);
        if (buffer.kind == Kind.SLOT) occupy(plan, slotValues, buffer.index, out, schedule.shape(out));
      }
      // a temporary is read by no later step: its slot is released below, after this step
      for (String t : step.temporaries()) {
        int slot = takeFree(plan, free, schedule.dtype(t));
        plan.buffers.put(t, new Buffer(Kind.SLOT, slot, null, schedule.dtype(t)));
        occupy(plan, slotValues, slot, t, schedule.shape(t));
      }
      // Release slots whose values are all dead after this step.
      for (Map.Entry<Integer, Set<String>> e : slotValues.entrySet()) {
        if (free.contains(e.getKey()) || e.getValue().isEmpty()) continue;
        boolean dead = true;
        for (String v : e.getValue()) {
          if (lastUse.getOrDefault(v, -1) > s) dead = false;
        }
        if (dead) free.add(e.getKey());
      }
    }
    for (int i = 0; i < outputs.size(); i++) {
      Buffer b = plan.buffers.get(outputs.get(i));
      if (b.kind != Kind.OUTPUT || b.index != i) plan.outputCopies.put(i, outputs.get(i));
    }
    return plan;
  }

  /** Every run-time symbol a slot size mentions, sorted ({@code batch}, {@code time}). */
  public Set<String> symbols() {
    Set<String> out = new java.util.TreeSet<>();
    for (Slot s : slots) {
      for (Dim d : s.sizes) out.addAll(d.symbols());
    }
    return out;
  }

  /** Records {@code value} in slot {@code index} and adds its size to the slot's. */
  private static void occupy(MemoryPlan plan, Map<Integer, Set<String>> slotValues, int index, String value,
      Dim[] shape) {
    slotValues.computeIfAbsent(index, k -> new HashSet<>()).add(value);
    Slot slot = plan.slots.get(index);
    slot.sizes.add(Dim.size(shape));
    slot.tensors.add(value);
  }

  private static boolean allDeadAfter(Set<String> values, Map<String, Integer> lastUse, int step, String except) {
    if (values == null) return true;
    for (String v : values) {
      if (!v.equals(except) && lastUse.getOrDefault(v, -1) > step) return false;
    }
    return true;
  }

  private static int takeFree(MemoryPlan plan, List<Integer> free, DType dtype) {
    for (int i = 0; i < free.size(); i++) {
      int s = free.get(i);
      if (plan.slots.get(s).dtype == dtype) {
        free.remove(i);
        return s;
      }
    }
    plan.slots.add(new Slot(dtype));
    return plan.slots.size() - 1;
  }
}

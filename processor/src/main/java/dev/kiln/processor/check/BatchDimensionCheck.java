package dev.kiln.processor.check;

import dev.kiln.Shapes;
import dev.kiln.graph.NodeDef;
import java.util.function.Function;

/**
 * Compiled sessions size every buffer as {@code batch × (static per-example size)}, so an unknown dimension may
 * only be the first one and must stay the batch through every op. The runtime's shape rules accept a few graphs
 * that break this (a reshape that folds the batch into other axes, a concatenation along the batch axis); this
 * check rejects them at the user's line, with the op and its shapes.
 */
public final class BatchDimensionCheck {
  private BatchDimensionCheck() {}

  /**
   * A message describing why {@code node} breaks the batch rule, or null when it is fine; {@code shapeOf} gives the
   * static shape of a tensor by name ({@code x:0}).
   */
  public static String check(NodeDef node, Function<String, int[]> shapeOf) {
    for (int i = 0; i < node.numOutputs(); i++) {
      int[] s = node.outputShape(i);
      for (int d = 1; d < s.length; d++) {
        if (s[d] == -1) {
          return node.name() + " would have shape " + Shapes.toString(s)
              + ": compiled sessions allow -1 only in the first (batch) dimension";
        }
      }
    }
    if (node.numInputs() == 0) return null;
    int[] out = node.outputShape(0);
    switch (node.op()) {
      case "Reshape": {
        int[] in = shapeOf.apply(node.input(0));
        boolean inBatch = in.length > 0 && in[0] == -1;
        boolean outBatch = out.length > 0 && out[0] == -1;
        if (inBatch != outBatch || inBatch && perExample(in) != perExample(out)) {
          return node.name() + ": reshaping " + Shapes.toString(in) + " to " + Shapes.toString(out)
              + " does not keep the batch as the first dimension (" + perExample(in) + " values per example become "
              + perExample(out) + ")";
        }
        return null;
      }
      case "ConcatV2":
        if (node.attrs().getInt("axis", -1) == 0 && out.length > 0 && out[0] == -1) {
          return node.name() + ": concatenating along the batch axis is not supported in compiled sessions";
        }
        return null;
      case "Slice": {
        int[] in = shapeOf.apply(node.input(0));
        if (in.length > 0 && in[0] == -1) {
          int[] begin = node.attrs().getInts("begin");
          int[] size = node.attrs().getInts("size");
          if (begin[0] != 0 || size[0] != -1) {
            return node.name() + ": slicing the batch axis is not supported in compiled sessions (begin 0 and size -1 keep it)";
          }
        }
        return null;
      }
      case "Pad": {
        int[] in = shapeOf.apply(node.input(0));
        int[] p = node.attrs().getInts("paddings");
        if (in.length > 0 && in[0] == -1 && (p[0] != 0 || p[1] != 0)) {
          return node.name() + ": padding the batch axis is not supported in compiled sessions";
        }
        return null;
      }
      default:
        return null;
    }
  }

  private static long perExample(int[] s) {
    long n = 1;
    for (int d = 1; d < s.length; d++) n *= s[d];
    return n;
  }
}

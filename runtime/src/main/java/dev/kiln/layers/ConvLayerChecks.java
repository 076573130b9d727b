package dev.kiln.layers;

import dev.kiln.Shapes;
import dev.kiln.TensorShape;

/** Argument and input checks shared by the convolution and pooling layers. */
final class ConvLayerChecks {
  private ConvLayerChecks() {}

  static int positive(String layer, String what, int v) {
    if (v <= 0) throw new IllegalArgumentException(layer + ": " + what + " must be positive, got " + v);
    return v;
  }

  /** The known channel count of an input of the given rank. */
  static int channels(String layer, TensorShape s, int rank, String layout) {
    if (s.rank() != rank) {
      throw new IllegalArgumentException(layer + ": input must have rank " + rank + " " + layout + ", got " + s);
    }
    int c = s.dim(-1);
    if (c < 0) throw new IllegalArgumentException(layer + " needs a known channel dimension, got " + s);
    return c;
  }

  static void groups(String layer, int in, int filters, int groups, TensorShape s) {
    if (in % groups != 0 || filters % groups != 0) {
      throw new IllegalArgumentException(layer + ": groups " + groups + " must divide the " + in + " input channels of "
          + s + " and the " + filters + " filters");
    }
  }

  static String s(int[] v) {
    return Shapes.toString(v);
  }
}

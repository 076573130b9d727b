package dev.kiln.ops;

import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/** Shape checks the convolution ops share. */
final class ConvRules {
  private ConvRules() {}

  /**
   * The checks every convolution makes of its input {@code x [N, H, W, C]} and kernel (rank 4, every kernel dimension
   * known, a positive window); returns the input's channel count, which must be known.
   */
  static int inputAndKernel(String op, Dim[] x, Dim[] k) {
    rank4(op, "input", x, k);
    rank4(op, "kernel", k, x);
    knownKernel(op, k);
    return channels(op, x);
  }

  static void rank4(String op, String what, Dim[] shape, Dim[] other) {
    if (shape.length != 4) {
      String layout = what.equals("input") ? "[batch, height, width, channels]" : "[kh, kw, in, out]";
      throw new IllegalArgumentException(op + ": " + what + " must have rank 4 " + layout + ", got "
          + Dims.toString(shape) + " (other operand " + Dims.toString(other) + ")");
    }
  }

  /** Kernels are weights: every dimension known, the window positive. */
  static void knownKernel(String op, Dim[] k) {
    Dims.concrete(k, op + " kernel");
    if (k[0].value() <= 0 || k[1].value() <= 0) {
      throw new IllegalArgumentException(op + ": kernel size must be positive, got " + k[0] + "x" + k[1]);
    }
  }

  /** The channel count of an NHWC input, which must be known. */
  static int channels(String op, Dim[] x) {
    if (!x[3].isConstant()) {
      throw new IllegalArgumentException(op + ": the channels of " + Dims.toString(x) + " are the run-time dimension "
          + x[3] + "; they must be known");
    }
    return x[3].value();
  }
}

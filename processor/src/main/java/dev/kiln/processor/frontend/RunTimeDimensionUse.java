package dev.kiln.processor.frontend;

import com.sun.source.tree.Tree;
import dev.kiln.processor.check.KilnDiagnostic;

/**
 * A {@link RunTimeDimension} used where a compile-time number is needed. Its message fits any expression; a
 * condition catches it to say what the user wrote it for (a loop bound, an {@code if}).
 */
final class RunTimeDimensionUse extends KilnDiagnostic {
  final RunTimeDimension dimension;

  RunTimeDimensionUse(RunTimeDimension dimension, Frame frame, Tree site) {
    super(dimension.onlyKnownAtRunTime() + ", so `" + site + "` cannot be computed at compile time", site, frame.unit);
    this.dimension = dimension;
  }
}

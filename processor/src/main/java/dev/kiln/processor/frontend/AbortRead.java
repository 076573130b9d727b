package dev.kiln.processor.frontend;

import dev.kiln.processor.check.KilnDiagnostic;

/**
 * Stops reading the whole model: going on could not find more mistakes, only repeat this one (a budget spent
 * inside a loop, a layer that contains itself). Statement recovery does not catch it; {@link ModelReader} reports
 * {@link #diagnostic} and generates nothing. A null diagnostic means javac itself will report the problem (a name
 * it could not resolve), so Kiln stays silent and javac's own message is the one the user sees.
 */
final class AbortRead extends RuntimeException {
  final KilnDiagnostic diagnostic;

  AbortRead(KilnDiagnostic diagnostic) {
    super(diagnostic == null ? null : diagnostic.getMessage(), null, false, false);
    this.diagnostic = diagnostic;
  }
}

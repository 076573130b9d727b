package dev.kiln.processor.frontend;

/**
 * Abandons the construct at hand without a new message: its cause was already reported (a value that is
 * {@link Special#ERROR}), so a second error would only repeat the first.
 */
final class AlreadyReported extends RuntimeException {
  AlreadyReported() {
    super(null, null, false, false);
  }
}

package dev.kiln.io;

import java.io.IOException;

/**
 * A weights file (safetensors or {@code .npz}) that is malformed, truncated or uses an unsupported feature.
 * The message names the file, the tensor or archive entry, and what was expected versus found.
 */
public class WeightsFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public WeightsFormatException(String message) {
    super(message);
  }

  public WeightsFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}

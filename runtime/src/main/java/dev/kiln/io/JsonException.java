package dev.kiln.io;

import java.io.IOException;

/**
 * Malformed JSON, or JSON beyond one of {@link JsonReader}'s limits. The message says what was expected and
 * where: {@code "expected ',' or '}' at line 3, column 17 (byte 58)"}.
 */
public class JsonException extends IOException {
  private static final long serialVersionUID = 1L;

  private final boolean limit;

  public JsonException(String message) {
    this(message, false);
  }

  /** {@code limit}: the JSON may be well-formed but exceeds one of the reader's limits. */
  public JsonException(String message, boolean limit) {
    super(message);
    this.limit = limit;
  }

  /** True when the input went past a limit of the reader (size, depth, string or number length). */
  public boolean isLimit() {
    return limit;
  }
}

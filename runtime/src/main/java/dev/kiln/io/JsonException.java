package dev.kiln.io;

import java.io.IOException;

/**
 * Malformed JSON, or JSON beyond one of {@link JsonReader}'s limits. The message says what was expected and
 * where: {@code "expected ',' or '}' at line 3, column 17 (byte 58)"}.
 */
public class JsonException extends IOException {
  private static final long serialVersionUID = 1L;

  public JsonException(String message) {
    super(message);
  }
}

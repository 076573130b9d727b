package dev.kiln.text;

/** Keras' {@code split} argument of {@code TextVectorization}: how a standardized string becomes tokens. */
public enum Split {
  /** Keras {@code None}: the whole string is one token. */
  NONE,
  /**
   * Keras {@code "whitespace"}, the default ({@code tf.strings.split}): runs of the six ASCII whitespace characters
   * (space, tab, line feed, vertical tab, form feed, carriage return) separate tokens; leading and trailing runs are
   * dropped. Other spaces (no-break space, em space, ...) are part of a token, as in Keras.
   */
  WHITESPACE,
  /**
   * Keras {@code "character"} ({@code tf.strings.unicode_split(x, "UTF-8")}): one token per Unicode code point,
   * spaces included. A character outside the Basic Multilingual Plane ({@code 😀}) is one token; a combining accent
   * is a token of its own.
   */
  CHARACTER
}

package dev.kiln.text;

/**
 * Keras' {@code standardize} argument of {@code TextVectorization}: what is done to a string before it is split.
 *
 * <p>As in Keras (which calls {@code tf.strings.lower} without an encoding), lowercasing changes the ASCII letters
 * {@code A-Z} only: {@code "ÉCOLE"} becomes {@code "École"}. Punctuation is the 32 ASCII characters of Python's
 * {@code string.punctuation} ({@code !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~}, Keras' {@code DEFAULT_STRIP_REGEX});
 * other punctuation ({@code « ¿ — ’}) is kept.
 */
public enum Standardize {
  /** Keras {@code None}: the string as given. */
  NONE,
  /** Keras {@code "lower"}. */
  LOWER,
  /** Keras {@code "strip_punctuation"}. */
  STRIP_PUNCTUATION,
  /** Keras {@code "lower_and_strip_punctuation"}, the default. */
  LOWER_AND_STRIP_PUNCTUATION;

  boolean lowers() {
    return this == LOWER || this == LOWER_AND_STRIP_PUNCTUATION;
  }

  boolean stripsPunctuation() {
    return this == STRIP_PUNCTUATION || this == LOWER_AND_STRIP_PUNCTUATION;
  }
}

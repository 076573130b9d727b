package dev.kiln.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The string side of Keras' {@code TextVectorization._preprocess}: standardize, split, n-grams. */
final class Tokenizer {
  private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  private static final char REPLACEMENT = '\uFFFD';

  private Tokenizer() {}

  static String standardize(String text, Standardize mode) {
    if (mode == Standardize.NONE) return text;
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (mode.stripsPunctuation() && PUNCTUATION.indexOf(c) >= 0) continue;
      out.append(mode.lowers() && c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return out.toString();
  }

  static List<String> split(String text, Split mode) {
    switch (mode) {
      case NONE:
        return Collections.singletonList(text);
      case WHITESPACE:
        return splitOnWhitespace(text);
      case CHARACTER:
        return codePoints(text);
      default:
        throw new AssertionError(mode);
    }
  }

  /** Width by width, as {@code tf.strings.ngrams}: all n-grams of the first width, then of the next; none when short. */
  static List<String> ngrams(List<String> tokens, int[] widths) {
    List<String> out = new ArrayList<>();
    StringBuilder gram = new StringBuilder();
    for (int width : widths) {
      for (int start = 0; start + width <= tokens.size(); start++) {
        gram.setLength(0);
        for (int i = start; i < start + width; i++) {
          if (i > start) gram.append(' ');
          gram.append(tokens.get(i));
        }
        out.add(gram.toString());
      }
    }
    return out;
  }

  /** The ASCII {@code isspace} set that TensorFlow's {@code StringSplitV2} splits on. */
  static boolean isAsciiWhitespace(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  private static List<String> splitOnWhitespace(String text) {
    List<String> tokens = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= text.length(); i++) {
      boolean space = i == text.length() || isAsciiWhitespace(text.charAt(i));
      if (space && start >= 0) {
        tokens.add(text.substring(start, i));
        start = -1;
      } else if (!space && start < 0) {
        start = i;
      }
    }
    return tokens;
  }

  /** Code points; an unpaired surrogate (which no UTF-8 string holds) becomes U+FFFD, as TensorFlow replaces bad bytes. */
  private static List<String> codePoints(String text) {
    List<String> tokens = new ArrayList<>(text.length());
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int n = Character.charCount(cp);
      tokens.add(n == 1 && Character.isSurrogate(text.charAt(i)) ? String.valueOf(REPLACEMENT) : text.substring(i, i + n));
      i += n;
    }
    return tokens;
  }
}

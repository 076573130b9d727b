package dev.kiln.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A lookup table as Keras' {@code IndexLookup.set_vocabulary} builds it in {@code "int"} mode: the mask token (if
 * any) at 0, then the OOV indices, then the tokens. Immutable; built whenever a lookup's settings change.
 */
final class Vocabulary {
  private final String owner;
  private final String maskToken;
  private final int numOovIndices;
  private final int oovStart;
  private final List<String> entries;
  private final Map<String, Integer> index;

  private Vocabulary(String owner, String maskToken, int numOovIndices, List<String> entries,
      Map<String, Integer> index) {
    this.owner = owner;
    this.maskToken = maskToken;
    this.numOovIndices = numOovIndices;
    this.oovStart = maskToken != null ? 1 : 0;
    this.entries = entries;
    this.index = index;
  }

  /**
   * Keras' {@code set_vocabulary}: the special tokens are dropped when the vocabulary starts with exactly them (as a
   * saved {@code vocabulary.txt} does); a repeated token, the mask token anywhere else, an empty vocabulary and one
   * larger than {@code maxTokens} are refused.
   */
  static Vocabulary build(String owner, List<String> given, String maskToken, String oovToken, int numOovIndices,
      int maxTokens) {
    if (given.isEmpty()) throw new IllegalArgumentException(owner + ": the vocabulary is empty");
    List<String> specials = new ArrayList<>();
    if (maskToken != null) specials.add(maskToken);
    for (int i = 0; i < numOovIndices; i++) specials.add(oovToken);
    List<String> tokens = given.size() >= specials.size() && given.subList(0, specials.size()).equals(specials)
        ? given.subList(specials.size(), given.size())
        : given;
    List<String> entries = new ArrayList<>(specials.size() + tokens.size());
    entries.addAll(specials);
    Map<String, Integer> index = new HashMap<>(tokens.size() * 2);
    for (String token : tokens) {
      if (token == null) throw new IllegalArgumentException(owner + ": the vocabulary holds null at index " + entries.size());
      if (token.equals(maskToken)) {
        throw new IllegalArgumentException(owner + ": the mask token " + quote(maskToken) + " is at index "
            + entries.size() + " of the vocabulary; it may only come first (index 0)");
      }
      Integer before = index.put(token, entries.size());
      if (before != null) {
        throw new IllegalArgumentException(owner + ": the vocabulary has the token " + quote(token) + " twice, at index "
            + before + " and " + entries.size());
      }
      entries.add(token);
    }
    if (maxTokens > 0 && entries.size() > maxTokens) {
      throw new IllegalArgumentException(owner + ": the vocabulary has " + entries.size()
          + " entries with the mask and OOV tokens, more than maxTokens " + maxTokens);
    }
    return new Vocabulary(owner, maskToken, numOovIndices, Collections.unmodifiableList(entries), index);
  }

  /** Keras' {@code _lookup_dense}: the mask token is 0, OOV tokens the OOV index (hashed when there are several). */
  int indexOf(String token) {
    if (maskToken != null && maskToken.equals(token)) return 0;
    Integer i = index.get(token);
    if (i != null) return i;
    if (numOovIndices == 1) return oovStart;
    if (numOovIndices == 0) {
      throw new IllegalArgumentException(owner + ": " + quote(token) + " is not in the vocabulary and there is no OOV"
          + " index (numOovIndices is 0)");
    }
    return oovStart + Fingerprint64.bucket(token.getBytes(StandardCharsets.UTF_8), numOovIndices);
  }

  /** Keras' {@code get_vocabulary()}: the special tokens first. */
  List<String> entries() {
    return entries;
  }

  static String quote(String token) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < token.length() && i < 80; i++) {
      char c = token.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x200e && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append(token.length() > 80 ? "...\"" : "\"").toString();
  }
}

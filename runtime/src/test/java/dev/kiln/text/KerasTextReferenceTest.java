package dev.kiln.text;

import static com.google.common.truth.Truth.assertWithMessage;

import com.google.common.hash.Hashing;
import dev.kiln.DType;
import dev.kiln.Tensor;
import dev.kiln.io.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TextVectorization and StringLookup against {@code keras-text-reference.json}, which
 * {@code runtime/fixtures/text/make_text_reference.py} writes by restating Keras 3's preprocessing with Python byte
 * operations that behave as the TensorFlow ops Keras calls. Where Keras hashes OOV tokens into several buckets the
 * file holds -1, and the expected bucket comes from Guava's FarmHash Fingerprint64, an independent implementation.
 */
class KerasTextReferenceTest {
  static Stream<Arguments> cases() throws Exception {
    try (InputStream in = KerasTextReferenceTest.class.getResourceAsStream("/text/keras-text-reference.json")) {
      Map<?, ?> doc = (Map<?, ?>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return ((List<?>) doc.get("cases")).stream().map(c -> Arguments.of(((Map<?, ?>) c).get("name"), c));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesKeras(String name, Map<?, ?> c) {
    Map<?, ?> config = (Map<?, ?>) c.get("config");
    List<String> inputs = strings(c.get("inputs"));
    if (c.get("kind").equals("TextVectorization")) {
      TextVectorization tv = textVectorization(config);
      List<?> tokens = (List<?>) c.get("tokens");
      List<?> ids = (List<?>) c.get("ids");
      for (int i = 0; i < inputs.size(); i++) {
        assertWithMessage("%s: tokens of %s", name, inputs.get(i)).that(tv.tokens(inputs.get(i)))
            .containsExactlyElementsIn(strings(tokens.get(i))).inOrder();
      }
      Tensor batch = tv.apply(inputs);
      int length = ((List<?>) ids.get(0)).size();
      assertWithMessage("%s: dtype", name).that(batch.dtype()).isEqualTo(DType.INT32);
      assertWithMessage("%s: shape", name).that(batch.shape()).isEqualTo(new int[] {inputs.size(), length});
      for (int i = 0; i < inputs.size(); i++) {
        int[] expected = ints(ids.get(i));
        int[] row = Arrays.copyOfRange(batch.toIntArray(), i * length, (i + 1) * length);
        assertWithMessage("%s: ids of %s in the batch", name, inputs.get(i)).that(row).isEqualTo(expected);
        if (config.get("output_sequence_length") != Json.NULL) {
          assertWithMessage("%s: ids of %s alone", name, inputs.get(i)).that(tv.indices(inputs.get(i)))
              .isEqualTo(expected);
        }
      }
      assertWithMessage("%s: vocabulary", name).that(tv.getVocabulary())
          .containsExactlyElementsIn(strings(c.get("vocabulary"))).inOrder();
    } else {
      StringLookup lookup = stringLookup(config);
      int[] expected = ints(c.get("ids"));
      int numOov = ((Json.Num) config.get("num_oov_indices")).intValue();
      int oovStart = config.get("mask_token") == Json.NULL ? 0 : 1;
      for (int i = 0; i < expected.length; i++) {
        if (expected[i] == -1) expected[i] = oovStart + guavaBucket(inputs.get(i), numOov);
      }
      assertWithMessage("%s: ids of %s", name, inputs).that(lookup.apply(inputs.toArray(new String[0])).toIntArray())
          .isEqualTo(expected);
      assertWithMessage("%s: vocabulary", name).that(lookup.getVocabulary())
          .containsExactlyElementsIn(strings(c.get("vocabulary"))).inOrder();
    }
  }

  /** {@code tf.strings.to_hash_bucket_fast}: Fingerprint64 of the UTF-8 bytes modulo the buckets, unsigned. */
  static int guavaBucket(String token, int buckets) {
    long fingerprint = Hashing.farmHashFingerprint64().hashBytes(token.getBytes(StandardCharsets.UTF_8)).asLong();
    return (int) Long.remainderUnsigned(fingerprint, buckets);
  }

  private static TextVectorization textVectorization(Map<?, ?> config) {
    TextVectorization tv = new TextVectorization().vocabulary(strings(config.get("vocabulary")));
    Object standardize = config.get("standardize");
    tv.standardize(standardize == Json.NULL ? Standardize.NONE : Standardize.valueOf(upper(standardize)));
    Object split = config.get("split");
    tv.split(split == Json.NULL ? Split.NONE : Split.valueOf(upper(split)));
    Object ngrams = config.get("ngrams");
    if (ngrams instanceof Json.Num) tv.ngrams(((Json.Num) ngrams).intValue());
    if (ngrams instanceof List) tv.ngrams(ints(ngrams));
    Object length = config.get("output_sequence_length");
    if (length != Json.NULL) tv.outputSequenceLength(((Json.Num) length).intValue());
    return tv;
  }

  private static StringLookup stringLookup(Map<?, ?> config) {
    Object mask = config.get("mask_token");
    return new StringLookup()
        .maskToken(mask == Json.NULL ? null : (String) mask)
        .oovToken((String) config.get("oov_token"))
        .numOovIndices(((Json.Num) config.get("num_oov_indices")).intValue())
        .vocabulary(strings(config.get("vocabulary")));
  }

  private static String upper(Object keras) {
    return ((String) keras).toUpperCase(java.util.Locale.ROOT);
  }

  private static List<String> strings(Object list) {
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) list) out.add((String) o);
    return out;
  }

  private static int[] ints(Object list) {
    return ((List<?>) list).stream().mapToInt(o -> ((Json.Num) o).intValue()).toArray();
  }
}

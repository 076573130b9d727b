package dev.kiln.text;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.hash.Hashing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Vocabulary rules, vocabulary files and the OOV hash: hand-checked values and Keras' messages. */
class TextLookupTest {
  @Test
  void fingerprintEqualsGuavasFarmHashAtEveryLengthPath() {
    Random random = new Random(14);
    for (int length = 0; length <= 300; length++) {
      for (int trial = 0; trial < 5; trial++) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        long expected = Hashing.farmHashFingerprint64().hashBytes(bytes).asLong();
        assertThat(Fingerprint64.of(bytes)).isEqualTo(expected);
      }
    }
  }

  @Test
  void hashBucketsAsTensorFlowsDocumentation() {
    // tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) == [0, 2, 2] (TensorFlow's API docs)
    assertThat(Arrays.asList("Hello", "TensorFlow", "2.x").stream()
            .mapToInt(s -> Fingerprint64.bucket(s.getBytes(StandardCharsets.UTF_8), 3)).toArray())
        .isEqualTo(new int[] {0, 2, 2});
  }

  @Test
  void repeatedTokenIsRefusedNamingBothIndices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new StringLookup().vocabulary("a", "b", "a"));
    assertThat(e).hasMessageThat().isEqualTo("StringLookup: the vocabulary has the token \"a\" twice, at index 1 and 3");
  }

  @Test
  void maskTokenAfterTheFrontIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TextVectorization().vocabulary("the", "", "cat"));
    assertThat(e).hasMessageThat().isEqualTo(
        "TextVectorization: the mask token \"\" is at index 3 of the vocabulary; it may only come first (index 0)");
  }

  @Test
  void refusedSettingLeavesTheLookupAsItWas() {
    StringLookup lookup = new StringLookup().vocabulary("a", "b");
    assertThrows(IllegalArgumentException.class, () -> lookup.maskToken("b"));
    assertThat(lookup.index("b")).isEqualTo(2);
    assertThat(lookup.getVocabulary()).containsExactly("[UNK]", "a", "b").inOrder();
  }

  @Test
  void maxTokensCountsTheSpecialTokens() {
    new TextVectorization().maxTokens(4).vocabulary("a", "b");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TextVectorization().maxTokens(4).vocabulary("a", "b", "c"));
    assertThat(e).hasMessageThat().isEqualTo(
        "TextVectorization: the vocabulary has 5 entries with the mask and OOV tokens, more than maxTokens 4");
  }

  @Test
  void noOovIndexRefusesUnknownTokensByName() {
    StringLookup lookup = new StringLookup().numOovIndices(0).vocabulary("a", "b");
    assertThat(lookup.index("b")).isEqualTo(1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lookup.index("c\n"));
    assertThat(e).hasMessageThat().isEqualTo(
        "StringLookup: \"c\\u000a\" is not in the vocabulary and there is no OOV index (numOovIndices is 0)");
  }

  @Test
  void withoutVocabularyLookupsFail() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> new TextVectorization().apply("x"));
    assertThat(e).hasMessageThat().isEqualTo("TextVectorization: no vocabulary; set one with vocabulary(...)");
  }

  @Test
  void raggedRowsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new StringLookup().vocabulary("a").apply(new String[][] {{"a", "a"}, {"a"}}));
    assertThat(e).hasMessageThat().isEqualTo(
        "StringLookup: row 1 has 1 tokens, row 0 has 2; pad the rows to one length with the mask token");
  }

  @Test
  void ngramsWithoutSplitAreRefused() {
    TextVectorization tv = new TextVectorization().vocabulary("a").split(Split.NONE).ngrams(2);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> tv.apply("a"));
    assertThat(e).hasMessageThat().isEqualTo("TextVectorization: ngrams need a split (split is NONE)");
  }

  @Test
  void savedVocabularyReadsBackAsKerasAssetAndAsTokenFile(@TempDir Path dir) throws Exception {
    TextVectorization tv = new TextVectorization().vocabulary("the", "cat", "😀", " spaced ");
    ByteArrayOutputStream saved = new ByteArrayOutputStream();
    tv.saveVocabulary(saved);
    assertThat(saved.toString("UTF-8")).isEqualTo("\n[UNK]\nthe\ncat\n😀\n spaced ");

    File asset = dir.resolve("vocabulary.txt").toFile();
    Files.write(asset.toPath(), saved.toByteArray());
    assertThat(new TextVectorization().vocabulary(asset).getVocabulary()).isEqualTo(tv.getVocabulary());

    // Keras' vocabulary= file form: tokens only, CRLF line ends, a final line break
    byte[] tokensOnly = "the\r\ncat\r\n😀\r\n spaced \r\n".getBytes(StandardCharsets.UTF_8);
    assertThat(new TextVectorization().vocabulary(new ByteArrayInputStream(tokensOnly)).getVocabulary())
        .isEqualTo(tv.getVocabulary());
  }

  @Test
  void tokenWithLineBreakCannotBeSaved() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new StringLookup().vocabulary("a", "b\nc").saveVocabulary(new ByteArrayOutputStream()));
    assertThat(e).hasMessageThat().isEqualTo("token \"b\\u000ac\" at index 2 holds a line break: it cannot be"
        + " written to a vocabulary file of one token per line");
  }

  @Test
  void vocabularyFileMustBeUtf8() {
    Exception e = assertThrows(java.io.IOException.class,
        () -> new StringLookup().vocabulary(new ByteArrayInputStream(new byte[] {'a', '\n', (byte) 0xff})));
    assertThat(e).hasMessageThat().startsWith("<stream>: a vocabulary file must be UTF-8");
  }

  @Test
  void unpairedSurrogateIsOneReplacementCharacter() {
    TextVectorization tv = new TextVectorization().split(Split.CHARACTER).vocabulary("\uFFFD", "a");
    assertThat(tv.tokens("a\uD800b")).containsExactly("a", "\uFFFD", "b").inOrder();
    assertThat(tv.indices("a\uD800")).isEqualTo(new int[] {3, 2});
  }
}

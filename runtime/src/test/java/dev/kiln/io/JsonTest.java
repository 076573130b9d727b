package dev.kiln.io;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  private static JsonException error(String json, String... fragments) {
    JsonException e = assertThrows(JsonException.class, () -> Json.parse(json));
    for (String f : fragments) assertThat(e).hasMessageThat().contains(f);
    return e;
  }

  @Test
  void parsesEveryKindOfValue() throws JsonException {
    Object v = Json.parse(" {\"a\": [1, -2.5e3, 0.25, true, false, null, \"x\\ty\\u00e9\\ud83d\\ude00\", {}, []]}\n");
    Map<?, ?> m = (Map<?, ?>) v;
    List<?> a = (List<?>) m.get("a");
    assertThat(a).hasSize(9);
    assertThat(((Json.Num) a.get(0)).asInt()).isEqualTo(1);
    assertThat(((Json.Num) a.get(1)).doubleValue()).isEqualTo(-2500.0);
    assertThat(((Json.Num) a.get(1)).asLong()).isNull();
    assertThat(((Json.Num) a.get(2)).floatValue()).isEqualTo(0.25f);
    assertThat(a.subList(3, 6)).containsExactly(true, false, Json.NULL).inOrder();
    assertThat(a.get(6)).isEqualTo("x\ty\u00e9\ud83d\ude00");
    assertThat(a.get(7)).isEqualTo(new LinkedHashMap<>());
    assertThat(a.get(8)).isEqualTo(List.of());
  }

  @Test
  void keepsKeyOrderAndRejectsDuplicateKeys() throws JsonException {
    Map<?, ?> m = (Map<?, ?>) Json.parse("{\"b\":1,\"a\":2,\"c\":3}");
    assertThat(m.keySet()).containsExactly("b", "a", "c").inOrder();
    error("{\"a\":1,\n \"a\":2}", "duplicate key \"a\" at line 2, column 5 (byte 12)");
  }

  @Test
  void numbersStayExact() throws JsonException {
    Json.Num big = (Json.Num) Json.parse("12345678901234567890");
    assertThat(big.asLong()).isNull();
    assertThat(big.toString()).isEqualTo("12345678901234567890");
    assertThat(((Json.Num) Json.parse("-9223372036854775808")).asLong()).isEqualTo(Long.MIN_VALUE);
    assertThat(((Json.Num) Json.parse("2147483648")).asInt()).isNull();
    assertThat(((Json.Num) Json.parse("2147483647")).asInt()).isEqualTo(Integer.MAX_VALUE);
    // floatValue rounds once from the decimal text: 0.1f, not (float) 0.1d (here the same) or a double rounding.
    assertThat(((Json.Num) Json.parse("1.00000005960464477539062500001")).floatValue()).isEqualTo(1.0000001f);
  }

  @Test
  void syntaxErrorsSayWhatAndWhere() {
    error("", "unexpected the end of the input, expected a value at line 1, column 1 (byte 0)");
    error("{\"a\" 1}", "unexpected '1', expected ':' at line 1, column 6 (byte 5)");
    error("[1,]", "unexpected ']', expected a value at line 1, column 4");
    error("{\"a\":1,}", "unexpected '}', expected a string key");
    error("[1 2]", "expected ',' or ']'");
    error("{\"a\":1", "expected ',' or '}'");
    error("[01]", "expected ',' or ']'");
    error("[1.]", "expected a digit after '.'");
    error("[1e]", "expected a digit in the exponent");
    error("[-]", "expected a digit");
    error("[tru]", "expected 'true'");
    error("[NaN]", "unexpected 'N', expected a value");
    error("\"abc", "unterminated string");
    error("\"a\\x\"", "expected an escape character");
    error("\"\\u12G4\"", "expected a hex digit of a \\u escape");
    error("\"a\nb\"", "control character U+000A in a string");
    error("{} {}", "expected the end of the input after the JSON value at line 1, column 4");
    error("[1]\n\n  x", "at line 3, column 3 (byte 7)");
  }

  @Test
  void utf8IsDecodedStrictly() throws IOException {
    assertThat(parseBytes('"', 0xC3, 0xA9, '"')).isEqualTo("\u00e9");
    assertThat(parseBytes('"', 0xF0, 0x9F, 0x98, 0x80, '"')).isEqualTo("\ud83d\ude00");
    assertBadUtf8("cannot start a character", '"', 0x80, '"'); // lone continuation byte
    assertBadUtf8("truncated sequence", '"', 0xC3, '"');
    assertBadUtf8("cannot start a character", '"', 0xC0, 0x80, '"'); // overlong NUL
    assertBadUtf8("U+0000 is not allowed", '"', 0xE0, 0x80, 0x80, '"'); // overlong, 3 bytes
    assertBadUtf8("U+D800 is not allowed", '"', 0xED, 0xA0, 0x80, '"'); // surrogate
    assertBadUtf8("cannot start a character", '"', 0xF5, 0x80, 0x80, 0x80, '"'); // past U+10FFFF
  }

  private static Object parseBytes(int... b) throws IOException {
    byte[] bytes = new byte[b.length];
    for (int i = 0; i < b.length; i++) bytes[i] = (byte) b[i];
    return Json.parse(JsonReader.of(new ByteArrayInputStream(bytes), bytes.length));
  }

  private static void assertBadUtf8(String fragment, int... b) {
    JsonException e = assertThrows(JsonException.class, () -> parseBytes(b));
    assertThat(e).hasMessageThat().contains("invalid UTF-8");
    assertThat(e).hasMessageThat().contains(fragment);
  }

  @Test
  void depthIsLimited() throws IOException {
    String deep64 = "[".repeat(64) + "]".repeat(64);
    assertThat(Json.parse(deep64)).isInstanceOf(List.class);
    error("[".repeat(65) + "]".repeat(65), "nested deeper than the limit of 64 at line 1, column 65 (byte 64)");
    // Far deeper input fails the same way, without a StackOverflowError.
    error("[".repeat(1_000_000), "nested deeper than the limit of 64");
    String deep300 = "{\"a\":".repeat(300) + "1" + "}".repeat(300);
    assertThat(Json.parse(JsonReader.of(deep300).maxDepth(300))).isInstanceOf(Map.class);
    JsonReader skipping = JsonReader.of("[" + "[".repeat(100) + "]".repeat(100) + "]");
    skipping.beginArray();
    JsonException e = assertThrows(JsonException.class, skipping::skipValue);
    assertThat(e).hasMessageThat().contains("deeper than the limit of 64");
  }

  @Test
  void sizesAreLimited() throws IOException {
    byte[] doc = "[\"0123456789\"]".getBytes(StandardCharsets.UTF_8);
    assertThat(Json.parse(JsonReader.upTo(new ByteArrayInputStream(doc), doc.length))).isEqualTo(List.of("0123456789"));
    JsonException e = assertThrows(JsonException.class,
        () -> Json.parse(JsonReader.upTo(new ByteArrayInputStream(doc), doc.length - 1)));
    assertThat(e).hasMessageThat().contains("longer than the limit of 13 bytes");
    assertThat(e.isLimit()).isTrue();
    assertThat(error("[1,]").isLimit()).isFalse();
    e = assertThrows(JsonException.class, () -> Json.parse(JsonReader.of("[\"0123456789\"]").maxStringChars(9)));
    assertThat(e).hasMessageThat().contains("a string longer than the limit of 9 characters");
    error("[1" + "0".repeat(JsonReader.MAX_NUMBER_CHARS) + "]", "a number longer than the limit of 400 characters");
  }

  @Test
  void exactLengthReadsNoFurtherAndReportsTruncation() throws IOException {
    byte[] bytes = "{\"a\":1}  TAIL".getBytes(StandardCharsets.UTF_8);
    ByteArrayInputStream in = new ByteArrayInputStream(bytes);
    assertThat(Json.parse(JsonReader.of(in, 9))).isEqualTo(Map.of("a", new Json.Num("1")));
    assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("TAIL");
    JsonException e = assertThrows(JsonException.class,
        () -> Json.parse(JsonReader.of(new ByteArrayInputStream(bytes, 0, 4), 9)));
    assertThat(e).hasMessageThat().contains("truncated: the input ends after 4 of the 9 bytes of JSON");
  }

  @Test
  void pullReaderSkipsWhatItDoesNotNeed() throws IOException {
    JsonReader r = JsonReader.of("{\"skip\": {\"x\": [1, {\"y\": null}]}, \"keep\": \"v\", \"n\": -3}");
    Map<String, Object> seen = new LinkedHashMap<>();
    r.beginObject();
    while (r.hasNext()) {
      String key = r.nextName();
      if (key.equals("skip")) r.skipValue();
      else seen.put(key, r.peek() == JsonReader.Token.STRING ? r.nextString() : r.nextNumber());
    }
    r.endObject();
    r.endDocument();
    assertThat(seen).containsExactly("keep", "v", "n", "-3").inOrder();
    JsonReader wrong = JsonReader.of("[\"s\"]");
    wrong.beginArray();
    JsonException e = assertThrows(JsonException.class, wrong::nextNumber);
    assertThat(e).hasMessageThat().contains("expected a number, found a string at line 1, column 3");
  }

  @Test
  void nonFiniteNumbersOnlyWhenAllowed() throws IOException {
    error("[NaN]", "unexpected 'N', expected a value");
    List<?> v = (List<?>) Json.parse(JsonReader.of("[NaN, Infinity, -Infinity, -1]").allowNonFiniteNumbers());
    assertThat(((Json.Num) v.get(0)).doubleValue()).isNaN();
    assertThat(((Json.Num) v.get(1)).floatValue()).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(((Json.Num) v.get(2)).doubleValue()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(((Json.Num) v.get(3)).asInt()).isEqualTo(-1);
    JsonException e = assertThrows(JsonException.class, () -> Json.parse(JsonReader.of("[-NaN]").allowNonFiniteNumbers()));
    assertThat(e).hasMessageThat().contains("expected a digit");
  }

  @Test
  void writesWhatItReads() throws JsonException {
    String text = "{\"s\":\"q\\\"b\\\\c\\n\\u0001\u2028\",\"n\":[1,-2.5E-7,true,null],\"o\":{}}";
    Object v = Json.parse(text);
    assertThat(Json.write(v)).isEqualTo("{\"s\":\"q\\\"b\\\\c\\n\\u0001\\u2028\",\"n\":[1,-2.5E-7,true,null],\"o\":{}}");
    assertThat(Json.parse(Json.write(v))).isEqualTo(v);
    assertThat(Json.write(Arrays.asList(1, 2L, 0.5, 0.25f, "x", null, Json.NULL))).isEqualTo("[1,2,0.5,0.25,\"x\",null,null]");
    assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
  }
}

package dev.kiln.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;

/**
 * A strict (RFC 8259) pull parser for UTF-8 JSON that reads a stream token by token, so a large document can
 * be checked or summarized without holding it: {@link Json#readValue} builds a tree from it when that is
 * wanted. Everything from the input is untrusted: the input's length, the nesting depth, the length of every
 * string and number are limited, UTF-8 is decoded strictly, and every error names the line, column and byte
 * where it was found.
 *
 * <pre>{@code
 * JsonReader r = JsonReader.upTo(in, 1 << 20);   // at most 1 MiB of JSON, up to the end of the stream
 * r.beginObject();
 * while (r.hasNext()) {
 *   String key = r.nextName();
 *   if (r.peek() == JsonReader.Token.STRING) System.out.println(key + " = " + r.nextString());
 *   else r.skipValue();
 * }
 * r.endObject();
 * r.endDocument();
 * }</pre>
 *
 * <p>Java 8 API only (the runtime runs on Android); not thread-safe.
 */
public final class JsonReader {
  /** What comes next in the input. */
  public enum Token {
    BEGIN_OBJECT, END_OBJECT, BEGIN_ARRAY, END_ARRAY, NAME, STRING, NUMBER, BOOLEAN, NULL, END_DOCUMENT
  }

  /** Default limit on the nesting of arrays and objects (the parse recurses at most this deep). */
  public static final int DEFAULT_MAX_DEPTH = 64;
  /** Default limit on the length of one string, in UTF-16 chars. */
  public static final int DEFAULT_MAX_STRING_CHARS = 1 << 24;
  /** Limit on the length of a number literal: no real number needs more, and parsing stays cheap. */
  public static final int MAX_NUMBER_CHARS = 400;

  private static final int EMPTY_DOCUMENT = 0;
  private static final int NONEMPTY_DOCUMENT = 1;
  private static final int EMPTY_ARRAY = 2;
  private static final int NONEMPTY_ARRAY = 3;
  private static final int EMPTY_OBJECT = 4;
  private static final int DANGLING_NAME = 5;
  private static final int NONEMPTY_OBJECT = 6;

  private final InputStream in;
  /** Bytes the document has (exact) or may have at most. */
  private final long length;
  private final boolean exact;
  private final byte[] buf = new byte[8192];
  private int bufPos;
  private int bufLen;
  private long fetched;

  private long offset;
  private int line = 1;
  private long column = 1;

  private int maxDepth = DEFAULT_MAX_DEPTH;
  private int maxStringChars = DEFAULT_MAX_STRING_CHARS;
  private boolean nonFinite;
  private int[] stack = new int[16];
  private int size = 1;
  private Token peeked;
  private boolean peekedBoolean;
  private StringBuilder text = new StringBuilder();

  private JsonReader(InputStream in, long length, boolean exact) {
    this.in = in;
    this.length = length;
    this.exact = exact;
    stack[0] = EMPTY_DOCUMENT;
  }

  /** A reader of {@code json}. */
  public static JsonReader of(String json) {
    byte[] bytes = json.getBytes(Charset.forName("UTF-8"));
    return new JsonReader(new ByteArrayInputStream(bytes), bytes.length, true);
  }

  /**
   * A reader of the next {@code length} bytes of {@code in}, which hold exactly one JSON document (a
   * safetensors header, say); no byte after them is read. Fewer bytes in the stream is an error.
   */
  public static JsonReader of(InputStream in, long length) {
    if (length < 0) throw new IllegalArgumentException("negative length " + length);
    return new JsonReader(in, length, true);
  }

  /** A reader of a document that runs to the end of {@code in}; more than {@code maxBytes} bytes is an error. */
  public static JsonReader upTo(InputStream in, long maxBytes) {
    if (maxBytes < 0) throw new IllegalArgumentException("negative limit " + maxBytes);
    return new JsonReader(in, maxBytes, false);
  }

  /** Sets the deepest nesting of arrays and objects accepted (default {@value #DEFAULT_MAX_DEPTH}). */
  public JsonReader maxDepth(int depth) {
    if (depth < 1) throw new IllegalArgumentException("maxDepth must be at least 1, got " + depth);
    this.maxDepth = depth;
    return this;
  }

  /** Sets the longest string accepted, in chars (default {@value #DEFAULT_MAX_STRING_CHARS}). */
  public JsonReader maxStringChars(int chars) {
    if (chars < 0) throw new IllegalArgumentException("maxStringChars must not be negative, got " + chars);
    this.maxStringChars = chars;
    return this;
  }

  /**
   * Also reads {@code NaN}, {@code Infinity} and {@code -Infinity} as numbers, as Python's {@code json} module
   * writes them (Keras configs); {@link #nextNumber} returns them as that text.
   */
  public JsonReader allowNonFiniteNumbers() {
    this.nonFinite = true;
    return this;
  }

  /** The current nesting depth: 0 at the top level, 1 inside the outermost array or object. */
  public int depth() {
    return size - 1;
  }

  // ---- tokens ----------------------------------------------------------------------------------------------

  /** The next token, without consuming it. */
  public Token peek() throws IOException {
    if (peeked == null) peeked = advance();
    return peeked;
  }

  /** True while the current array or object has more elements. */
  public boolean hasNext() throws IOException {
    Token t = peek();
    return t != Token.END_OBJECT && t != Token.END_ARRAY && t != Token.END_DOCUMENT;
  }

  public void beginObject() throws IOException {
    expect(Token.BEGIN_OBJECT);
    push(EMPTY_OBJECT);
  }

  public void endObject() throws IOException {
    expect(Token.END_OBJECT);
    size--;
  }

  public void beginArray() throws IOException {
    expect(Token.BEGIN_ARRAY);
    push(EMPTY_ARRAY);
  }

  public void endArray() throws IOException {
    expect(Token.END_ARRAY);
    size--;
  }

  /** The next object key. */
  public String nextName() throws IOException {
    expect(Token.NAME);
    return readString();
  }

  public String nextString() throws IOException {
    expect(Token.STRING);
    return readString();
  }

  /** The next number, as its literal text (exact; convert with {@link Json.Num}). */
  public String nextNumber() throws IOException {
    expect(Token.NUMBER);
    return readNumber();
  }

  public boolean nextBoolean() throws IOException {
    expect(Token.BOOLEAN);
    return peekedBoolean;
  }

  public void nextNull() throws IOException {
    expect(Token.NULL);
  }

  /** Skips the next value, however deep (still checking that it is well-formed). */
  public void skipValue() throws IOException {
    int depth = 0;
    do {
      switch (peek()) {
        case BEGIN_OBJECT:
          beginObject();
          depth++;
          break;
        case BEGIN_ARRAY:
          beginArray();
          depth++;
          break;
        case END_OBJECT:
          endObject();
          depth--;
          break;
        case END_ARRAY:
          endArray();
          depth--;
          break;
        case NAME:
          if (depth == 0) throw error("expected a value, found an object key");
          nextName();
          break;
        case STRING:
          nextString();
          break;
        case NUMBER:
          nextNumber();
          break;
        case BOOLEAN:
          nextBoolean();
          break;
        case NULL:
          nextNull();
          break;
        default:
          throw error("expected a value, found the end of the input");
      }
    } while (depth > 0);
  }

  /** Checks that nothing but whitespace follows the value just read. */
  public void endDocument() throws IOException {
    expect(Token.END_DOCUMENT);
  }

  /** Where the reader is: {@code line 3, column 17 (byte 58)}. */
  public String position() {
    return "line " + line + ", column " + column + " (byte " + offset + ")";
  }

  /** An exception with {@code message} and the current position, for callers that reject what they read. */
  public JsonException error(String message) {
    return new JsonException(message + " at " + position());
  }

  private JsonException limit(String message) {
    return new JsonException(message + " at " + position(), true);
  }

  private void expect(Token t) throws IOException {
    Token p = peek();
    if (p != t) throw error("expected " + describe(t) + ", found " + describe(p));
    peeked = null;
  }

  private static String describe(Token t) {
    switch (t) {
      case BEGIN_OBJECT:
        return "an object";
      case END_OBJECT:
        return "the end of the object";
      case BEGIN_ARRAY:
        return "an array";
      case END_ARRAY:
        return "the end of the array";
      case NAME:
        return "an object key";
      case STRING:
        return "a string";
      case NUMBER:
        return "a number";
      case BOOLEAN:
        return "true or false";
      case NULL:
        return "null";
      default:
        return "the end of the input";
    }
  }

  private void push(int scope) throws JsonException {
    if (size - 1 >= maxDepth) throw tooDeep();
    if (size == stack.length) {
      int[] s = new int[2 * size];
      System.arraycopy(stack, 0, s, 0, size);
      stack = s;
    }
    stack[size++] = scope;
  }

  private JsonException tooDeep() {
    return limit("arrays and objects nested deeper than the limit of " + maxDepth);
  }

  private Token advance() throws IOException {
    int scope = stack[size - 1];
    int c;
    switch (scope) {
      case EMPTY_ARRAY:
        stack[size - 1] = NONEMPTY_ARRAY;
        if (peekNonSpace() == ']') {
          consume();
          return Token.END_ARRAY;
        }
        return value();
      case NONEMPTY_ARRAY:
        c = peekNonSpace();
        if (c == ']') {
          consume();
          return Token.END_ARRAY;
        }
        if (c != ',') throw unexpected(c, "',' or ']'");
        consume();
        return value();
      case EMPTY_OBJECT:
      case NONEMPTY_OBJECT:
        c = peekNonSpace();
        if (c == '}') {
          consume();
          return Token.END_OBJECT;
        }
        if (scope == NONEMPTY_OBJECT) {
          if (c != ',') throw unexpected(c, "',' or '}'");
          consume();
          c = peekNonSpace();
        }
        if (c != '"') throw unexpected(c, "a string key");
        consume();
        stack[size - 1] = DANGLING_NAME;
        return Token.NAME;
      case DANGLING_NAME:
        c = peekNonSpace();
        if (c != ':') throw unexpected(c, "':'");
        consume();
        stack[size - 1] = NONEMPTY_OBJECT;
        return value();
      case EMPTY_DOCUMENT:
        stack[0] = NONEMPTY_DOCUMENT;
        return value();
      default: // NONEMPTY_DOCUMENT
        c = peekNonSpace();
        if (c < 0) return Token.END_DOCUMENT;
        throw unexpected(c, "the end of the input after the JSON value");
    }
  }

  private Token value() throws IOException {
    int c = peekNonSpace();
    if ((c == '{' || c == '[') && size - 1 >= maxDepth) throw tooDeep();
    switch (c) {
      case '{':
        consume();
        return Token.BEGIN_OBJECT;
      case '[':
        consume();
        return Token.BEGIN_ARRAY;
      case '"':
        consume();
        return Token.STRING;
      case 't':
        literal("true");
        peekedBoolean = true;
        return Token.BOOLEAN;
      case 'f':
        literal("false");
        peekedBoolean = false;
        return Token.BOOLEAN;
      case 'n':
        literal("null");
        return Token.NULL;
      default:
        if (c == '-' || (c >= '0' && c <= '9') || (nonFinite && (c == 'N' || c == 'I'))) return Token.NUMBER;
        throw unexpected(c, "a value");
    }
  }

  private void literal(String word) throws IOException {
    for (int i = 0; i < word.length(); i++) {
      int c = peekByte();
      if (c != word.charAt(i)) throw unexpected(c, "'" + word + "'");
      consume();
    }
  }

  // ---- strings and numbers -----------------------------------------------------------------------------------

  /** Reads a string whose opening quote has been consumed. */
  private String readString() throws IOException {
    StringBuilder sb = text;
    sb.setLength(0);
    while (true) {
      int b = peekByte();
      if (b < 0) throw error("unterminated string");
      if (b == '"') {
        consume();
        break;
      }
      if (b == '\\') {
        consume();
        escape(sb);
      } else if (b < 0x20) {
        throw error(String.format("control character U+%04X in a string (write it as an escape)", b));
      } else if (b < 0x80) {
        consume();
        sb.append((char) b);
      } else {
        utf8(sb);
      }
      if (sb.length() > maxStringChars) throw limit("a string longer than the limit of " + maxStringChars + " characters");
    }
    String s = sb.toString();
    if (sb.capacity() > 1 << 16) text = new StringBuilder(); // do not keep a huge buffer alive
    return s;
  }

  private void escape(StringBuilder sb) throws IOException {
    int e = peekByte();
    switch (e) {
      case '"':
      case '\\':
      case '/':
        sb.append((char) e);
        break;
      case 'b':
        sb.append('\b');
        break;
      case 'f':
        sb.append('\f');
        break;
      case 'n':
        sb.append('\n');
        break;
      case 'r':
        sb.append('\r');
        break;
      case 't':
        sb.append('\t');
        break;
      case 'u':
        consume();
        int cp = 0;
        for (int i = 0; i < 4; i++) {
          int d = Character.digit(peekByte(), 16);
          if (peekByte() < 0 || peekByte() >= 0x80 || d < 0) throw unexpected(peekByte(), "a hex digit of a \\u escape");
          consume();
          cp = cp * 16 + d;
        }
        sb.append((char) cp);
        return;
      default:
        throw unexpected(e, "an escape character (one of \" \\ / b f n r t u)");
    }
    consume();
  }

  /** Decodes one multi-byte UTF-8 sequence, strictly: no overlong forms, surrogates or values past U+10FFFF. */
  private void utf8(StringBuilder sb) throws IOException {
    int b = peekByte();
    int need;
    int cp;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
      cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      cp = b & 0x07;
    } else {
      throw error(String.format("invalid UTF-8: byte 0x%02X cannot start a character", b));
    }
    String at = position();
    consume();
    for (int i = 0; i < need; i++) {
      int c = peekByte();
      if (c < 0 || (c & 0xC0) != 0x80) throw new JsonException("invalid UTF-8: truncated sequence at " + at);
      consume();
      cp = cp << 6 | (c & 0x3F);
    }
    boolean overlong = (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw new JsonException(String.format("invalid UTF-8: sequence for U+%04X is not allowed at %s", cp, at));
    }
    sb.appendCodePoint(cp);
  }

  private String readNumber() throws IOException {
    StringBuilder sb = text;
    sb.setLength(0);
    if (peekByte() == '-') take(sb);
    if (nonFinite && (peekByte() == 'I' || (peekByte() == 'N' && sb.length() == 0))) {
      String word = peekByte() == 'I' ? "Infinity" : "NaN";
      literal(word);
      return sb.append(word).toString();
    }
    if (peekByte() == '0') {
      take(sb);
    } else {
      digits(sb, "a digit");
    }
    if (peekByte() == '.') {
      take(sb);
      digits(sb, "a digit after '.'");
    }
    if (peekByte() == 'e' || peekByte() == 'E') {
      take(sb);
      if (peekByte() == '+' || peekByte() == '-') take(sb);
      digits(sb, "a digit in the exponent");
    }
    return sb.toString();
  }

  private void digits(StringBuilder sb, String expected) throws IOException {
    int c = peekByte();
    if (c < '0' || c > '9') throw unexpected(c, expected);
    while (c >= '0' && c <= '9') {
      take(sb);
      c = peekByte();
    }
  }

  private void take(StringBuilder sb) throws IOException {
    if (sb.length() >= MAX_NUMBER_CHARS) throw limit("a number longer than the limit of " + MAX_NUMBER_CHARS + " characters");
    sb.append((char) peekByte());
    consume();
  }

  // ---- bytes -----------------------------------------------------------------------------------------------------

  private int peekNonSpace() throws IOException {
    while (true) {
      int c = peekByte();
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return c;
      consume();
    }
  }

  /** The next byte (0-255) without consuming it, or -1 at the end of the document. */
  private int peekByte() throws IOException {
    if (bufPos == bufLen && !fill()) return -1;
    return buf[bufPos] & 0xff;
  }

  /** Consumes the byte {@link #peekByte} returned. */
  private void consume() {
    int b = buf[bufPos++] & 0xff;
    offset++;
    if (b == '\n') {
      line++;
      column = 1;
    } else if ((b & 0xC0) != 0x80) {
      column++;
    }
  }

  private boolean fill() throws IOException {
    long room = exact ? length - fetched : length + 1 - fetched;
    if (room <= 0) return false;
    int n;
    do {
      n = in.read(buf, 0, (int) Math.min(buf.length, room));
    } while (n == 0);
    if (n < 0) {
      if (exact) throw error("truncated: the input ends after " + fetched + " of the " + length + " bytes of JSON");
      return false;
    }
    fetched += n;
    if (!exact && fetched > length) throw limit("the JSON is longer than the limit of " + length + " bytes");
    bufPos = 0;
    bufLen = n;
    return true;
  }

  private JsonException unexpected(int c, String expected) {
    String found;
    if (c < 0) found = "the end of the input";
    else if (c >= 0x20 && c < 0x7f) found = "'" + (char) c + "'";
    else found = String.format("byte 0x%02X", c);
    return error("unexpected " + found + ", expected " + expected);
  }
}

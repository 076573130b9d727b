package dev.kiln.text;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Vocabulary files: UTF-8, one token per line, as Keras writes its {@code vocabulary.txt} asset (the special tokens
 * first, lines joined by {@code "\n"}) and as Keras' {@code vocabulary=} argument takes a file (tokens only).
 */
final class VocabularyFile {
  /** 64 MiB: far above real vocabularies (a 100,000-word vocabulary is about 1 MB). */
  static final long MAX_BYTES = 64L << 20;

  private VocabularyFile() {}

  static List<String> read(File file) throws IOException {
    try (InputStream in = new FileInputStream(file)) {
      return read(in, file.getPath());
    }
  }

  /**
   * The lines of {@code in} as Python's text mode reads them ({@code "\r\n"} and {@code "\r"} are line breaks too);
   * one line break at the very end is not a line of its own, so both of Keras' forms read back to the same tokens.
   */
  static List<String> read(InputStream in, String source) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    for (int n; (n = in.read(buffer)) > 0; ) {
      bytes.write(buffer, 0, n);
      if (bytes.size() > MAX_BYTES) {
        throw new IOException(source + ": a vocabulary file of more than " + MAX_BYTES + " bytes");
      }
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException(source + ": a vocabulary file must be UTF-8 (" + e + ")", e);
    }
    text = text.replace("\r\n", "\n").replace('\r', '\n');
    if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int end; (end = text.indexOf('\n', start)) >= 0; start = end + 1) lines.add(text.substring(start, end));
    lines.add(text.substring(start));
    return lines;
  }

  /** Keras' asset form: the entries (special tokens first) joined by {@code "\n"}. */
  static String format(List<String> entries) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < entries.size(); i++) {
      String token = entries.get(i);
      if (token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("token " + Vocabulary.quote(token) + " at index " + i
            + " holds a line break: it cannot be written to a vocabulary file of one token per line");
      }
      if (i > 0) out.append('\n');
      out.append(token);
    }
    return out.toString();
  }
}

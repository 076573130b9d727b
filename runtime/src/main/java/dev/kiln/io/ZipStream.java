package dev.kiln.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a zip archive front to back from a stream: each local entry (stored or deflated, with or without a
 * data descriptor, zip64 sizes included), then the central directory, which must list exactly the entries
 * read, in order, with the same names, sizes, CRC-32s and offsets, then the end record and nothing after it.
 * A reader that uses the central directory (NumPy, {@code java.util.zip.ZipFile}) therefore sees the same
 * archive as Kiln, or Kiln refuses it.
 *
 * <p>{@code java.util.zip.ZipInputStream} is not used because it cannot read a stored entry with a data
 * descriptor, which is what {@code np.savez} writes to an unseekable stream. A stored entry with a data
 * descriptor does not say where its data ends: the caller reads exactly the entry's data (an {@code .npy}
 * header says how long its data is), and the descriptor's sizes and CRC-32 are checked against what was read.
 *
 * <p>Decompression is bounded: all entries together may decompress to at most {@code allowance} bytes plus
 * {@code maxExpansion} times the archive bytes read so far.
 */
final class ZipStream {
  private static final int LOCAL = 0x04034b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int END = 0x06054b50;
  private static final int ZIP64_END = 0x06064b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int DESCRIPTOR = 0x08074b50;
  private static final long MAGIC32 = 0xFFFFFFFFL;

  /** One local entry, as its header and (after {@link #closeEntry}) its data describe it. */
  static final class Entry {
    final String name;
    final int method;
    final boolean descriptor;
    final boolean zip64;
    final long headerOffset;
    long crc;
    long compressedSize;
    long size;

    Entry(String name, int method, boolean descriptor, boolean zip64, long headerOffset) {
      this.name = name;
      this.method = method;
      this.descriptor = descriptor;
      this.zip64 = zip64;
      this.headerOffset = headerOffset;
    }

    boolean isDirectory() {
      return name.endsWith("/");
    }

    /** False for a stored entry with a data descriptor, whose content ends wherever its reader stops. */
    boolean hasKnownEnd() {
      return method == 8 || !descriptor;
    }
  }

  private final Input in;
  private final String source;
  private final long allowance;
  private final int maxExpansion;
  private final List<Entry> entries = new ArrayList<Entry>();
  private Entry current;
  private EntryData data;
  private long produced;
  private boolean finished;

  ZipStream(InputStream in, String source, long allowance, int maxExpansion) {
    this.in = new Input(in);
    this.source = source;
    this.allowance = allowance;
    this.maxExpansion = maxExpansion;
  }

  /**
   * The next entry, or {@code null} after the last one, once the central directory and the end record have
   * been read and checked. The previous entry must have been closed.
   */
  Entry next() throws IOException {
    if (current != null) throw new IllegalStateException("close the entry '" + current.name + "' first");
    if (finished) return null;
    long at = in.position();
    int sig = in.peekInt();
    if (sig == LOCAL) {
      in.skip(4);
      current = localHeader(at);
      entries.add(current);
      data = new EntryData(current);
      return current;
    }
    if (sig == CENTRAL || sig == END) {
      centralDirectory(at);
      finished = true;
      return null;
    }
    throw error("expected a zip entry or the central directory at byte " + at + ", found " + in.describeNext());
  }

  /** The current entry's uncompressed data; ends with -1 where the entry's data ends (unknown for stored + descriptor). */
  InputStream data() {
    if (data == null) throw new IllegalStateException("no current entry");
    return data;
  }

  /** Ends the current entry where its data was read up to, reads its data descriptor, checks sizes and CRC-32. */
  void closeEntry() throws IOException {
    Entry e = current;
    EntryData d = data;
    String what = source + ", entry '" + e.name + "'";
    if (e.hasKnownEnd() && d.read() >= 0) throw new WeightsFormatException(what + ": trailing bytes after the content");
    if (d.inflater != null) d.inflater.end();
    long crc = d.crc.getValue();
    long compressed = e.method == 8 ? d.compressedRead : d.produced;
    if (e.descriptor) {
      long dAt = in.position();
      long first = in.readUInt32(what + ": data descriptor");
      long dCrc = first == DESCRIPTOR ? in.readUInt32(what + ": data descriptor") : first;
      boolean wide = e.zip64 || compressed >= MAGIC32 || d.produced >= MAGIC32;
      long dCompressed = wide ? in.readUInt64(what + ": data descriptor") : in.readUInt32(what + ": data descriptor");
      long dSize = wide ? in.readUInt64(what + ": data descriptor") : in.readUInt32(what + ": data descriptor");
      if (dCrc != crc || dCompressed != compressed || dSize != d.produced) {
        throw new WeightsFormatException(what + ": the data descriptor at byte " + dAt + " says CRC-32 "
            + hex(dCrc) + ", " + dCompressed + " bytes stored, " + dSize + " bytes of content; the entry has "
            + hex(crc) + ", " + compressed + ", " + d.produced);
      }
      e.crc = crc;
      e.compressedSize = compressed;
    } else {
      if (e.crc != crc) {
        throw new WeightsFormatException(what + ": CRC-32 mismatch: the header says " + hex(e.crc) + ", the data has " + hex(crc));
      }
      if (e.method == 8 && (compressed != e.compressedSize || d.produced != e.size)) {
        throw new WeightsFormatException(what + ": the header says " + e.compressedSize + " bytes deflated to "
            + e.size + ", the data is " + compressed + " bytes deflated to " + d.produced);
      }
    }
    e.size = d.produced;
    current = null;
    data = null;
  }

  private Entry localHeader(long at) throws IOException {
    String what = source + ": zip entry at byte " + at;
    byte[] h = in.readFully(26, what + ": local header");
    int flags = u16(h, 2);
    int method = u16(h, 4);
    long crc = u32(h, 10);
    long compressed = u32(h, 14);
    long size = u32(h, 18);
    int nameLength = u16(h, 22);
    int extraLength = u16(h, 24);
    String name = name(in.readFully(nameLength, what + ": name"), what);
    what = source + ", entry '" + name + "'";
    byte[] extra = in.readFully(extraLength, what + ": extra field");
    if ((flags & 0x0001) != 0 || (flags & 0x0040) != 0 || (flags & 0x2000) != 0) {
      throw new WeightsFormatException(what + ": encrypted entries are not supported");
    }
    if (method != 0 && method != 8) {
      throw new WeightsFormatException(what + ": compression method " + method + " is not supported (stored or deflated only)");
    }
    long[] sizes = {size, compressed};
    boolean zip64 = zip64(extra, sizes, what);
    size = sizes[0];
    compressed = sizes[1];
    boolean descriptor = (flags & 0x0008) != 0;
    Entry e = new Entry(name, method, descriptor, zip64, at);
    if (!descriptor) {
      if (method == 0 && compressed != size) {
        throw new WeightsFormatException(what + ": stored entry with " + compressed + " bytes stored but size " + size);
      }
      e.crc = crc;
      e.compressedSize = compressed;
      e.size = size;
    }
    return e;
  }

  /**
   * Reads the zip64 extra field, if {@code extra} has one: each of {@code fields} (size, compressed size, then
   * header offset) that is 0xFFFFFFFF is replaced by the next 8-byte value. Returns whether there was one.
   */
  private static boolean zip64(byte[] extra, long[] fields, String what) throws WeightsFormatException {
    boolean found = false;
    for (int i = 0; i < extra.length; ) {
      if (i + 4 > extra.length) throw new WeightsFormatException(what + ": malformed extra field");
      int id = u16(extra, i);
      int end = i + 4 + u16(extra, i + 2);
      if (end > extra.length) throw new WeightsFormatException(what + ": malformed extra field");
      if (id == 1) {
        found = true;
        int p = i + 4;
        for (int f = 0; f < fields.length; f++) {
          if (fields[f] != MAGIC32) continue;
          if (p + 8 > end) throw new WeightsFormatException(what + ": zip64 extra field too short");
          fields[f] = u64(extra, p, what);
          p += 8;
        }
      }
      i = end;
    }
    return found;
  }

  private String name(byte[] bytes, String what) throws WeightsFormatException {
    try {
      return Charset.forName("UTF-8").newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WeightsFormatException(what + ": the entry name is not valid UTF-8");
    }
  }

  // ---- central directory -----------------------------------------------------------------------------------

  private void centralDirectory(long start) throws IOException {
    String what = source + ": central directory";
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      long at = in.position();
      if (in.peekInt() != CENTRAL) {
        throw error("the central directory lists " + i + " entries but the archive has " + entries.size()
            + " (at byte " + at + ": " + in.describeNext() + ")");
      }
      in.skip(4);
      byte[] h = in.readFully(42, what);
      String where = what + " record for '" + e.name + "'";
      int flags = u16(h, 4);
      int method = u16(h, 6);
      long crc = u32(h, 12);
      long compressed = u32(h, 16);
      long size = u32(h, 20);
      int nameLength = u16(h, 24);
      int extraLength = u16(h, 26);
      int commentLength = u16(h, 28);
      int disk = u16(h, 30);
      long offset = u32(h, 38);
      String name = name(in.readFully(nameLength, where), where);
      byte[] extra = in.readFully(extraLength, where);
      in.readFully(commentLength, where);
      long[] fields = {size, compressed, offset};
      zip64(extra, fields, where);
      size = fields[0];
      compressed = fields[1];
      offset = fields[2];
      if (!name.equals(e.name) || method != e.method || crc != e.crc || compressed != e.compressedSize
          || size != e.size || offset != e.headerOffset || disk != 0 || (flags & 0x0001) != 0) {
        throw new WeightsFormatException(what + " record " + i + " (" + describe(name, method, crc, compressed, size, offset)
            + ") does not match the entry in the archive (" + describe(e.name, e.method, e.crc, e.compressedSize, e.size,
            e.headerOffset) + ")");
      }
    }
    long size = in.position() - start;
    long count = entries.size();
    long endAt = in.position();
    int sig = in.peekInt();
    long zip64Count = -1;
    long zip64Size = -1;
    long zip64Offset = -1;
    if (sig == ZIP64_END) {
      in.skip(4);
      byte[] z = in.readFully(52, what + ": zip64 end record");
      long recordSize = u64(z, 0, what);
      if (recordSize < 44 || recordSize > 1 << 16) {
        throw new WeightsFormatException(what + ": zip64 end record of " + recordSize + " bytes");
      }
      in.readFully((int) (recordSize - 44), what + ": zip64 end record");
      if (u32(z, 12) != 0 || u32(z, 16) != 0) throw new WeightsFormatException(what + ": multi-disk archives are not supported");
      zip64Count = u64(z, 28, what);
      zip64Size = u64(z, 36, what);
      zip64Offset = u64(z, 44, what);
      if (u64(z, 20, what) != zip64Count) throw new WeightsFormatException(what + ": inconsistent entry counts");
      if (in.readUInt32(what + ": zip64 end locator") != ZIP64_LOCATOR) {
        throw error("the zip64 end record is not followed by its locator");
      }
      byte[] loc = in.readFully(16, what + ": zip64 end locator");
      if (u32(loc, 0) != 0 || u64(loc, 4, what) != endAt || u32(loc, 12) > 1) {
        throw new WeightsFormatException(what + ": the zip64 end locator does not point at the zip64 end record (byte " + endAt + ")");
      }
      sig = in.peekInt();
    }
    if (sig != END) {
      throw error("expected the end of the central directory after " + count + " records, found " + in.describeNext());
    }
    in.skip(4);
    byte[] t = in.readFully(18, what + ": end record");
    long endCount = u16(t, 6);
    long endSize = u32(t, 8);
    long endOffset = u32(t, 12);
    if (endCount == 0xFFFF && zip64Count >= 0) endCount = zip64Count;
    if (endSize == MAGIC32 && zip64Size >= 0) endSize = zip64Size;
    if (endOffset == MAGIC32 && zip64Offset >= 0) endOffset = zip64Offset;
    if (u16(t, 0) != 0 || u16(t, 2) != 0 || u16(t, 4) != u16(t, 6)) {
      throw new WeightsFormatException(what + ": multi-disk archives are not supported");
    }
    if (endCount != count || endSize != size || endOffset != start) {
      throw new WeightsFormatException(what + ": the end record says " + endCount + " entries, " + endSize
          + " bytes at byte " + endOffset + "; the archive has " + count + " entries, " + size + " bytes at byte " + start);
    }
    in.readFully(u16(t, 16), what + ": archive comment");
    if (in.peekByte() >= 0) {
      throw error("data after the end of the zip archive (byte " + in.position() + ")");
    }
  }

  private static String describe(String name, int method, long crc, long compressed, long size, long offset) {
    return "'" + name + "', method " + method + ", CRC-32 " + hex(crc) + ", " + compressed + " -> " + size
        + " bytes, header at byte " + offset;
  }

  // ---- entry data -------------------------------------------------------------------------------------------

  /** An entry's content: stored bytes read through, or inflated; CRC-32 and sizes counted, expansion bounded. */
  private final class EntryData extends InputStream {
    final Entry entry;
    final Inflater inflater;
    final CRC32 crc = new CRC32();
    long produced;
    long compressedRead;
    /** Stored bytes left (known size), or -1 (stored with a descriptor: the caller knows where to stop). */
    long storedLeft;
    private int given;

    EntryData(Entry entry) {
      this.entry = entry;
      this.inflater = entry.method == 8 ? new Inflater(true) : null;
      this.storedLeft = entry.method == 0 && !entry.descriptor ? entry.size : -1;
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      int n = read(b, 0, 1);
      return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) return 0;
      int n = inflater != null ? inflate(b, off, len) : stored(b, off, len);
      if (n > 0) {
        crc.update(b, off, n);
        produced += n;
        long limit = allowance + (long) maxExpansion * in.fetched();
        if (inflater != null && (ZipStream.this.produced += n) > limit) {
          throw new WeightsFormatException(source + ", entry '" + entry.name + "': the archive decompresses to more than "
              + allowance + " bytes plus " + maxExpansion + " times its compressed size (a zip bomb?)");
        }
      }
      return n;
    }

    private int stored(byte[] b, int off, int len) throws IOException {
      if (storedLeft == 0) return -1;
      int want = storedLeft > 0 ? (int) Math.min(len, storedLeft) : len;
      int n = in.read(b, off, want);
      if (n < 0) {
        throw new WeightsFormatException(source + ", entry '" + entry.name + "': truncated: the archive ends inside the entry");
      }
      if (storedLeft > 0) storedLeft -= n;
      return n;
    }

    private int inflate(byte[] b, int off, int len) throws IOException {
      String what = source + ", entry '" + entry.name + "'";
      try {
        while (true) {
          if (inflater.finished()) return -1;
          if (inflater.needsDictionary()) throw new WeightsFormatException(what + ": deflate stream needs a preset dictionary");
          if (inflater.needsInput()) {
            int avail = in.fill();
            if (avail <= 0) throw new WeightsFormatException(what + ": truncated: the archive ends inside the deflated data");
            if (!entry.descriptor) avail = (int) Math.min(avail, entry.compressedSize - compressedRead);
            if (avail <= 0) throw new WeightsFormatException(what + ": the deflated data runs past its stored size " + entry.compressedSize);
            inflater.setInput(in.buf, in.pos, avail);
            given = avail;
          }
          int n = inflater.inflate(b, off, len);
          int used = given - inflater.getRemaining();
          in.skip(used);
          compressedRead += used;
          given -= used;
          if (n > 0) return n;
        }
      } catch (DataFormatException e) {
        throw new WeightsFormatException(what + ": bad deflate data: " + e.getMessage());
      }
    }
  }

  // ---- bytes --------------------------------------------------------------------------------------------------

  /** The archive stream with a buffer the inflater reads from directly, and the position in the archive. */
  private final class Input {
    final InputStream stream;
    final byte[] buf = new byte[1 << 16];
    int pos;
    int len;
    private long bufStart;
    private long fetched;

    Input(InputStream stream) {
      this.stream = stream;
    }

    long position() {
      return bufStart + pos;
    }

    long fetched() {
      return fetched;
    }

    /** Bytes buffered (reading more when none are), 0 at the end of the stream. */
    int fill() throws IOException {
      if (pos < len) return len - pos;
      bufStart += len;
      pos = 0;
      len = 0;
      int n;
      do {
        n = stream.read(buf, 0, buf.length);
      } while (n == 0);
      if (n < 0) return 0;
      len = n;
      fetched += n;
      return n;
    }

    void skip(int n) throws IOException {
      while (n > 0) {
        if (fill() == 0) throw error("truncated at byte " + position());
        int k = Math.min(n, len - pos);
        pos += k;
        n -= k;
      }
    }

    int read(byte[] b, int off, int n) throws IOException {
      if (fill() == 0) return -1;
      int k = Math.min(n, len - pos);
      System.arraycopy(buf, pos, b, off, k);
      pos += k;
      return k;
    }

    int peekByte() throws IOException {
      return fill() == 0 ? -1 : buf[pos] & 0xff;
    }

    /** The next four bytes as a little-endian int without consuming them, or -1 if fewer remain. */
    int peekInt() throws IOException {
      if (fill() == 0) return -1;
      if (len - pos < 4) {
        // Move the tail to the front and read more after it.
        System.arraycopy(buf, pos, buf, 0, len - pos);
        bufStart += pos;
        len -= pos;
        pos = 0;
        while (len < 4) {
          int n = stream.read(buf, len, buf.length - len);
          if (n < 0) return -1;
          len += n;
          fetched += n;
        }
      }
      return (int) u32(buf, pos);
    }

    String describeNext() throws IOException {
      int f = fill();
      if (f == 0) return "the end of the data (truncated?)";
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < Math.min(4, f); i++) sb.append(String.format("%02x", buf[pos + i] & 0xff));
      return "bytes " + sb;
    }

    byte[] readFully(int n, String what) throws IOException {
      byte[] b = new byte[n];
      int done = 0;
      while (done < n) {
        int k = read(b, done, n - done);
        if (k < 0) throw new WeightsFormatException(what + ": truncated: the archive ends at byte " + position());
        done += k;
      }
      return b;
    }

    long readUInt32(String what) throws IOException {
      return u32(readFully(4, what), 0);
    }

    long readUInt64(String what) throws IOException {
      return u64(readFully(8, what), 0, what);
    }
  }

  private WeightsFormatException error(String message) {
    return new WeightsFormatException(source + ": " + message);
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
  }

  private static long u32(byte[] b, int i) {
    return DataReader.int32(b, i) & MAGIC32;
  }

  private static long u64(byte[] b, int i, String what) throws WeightsFormatException {
    long v = u32(b, i) | u32(b, i + 4) << 32;
    if (v < 0) throw new WeightsFormatException(what + ": zip64 size or offset " + Long.toHexString(v) + " is out of range");
    return v;
  }

  private static String hex(long crc) {
    return String.format("%08x", crc);
  }
}

package dev.kiln.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Test support: writes zip archives byte by byte in the layouts real writers use, which
 * {@link java.util.zip.ZipOutputStream} cannot all produce: NumPy's np.savez to an unseekable stream (stored,
 * data descriptor, zip64 local extra and 8-byte descriptor sizes) in particular.
 */
final class ZipWriter {
  enum Layout {
    /** Sizes and CRC-32 in the local header (np.savez to a file). */
    STORED,
    /** np.savez to an unseekable stream: flag 8, zip64 extra with zero sizes, descriptor with 8-byte sizes. */
    STORED_DESCRIPTOR_ZIP64,
    /** Sizes in the local header (np.savez_compressed to a file). */
    DEFLATED,
    /** java.util.zip.ZipOutputStream: flag 8, zero sizes, descriptor with a signature and 4-byte sizes. */
    DEFLATED_DESCRIPTOR
  }

  private record Written(String name, int method, int flags, long crc, long compressed, long size, long offset) {}

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final List<Written> entries = new ArrayList<>();

  ZipWriter add(String name, byte[] content, Layout layout) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(content);
    boolean deflated = layout == Layout.DEFLATED || layout == Layout.DEFLATED_DESCRIPTOR;
    byte[] data = deflated ? deflate(content) : content;
    boolean descriptor = layout == Layout.STORED_DESCRIPTOR_ZIP64 || layout == Layout.DEFLATED_DESCRIPTOR;
    boolean zip64 = layout == Layout.STORED_DESCRIPTOR_ZIP64;
    int flags = descriptor ? 8 : 0;
    int method = deflated ? 8 : 0;
    long offset = out.size();
    ByteBuffer h = le(30 + nameBytes.length + (zip64 ? 20 : 0));
    h.putInt(0x04034b50).putShort((short) (zip64 ? 45 : 20)).putShort((short) flags).putShort((short) method)
        .putShort((short) 0).putShort((short) 0x21);
    if (zip64) h.putInt(0).putInt(-1).putInt(-1);
    else if (descriptor) h.putInt(0).putInt(0).putInt(0);
    else h.putInt((int) crc.getValue()).putInt(data.length).putInt(content.length);
    h.putShort((short) nameBytes.length).putShort((short) (zip64 ? 20 : 0)).put(nameBytes);
    if (zip64) h.putShort((short) 1).putShort((short) 16).putLong(0).putLong(0);
    out.writeBytes(h.array());
    out.writeBytes(data);
    if (zip64) out.writeBytes(le(24).putInt(0x08074b50).putInt((int) crc.getValue()).putLong(data.length).putLong(content.length).array());
    else if (descriptor) out.writeBytes(le(16).putInt(0x08074b50).putInt((int) crc.getValue()).putInt(data.length).putInt(content.length).array());
    entries.add(new Written(name, method, flags, crc.getValue(), data.length, content.length, offset));
    return this;
  }

  /** The archive: entries, central directory, end record. */
  byte[] finish() {
    long start = out.size();
    for (Written e : entries) {
      byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
      out.writeBytes(le(46 + name.length).putInt(0x02014b50).putShort((short) 20).putShort((short) 20)
          .putShort((short) e.flags).putShort((short) e.method).putShort((short) 0).putShort((short) 0x21)
          .putInt((int) e.crc).putInt((int) e.compressed).putInt((int) e.size).putShort((short) name.length)
          .putShort((short) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0).putInt(0)
          .putInt((int) e.offset).put(name).array());
    }
    long size = out.size() - start;
    out.writeBytes(le(22).putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
        .putShort((short) entries.size()).putInt((int) size).putInt((int) start).putShort((short) 0).array());
    return out.toByteArray();
  }

  static byte[] deflate(byte[] content) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    d.setInput(content);
    d.finish();
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] buf = new byte[1 << 16];
    while (!d.finished()) o.write(buf, 0, d.deflate(buf));
    d.end();
    return o.toByteArray();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}

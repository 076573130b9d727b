package dev.kiln.io;

import dev.kiln.Tensor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Reads NumPy {@code .npz} archives: a zip of {@code name.npy} entries, stored or deflated. Each weight is
 * named after its entry without {@code .npy}; directory entries are skipped, other entries are an error.
 * Supported element types: {@code <f4}, {@code <i4}, {@code |b1}, {@code <f2} (widened to float32) and
 * {@code <f8} (narrowed to float32, rounding to nearest; values beyond the float32 range become
 * infinities). C order only.
 *
 * <p>Entries are read with {@link ZipInputStream} (local headers, in archive order); declared sizes are
 * never trusted for allocation: arrays grow with the bytes actually decompressed, and each entry must end
 * exactly where its array data ends. Deflate can expand data about 1000-fold, so memory use is bounded by
 * the decompressed size, not the archive size.
 *
 * <p>Internal to {@link dev.kiln.Weights}; use that class.
 */
public final class NpzReader {
  private NpzReader() {}

  /** Reads every array in archive order. {@code source} names the input in messages; {@code in} is not closed. */
  public static LinkedHashMap<String, Tensor> read(InputStream in, String source) throws IOException {
    final ZipInputStream zip = new ZipInputStream(in);
    // java.util.zip may throw unchecked exceptions on hostile archives; turn those into IOExceptions here
    // so that the npy decoding below is not wrapped in a catch-all.
    InputStream guarded = new FilterInputStream(zip) {
      @Override
      public int read() throws IOException {
        try {
          return zip.read();
        } catch (RuntimeException e) {
          throw new IOException(e.toString(), e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return zip.read(b, off, len);
        } catch (RuntimeException e) {
          throw new IOException(e.toString(), e);
        }
      }
    };
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<String, Tensor>();
    String previous = null;
    while (true) {
      ZipEntry entry;
      try {
        entry = zip.getNextEntry();
      } catch (WeightsFormatException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        // ZipInputStream reports bad entry names as IllegalArgumentException; CRC/size errors of the
        // previous entry surface here too.
        String where = previous == null ? "the first zip entry" : "the zip entry after '" + previous + "'";
        throw new WeightsFormatException(source + ": cannot read " + where + ": " + e, e);
      }
      if (entry == null) break;
      String entryName = entry.getName();
      previous = entryName;
      if (entry.isDirectory()) continue;
      String what = source + ", entry '" + entryName + "'";
      if (!entryName.endsWith(".npy")) {
        throw new WeightsFormatException(what + ": not a .npy array (npz entries must be named name.npy)");
      }
      String name = entryName.substring(0, entryName.length() - 4);
      if (out.containsKey(name)) throw new WeightsFormatException(what + ": duplicate weight '" + name + "'");
      try {
        out.put(name, readNpy(guarded, what));
        if (guarded.read() >= 0) {
          throw new WeightsFormatException(what + ": trailing bytes after the array data");
        }
      } catch (WeightsFormatException e) {
        throw e;
      } catch (IOException e) {
        // Inflater and CRC/size failures from java.util.zip.
        throw new WeightsFormatException(what + ": " + e, e);
      }
    }
    return out;
  }

  /** Reads one {@code .npy} array (header and data) from {@code in}. */
  static Tensor readNpy(InputStream in, String what) throws IOException {
    NpyHeader h = NpyHeader.read(in, what);
    Encoding enc = h.encoding();
    if (enc == null) {
      throw new WeightsFormatException(
          what + ": unsupported .npy dtype '" + h.descr + "' (supported: " + NpyHeader.SUPPORTED + ")");
    }
    if (h.fortranOrder) {
      throw new WeightsFormatException(what + ": fortran_order True is not supported (only C-order arrays); "
          + "save with numpy.ascontiguousarray");
    }
    int[] shape = DataReader.checkShape(h.shape, what);
    return DataReader.readTensor(in, enc, shape, false, what);
  }
}
